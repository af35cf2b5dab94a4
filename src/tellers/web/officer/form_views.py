"""An election built from a form, and the example manifest (docs/officers.md, "Create").

The form covers the common case — one contest, online voting — and builds the same
``Manifest`` a file would give, through ``manifest_to_json`` and the same
``setup.create_election``, so it is validated and recorded exactly as an upload is. The
officer says what the ballot is (an election under s.46, an industrial-action ballot,
or another: the manifest's ``kind``), and picks any method, the ranked ones with their
seats and preferences, and the order that decides the ties a ranked rule leaves open
(the manifest's ``tie_order``, record.md §3.9; left empty, such ties are drawn by lot).
The candidates are typed in or taken from a closed nominations log (with their
addresses, in the order the close decided); a yes/no question has its two answers.
"Check" shows, without creating anything, the statutory rules in force on the opening
day as the manifest's validation computes them (``statutory.rules_figures``), the
question's thresholds and how a ranked contest's ties are decided. Anything more
(several contests, the postal channel) is a manifest file; the example one is offered
for download.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from tellers.election.manifest import RANKED_METHODS, Choice, Contest, Manifest, tie_order_faults
from tellers.errors import TellersError
from tellers.record.v2 import manifest_to_json
from tellers.web.nominations import service as nominations
from tellers.web.nominations.models import NominationsPeriod
from tellers.web.officer.rules_in_force import rules_shown
from tellers.web.store import access, setup

__all__ = [
    "ElectionForm",
    "example_manifest",
    "example_manifest_json",
    "new_from_form",
]

OTHER = "other"
"""The form's word for a ballot of no statutory kind (the manifest's ``kind`` None)."""


def example_manifest() -> Manifest:
    """A complete, valid manifest to start from: a general-secretary election."""
    opens = timezone.now().replace(microsecond=0, second=0, minute=0) + timedelta(days=14)
    return Manifest(
        election_id="gs-2026",
        title="General Secretary election 2026",
        organisation="Example Union",
        scrutineer="Independent Ballots Ltd",
        opens=opens.isoformat(),
        closes=(opens + timedelta(days=21)).isoformat(),
        revote="last",
        trustees=3,
        quorum=2,
        constituencies=("north", "south"),
        contests=(
            Contest(
                id="general-secretary",
                title="General Secretary",
                method="plurality",
                choices=(
                    Choice("adams", "Tom Adams", "Tom Adams's election address."),
                    Choice("ward", "Sharon Ward", "Sharon Ward's election address."),
                ),
            ),
        ),
        public_board="after-close",
    )


class ElectionForm(forms.Form):
    election_id = forms.SlugField(label=gettext_lazy("Short name (election id)"), max_length=64)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    organisation = forms.CharField(label=gettext_lazy("Organisation"), max_length=200)
    scrutineer = forms.CharField(label=gettext_lazy("Independent scrutineer"), max_length=200)
    opens = forms.DateTimeField(label=gettext_lazy("Voting opens"))
    closes = forms.DateTimeField(label=gettext_lazy("Voting closes (never moves once open)"))
    revote = forms.ChoiceField(
        label=gettext_lazy("When a member votes again"),
        choices=[
            ("last", gettext_lazy("the last ballot counts")),
            ("first", gettext_lazy("the first ballot counts")),
            ("forbidden", gettext_lazy("no second ballot")),
        ],
    )
    public_board = forms.ChoiceField(
        label=gettext_lazy("Public board"),
        choices=[
            ("after-close", gettext_lazy("lists ballots from the close")),
            ("live", gettext_lazy("lists ballots while voting is open")),
        ],
    )
    trustees = forms.IntegerField(label=gettext_lazy("Trustees (n)"), min_value=1, initial=3)
    quorum = forms.IntegerField(
        label=gettext_lazy("Trustees needed to count (k)"), min_value=1, initial=2
    )
    constituencies = forms.CharField(
        label=gettext_lazy("Constituencies, one per line"), widget=forms.Textarea(attrs={"rows": 3})
    )
    contest_id = forms.SlugField(label=gettext_lazy("Contest id"), max_length=64)
    contest_title = forms.CharField(
        label=gettext_lazy("Contest title (the office)"), max_length=200
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("What the ballot is"),
        choices=[
            (
                "election",
                gettext_lazy(
                    "an election under s.46 (executive, president, general secretary): the "
                    "term limit applies"
                ),
            ),
            (
                "industrial-action",
                gettext_lazy(
                    "an industrial-action ballot: yes/no questions, with the turnout and "
                    "support thresholds, notice period and mandate of the rules in force"
                ),
            ),
            (
                OTHER,
                gettext_lazy("other (a consultation, a hustings vote): no statutory rules"),
            ),
        ],
        initial="election",
    )
    method = forms.ChoiceField(
        label=gettext_lazy("Method"),
        help_text=gettext_lazy(
            "The ranked methods (the alternative vote, STV, Schulze) are for an election "
            "under s.46 only, voted online."
        ),
        choices=[
            ("plurality", gettext_lazy("first past the post")),
            ("approval", gettext_lazy("approval")),
            ("yes-no", gettext_lazy("a yes/no question")),
            ("irv", gettext_lazy("ranked: the alternative vote (one seat)")),
            ("stv-ers97", gettext_lazy("ranked: single transferable vote, ERS97 rules")),
            ("stv-meek", gettext_lazy("ranked: single transferable vote, Meek's method")),
            (
                "stv-scottish",
                gettext_lazy("ranked: single transferable vote, Scottish STV rules"),
            ),
            ("schulze", gettext_lazy("ranked: Schulze's Condorcet method (one seat)")),
        ],
    )
    seats = forms.IntegerField(label=gettext_lazy("Seats"), min_value=1, initial=1)
    preferences = forms.IntegerField(
        label=gettext_lazy("Preferences a member may give (ranked methods only)"),
        help_text=gettext_lazy("Leave empty to let a member rank every candidate."),
        min_value=1,
        required=False,
    )
    tie_order = forms.CharField(
        label=gettext_lazy("Tie order (ranked methods only): the candidates' ids, one per line"),
        help_text=gettext_lazy(
            "Decides a tie the counting rule leaves open: the candidate listed earlier wins a "
            "tie to be elected or to have a surplus transferred first, and the one listed later "
            "is excluded first. List every candidate once. Leave empty to draw such ties by lot "
            "from the election fingerprint."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    statement = forms.CharField(
        label=gettext_lazy(
            "Statement printed with the question (for an industrial-action ballot, the "
            "s.229(4) statement)"
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    important_public_services = forms.CharField(
        label=gettext_lazy(
            "Constituencies whose members provide important public services, one per line "
            "(industrial-action ballots)"
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    term_years = forms.IntegerField(
        label=gettext_lazy("Years the post is held for (elections)"),
        min_value=1,
        required=False,
    )
    acknowledge_term = forms.BooleanField(
        label=gettext_lazy("I mean a term longer than the statutory limit"),
        required=False,
    )
    nominations = forms.ModelChoiceField(
        label=gettext_lazy("Candidates from closed nominations"),
        queryset=NominationsPeriod.objects.filter(closed=True),
        required=False,
    )
    candidates = forms.CharField(
        label=gettext_lazy("Or candidates, one per line: id,name"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def manifest(self) -> Manifest:
        d: dict[str, Any] = self.cleaned_data
        period: NominationsPeriod | None = d["nominations"]
        if period is not None:
            if (period.election_id, period.contest) != (d["election_id"], d["contest_id"]):
                raise ValidationError(
                    _("The nominations were for %(want)s, not %(found)s.")
                    % {
                        "want": f"{period.election_id}/{period.contest}",
                        "found": f"{d['election_id']}/{d['contest_id']}",
                    }
                )
            choices = tuple(Choice(**c) for c in nominations.choices_json(period))
        elif d["method"] == "yes-no":
            choices = (Choice("yes", _("Yes")), Choice("no", _("No")))
        else:
            choices = tuple(self._typed_candidates(d["candidates"]))
        tie_order = self._tie_order(d, choices)
        kind = None if d["kind"] == OTHER else d["kind"]
        try:
            contest = Contest(
                id=d["contest_id"],
                title=d["contest_title"],
                method=d["method"],
                choices=choices,
                seats=d["seats"],
                statement=d["statement"].strip(),
                preferences=d["preferences"],
                tie_order=tie_order,
            )
            if period is not None:  # the record carries the log; its verifier checks the choices
                contest = nominations.declared_contest(period, contest)
            return Manifest(
                election_id=d["election_id"],
                title=d["title"],
                organisation=d["organisation"],
                scrutineer=d["scrutineer"],
                opens=_iso(d["opens"]),
                closes=_iso(d["closes"]),
                revote=d["revote"],
                trustees=d["trustees"],
                quorum=d["quorum"],
                constituencies=_lines(d["constituencies"]),
                contests=(contest,),
                public_board=d["public_board"],
                kind=kind,
                important_public_services=_lines(d["important_public_services"]),
                term_years=d["term_years"],
                acknowledged=("term-over-limit",) if d["acknowledge_term"] else (),
            )
        except TellersError as exc:
            problems = [_("The election is not valid: %(problem)s") % {"problem": exc}]
            if contest_is_ranked(d["method"]) and kind != "election":
                problems.append(
                    _(
                        "A ranked method can only be used for an election under s.46: choose "
                        "“an election” as what the ballot is, or a method that is not ranked."
                    )
                )
            raise ValidationError(problems) from None

    def _tie_order(self, d: dict[str, Any], choices: tuple[Choice, ...]) -> tuple[str, ...] | None:
        """The contest's ``tie_order`` from the field, None when it is empty; refused, on the
        field, by the rules the manifest's validation applies (record.md §3.9), in the
        officer's words and naming the contest."""
        order = _lines(d["tie_order"])
        if not order:
            return None
        contest = f"{d['contest_title']} ({d['contest_id']})"
        ids = [c.id for c in choices]
        if not contest_is_ranked(d["method"]):
            problem = _(
                "Tie order of %(contest)s: only a ranked contest has a tie order; leave it "
                "empty, or choose a ranked method."
            ) % {"contest": contest}
        elif (faults := tie_order_faults(order, ids)) is not None:
            missing, other, twice = faults
            parts = [
                text % {"ids": ", ".join(found)}
                for text, found in (
                    (_("missing: %(ids)s"), missing),
                    (_("not a candidate: %(ids)s"), other),
                    (_("listed more than once: %(ids)s"), twice),
                )
                if found
            ]
            problem = _(
                "Tie order of %(contest)s: expected each of its candidates' ids exactly once, "
                "one per line; %(problems)s."
            ) % {"contest": contest, "problems": "; ".join(parts)}
        else:
            return order
        self.add_error("tie_order", problem)
        raise ValidationError(problem)

    @staticmethod
    def _typed_candidates(text: str) -> list[Choice]:
        out = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            cid, sep, name = line.partition(",")
            if not sep or not cid.strip() or not name.strip():
                raise ValidationError(
                    _("Candidates, line %(n)d: expected id,name, found %(line)r")
                    % {"n": n, "line": line}
                )
            out.append(Choice(cid.strip(), name.strip()))
        return out


