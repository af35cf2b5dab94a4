"""The published nominations (nominations.md §4, §8): the log, the candidates, the addresses.

Anyone may read them, from the opening of nominations: the log file is the one the
officer's steps wrote, line for line, and every page is replayed from it.
"""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from tellers.nominations import Outcome
from tellers.web.nominations import service
from tellers.web.nominations.models import NominationsPeriod

__all__ = ["addresses", "addresses_pdf", "index", "log_file", "photo", "published"]


def _period(election: str, contest: str) -> NominationsPeriod:
    return get_object_or_404(NominationsPeriod, election_id=election, contest=contest)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Every contest's nominations, open or closed, for anyone to find."""
    return render(request, "nominations/index.html", {"periods": NominationsPeriod.objects.all()})


@require_GET
def published(request: HttpRequest, election: str, contest: str) -> HttpResponse:
    period = _period(election, contest)
    log = service.load(period)
    rows = [
        {
            "seq": e.seq,
            "type": e.type,
            "hash": e.hash,
            "body": json.dumps(e.body, ensure_ascii=False, sort_keys=True)
            if e.type != "nominations-opened"
            else "",
        }
        for e in log.events
    ]
    context = {
        "period": period,
        "log": log,
        "rows": rows,
        "nominations": log.nominations,
        "outcome": log.outcome,
    }
    return render(request, "nominations/published.html", context)


@require_GET
def log_file(request: HttpRequest, election: str, contest: str) -> HttpResponse:
    period = _period(election, contest)
    lines = period.events.order_by("seq").values_list("line", flat=True)
    body = "".join(f"{line}\n" for line in lines)
    response = HttpResponse(body, content_type="application/jsonl; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{contest}-nominations.jsonl"'
    return response


def _closed(period: NominationsPeriod) -> Outcome:
    outcome = service.outcome(period)
    if outcome is None:
        raise Http404("nominations are not closed yet")
    return outcome


@require_GET
def addresses(request: HttpRequest, election: str, contest: str) -> HttpResponse:
    from tellers.nominations.render import NO_ADDRESS, address_sheet

    period = _period(election, contest)
    outcome = _closed(period)
    log = service.load(period)
    context = {
        "period": period,
        "outcome": outcome,
        "sheet": address_sheet(outcome),
        "photos_allowed": log.rules.photo_allowed,
        "no_address": NO_ADDRESS,
        "order": log.rules.order,
    }
    return render(request, "nominations/addresses.html", context)


@require_GET
def addresses_pdf(request: HttpRequest, election: str, contest: str) -> HttpResponse:
    from tellers.nominations.render import addresses_pdf as render_pdf

    period = _period(election, contest)
    outcome = _closed(period)
    log = service.load(period)
    data = render_pdf(
        outcome,
        organisation=period.organisation,
        photos=service.photos(period),
        photos_allowed=log.rules.photo_allowed,
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{contest}-addresses.pdf"'
    return response


@require_GET
def photo(request: HttpRequest, election: str, contest: str, sha256: str) -> HttpResponse:
    period = _period(election, contest)
    found = get_object_or_404(period.photos, sha256=sha256)
    response = HttpResponse(bytes(found.data), content_type=found.media_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
