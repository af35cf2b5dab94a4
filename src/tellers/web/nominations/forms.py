"""The officer's nominations forms: the period and rules, each step's fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tellers.errors import NominationError
from tellers.nominations import Period, Rules

__all__ = ["AddressForm", "OpenForm", "aware_iso"]

KINDS = [("branch", _("branches")), ("workplace", _("workplaces")), ("region", _("regions"))]


def aware_iso(value: datetime) -> str:
    """A form's date-time (in the site's time zone when it has none) as ISO 8601 with offset."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.isoformat()


class OpenForm(forms.Form):
    election_id = forms.SlugField(
        label=_("Election id (the manifest's election_id)"), max_length=64
    )
    contest = forms.SlugField(label=_("Contest id (the manifest's contest)"), max_length=64)
    office = forms.CharField(label=_("Office"), max_length=200)
    organisation = forms.CharField(label=_("Organisation"), max_length=200)
    opens = forms.DateTimeField(label=_("Nominations open"))
    closes = forms.DateTimeField(label=_("Nominations close"))
    withdrawals_close = forms.DateTimeField(label=_("Last moment to withdraw"))
    min_nominations = forms.IntegerField(label=_("At least this many nominations"), min_value=0)
    more_than_regions = forms.IntegerField(
        label=_("From bodies in more than this many regions"), min_value=0, initial=0
    )
    percent_of_bodies = forms.CharField(
        label=_("Or at least this percentage of the bodies (blank: none)"), required=False
    )
    counted_kinds = forms.MultipleChoiceField(
        label=_("Nominations count from"),
        choices=KINDS,
        widget=forms.CheckboxSelectMultiple,
        initial=["branch", "workplace"],
    )
    one_per_body = forms.BooleanField(
        label=_("A body nominates one candidate only"), required=False, initial=True
    )
    word_limit = forms.IntegerField(
        label=_("Words allowed in an election address"), min_value=100, initial=500
    )
    photo_allowed = forms.BooleanField(
        label=_("A photograph may go with the address"), required=False
    )
    photo_max_kb = forms.IntegerField(label=_("Largest photograph (kB)"), min_value=1, initial=2000)
    order = forms.ChoiceField(
        label=_("Ballot order"),
        choices=[
            ("alphabetical", _("alphabetical, by surname")),
            ("lot", _("by lot, drawn at the close")),
        ],
    )
    bodies = forms.FileField(label=_("Nominating bodies (CSV: body_id,name,kind,region)"))

    def period_and_rules(self) -> tuple[Period, Rules]:
        d: dict[str, Any] = self.cleaned_data
        try:
            period = Period(
                aware_iso(d["opens"]), aware_iso(d["closes"]), aware_iso(d["withdrawals_close"])
            )
            rules = Rules(
                min_nominations=d["min_nominations"],
                more_than_regions=d["more_than_regions"],
                percent_of_bodies=d["percent_of_bodies"].strip() or None,
                counted_kinds=tuple(k for k, _label in KINDS if k in d["counted_kinds"]),
                one_per_body=d["one_per_body"],
                word_limit=d["word_limit"],
                photo_allowed=d["photo_allowed"],
                photo_max_bytes=d["photo_max_kb"] * 1000,
                order=d["order"],
            )
        except NominationError as exc:
            raise forms.ValidationError(str(exc)) from None
        return period, rules


class AddressForm(forms.Form):
    candidate = forms.SlugField()
    text = forms.CharField(widget=forms.Textarea, strip=False)
    photo = forms.FileField(required=False)