def contest_is_ranked(method: str) -> bool:
    return method in RANKED_METHODS


def _lines(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.splitlines() if x.strip())


def _iso(value: Any) -> str:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return str(value.isoformat())


@require_http_methods(["GET", "POST"])
@login_required
def new_from_form(request: HttpRequest) -> HttpResponse:
    access.require_officer(request.user)
    initial: dict[str, Any] = {}
    chosen = request.GET.get("nominations", "")
    if chosen.isdigit():
        period = NominationsPeriod.objects.filter(pk=int(chosen), closed=True).first()
        if period is not None:
            initial = {
                "nominations": period.pk,
                "election_id": period.election_id,
                "contest_id": period.contest,
                "contest_title": period.office,
                "organisation": period.organisation,
            }
            initial["kind"] = "election"  # a contest from nominations is an election's (s.46)
    form = ElectionForm(request.POST or None, initial=initial)
    errors: list[str] = []
    rules = None
    if request.method == "POST":
        if form.is_valid():
            try:
                manifest = form.manifest()
                rules = rules_shown(manifest)
                if "preview" not in request.POST:
                    data = json.dumps(manifest_to_json(manifest)).encode()
                    election = setup.create_election(data, "the form", request.user)
            except ValidationError as exc:
                errors = exc.messages
            else:
                if "preview" not in request.POST:
                    messages.success(request, _("Election created from the form."))
                    return redirect("officer:election", election.slug)
        else:
            errors = [f"{k}: {' '.join(v)}" for k, v in form.errors.items()]
    context = {"form": form, "errors": errors, "rules": rules}
    return render(request, "officer/new_form.html", context, status=400 if errors else 200)


@require_GET
@login_required
def example_manifest_json(request: HttpRequest) -> HttpResponse:
    access.require_officer(request.user)
    text = json.dumps(manifest_to_json(example_manifest()), indent=2, ensure_ascii=False) + "\n"
    response = HttpResponse(text, content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="example-manifest.json"'
    return response
