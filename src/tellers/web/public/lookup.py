"""The paper look-up: a member checks their voting paper by its number and confirmation code.

It shows what the board says of the paper (``store.paper_status``): issued,
voided and replaced, received on, counted, superseded by an online ballot or
refused and why, and the short codes recorded for each question, which the
member compares with those printed beside the boxes they marked. A number
with the wrong code gets the answer a number with no paper gets. Where the
manifest says ``"public_board": "after-close"`` the look-up still answers
(the number and the code are the member's own, as a whole tracker is), but
no figures of the papers are shown until voting has closed.
"""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tellers.errors import EncodingError
from tellers.postal.content import paper_label, parse_label
from tellers.web.public.views import _public_election, board_shown
from tellers.web.store import paper_status, steps
from tellers.web.store.context import manifest as manifest_of
from tellers.web.store.models import Election
from tellers.web.store.postal import REASON_TEXT

__all__ = ["paper"]

EXAMPLE = 1234
"""The paper whose label the page gives as an example of the form of a number."""


def _void_text(reason: str | None) -> str:
    texts = {
        "not-received": _("the paper was reported as not received"),
        "lost": _("the paper was reported lost"),
        "spoilt": _("the paper was reported spoilt"),
    }
    return texts.get(reason or "", _("the print authority cancelled it"))


def _paper_number(text: str) -> tuple[int | None, str | None]:
    """(the number, None) or (None, what is wrong with it) for the typed paper number."""
    if not text:
        return None, _("Type the paper number printed on your voting paper.")
    try:
        return parse_label(text), None
    except EncodingError as exc:
        if exc.problem.endswith("the check digit does not match"):
            return None, _(
                "The last digit (after the hyphen) does not match the digits before it: "
                "please compare the number with your paper again."
            )
        return None, _(
            "A paper number is seven digits, a hyphen and one more digit, for example %(example)s."
        ) % {"example": paper_label(EXAMPLE)}


@require_GET
def paper(request: HttpRequest, slug: str) -> HttpResponse:
    e = _public_election(slug)
    try:
        manifest = manifest_of(e)
    except (ValueError, TypeError) as exc:  # not a manifest: no papers to look up
        raise Http404("this ballot has no voting papers") from exc
    if manifest.postal is None:
        raise Http404("this ballot has no voting papers")
    number_text = request.GET.get("number", "").strip()[:40]
    code_text = request.GET.get("code", "").strip()[:60]
    asked = "number" in request.GET or "code" in request.GET
    errors: dict[str, str] = {}
    found = None
    if asked:
        number, problem = _paper_number(number_text)
        if problem is not None:
            errors["number"] = problem
        if not code_text:
            errors["code"] = _("Type the confirmation code printed on your voting paper.")
        elif paper_status.normalise_confirmation(code_text) is None:
            errors["code"] = _(
                "A confirmation code is 16 letters and digits, in four groups of four."
            )
        if not errors and number is not None:
            found = paper_status.look_up(e, number, code_text)
    cutoff = datetime.fromisoformat(manifest.postal.replacements_close)
    shown = board_shown(e)
    context = {
        "election": e,
        "number": number_text,
        "code": code_text,
        "errors": errors,
        "status": found,
        "not_found": asked and not errors and found is None,
        "void_text": _void_text(found.void_reason if found else None),
        "returns": [
            (r, str(REASON_TEXT.get(r.reason or "", r.reason or ""))) for r in found.returns
        ]
        if found
        else [],
        "open": e.status == Election.Status.OPEN,
        "cutoff": cutoff,
        "may_replace": steps.now() < cutoff,
        "example": paper_label(EXAMPLE),
        "shown": shown,
        "figures": paper_status.paper_figures(e) if shown else None,
    }
    return render(request, "public/paper.html", context)
