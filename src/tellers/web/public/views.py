"""Public pages, no login: elections, the bulletin board, audited ballots, the result, the record.

Nothing here identifies a member: the board shows trackers only, audited
ballots their revealed choices, the result the counts.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tellers import canonical
from tellers.web.store.board import export_record
from tellers.web.store.context import manifest as manifest_of
from tellers.web.store.models import BoardEvent, Election

__all__ = ["audited", "board", "csrf_failure", "election", "home", "record", "result"]

_PUBLIC = ["open", "closed", "tallying", "published"]  # every status but draft
_HEX = re.compile(r"[^0-9a-f]")
MIN_PREFIX = 8
"""The shortest tracker prefix looked up (shorter ones match too many ballots to help)."""


def _public_election(slug: str) -> Election:
    return get_object_or_404(Election, slug=slug, status__in=_PUBLIC)


def _counts(e: Election) -> dict[str, int]:
    rows = (
        BoardEvent.objects.filter(
            election=e, type__in=["ballot-accepted", "ballot-audited", "ballot-refused"]
        )
        .values("type")
        .annotate(n=Count("seq"))
    )
    found = {row["type"]: row["n"] for row in rows}
    return {
        "accepted": found.get("ballot-accepted", 0),
        "audited": found.get("ballot-audited", 0),
        "refused": found.get("ballot-refused", 0),
    }


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    elections = Election.objects.filter(status__in=_PUBLIC)
    return render(request, "public/home.html", {"elections": elections})


@require_GET
def election(request: HttpRequest, slug: str) -> HttpResponse:
    e = _public_election(slug)
    context = {
        "election": e,
        "trustees": e.trustees.all(),
        "events": e.board.count(),
        "counts": _counts(e),
    }
    return render(request, "public/election.html", context)


@require_GET
def board(request: HttpRequest, slug: str) -> HttpResponse:
    e = _public_election(slug)
    tracker = _HEX.sub("", request.GET.get("tracker", "").lower())[:64]
    matches: list[BoardEvent] = []
    short = bool(tracker) and len(tracker) < MIN_PREFIX
    if tracker and not short:
        found = BoardEvent.objects.filter(election=e, tracker__startswith=tracker).exclude(
            tracker=""
        )
        matches = list(found.order_by("seq").only("seq", "type", "tracker")[:20])
    page = Paginator(
        e.board.order_by("-seq").only("seq", "type", "tracker", "recorded_at"), 100
    ).get_page(request.GET.get("page"))
    context = {
        "election": e,
        "page": page,
        "tracker": tracker,
        "short": short,
        "matches": matches,
        "found": matches[0] if matches else None,
        "counts": _counts(e),
        "min_prefix": MIN_PREFIX,
    }
    return render(request, "public/board.html", context)


@require_GET
def audited(request: HttpRequest, slug: str) -> HttpResponse:
    e = _public_election(slug)
    rows = BoardEvent.objects.filter(election=e, type="ballot-audited").order_by("seq")
    page = Paginator(rows.only("seq", "tracker", "body"), 50).get_page(request.GET.get("page"))
    manifest = manifest_of(e) if e.manifest else None
    ballots = []
    for event in page:
        reveal = canonical.loads(event.body).get("reveal") or []
        contests = []
        for item in reveal:
            contest = manifest.contest(item["id"]) if manifest else None
            if contest is None:
                continue
            names = [c.name for c, v in zip(contest.choices, item["choices"], strict=False) if v]
            contests.append({"title": contest.title, "chosen": names})
        ballots.append({"seq": event.seq, "tracker": event.tracker, "contests": contests})
    context = {"election": e, "page": page, "ballots": ballots}
    return render(request, "public/audited.html", context)


def _result_rows(e: Election) -> list[dict[str, Any]]:
    manifest = manifest_of(e)
    out = []
    for item in (e.result or {}).get("contests", []):
        contest = manifest.contest(item["id"])
        winners = set(item.get("winners", []))
        choices = [
            {
                "id": c.id,
                "name": c.name,
                "votes": item["counts"].get(c.id, 0),
                # A candidate is elected; a yes/no question is carried or not, below.
                "elected": c.id in winners and contest.method != "yes-no",
            }
            for c in contest.choices
        ]
        out.append(
            {
                "id": contest.id,
                "title": contest.title,
                "choices": choices,
                "blank": item.get("blank"),
                "ballots": item.get("ballots"),
                "electorate": item.get("electorate"),
                "turnout": item.get("turnout", {}).get("percent"),
                "thresholds": item.get("thresholds", []),
                "thresholds_met": item.get("thresholds_met"),
                "tied": item.get("tied", []),
                "question": contest.method == "yes-no",
                "carried": winners == {"yes"} and bool(item.get("thresholds_met", True)),
            }
        )
    return out


@require_GET
def result(request: HttpRequest, slug: str) -> HttpResponse:
    e = _public_election(slug)
    published = e.status == Election.Status.PUBLISHED and e.result is not None
    context: dict[str, Any] = {"election": e, "published": published}
    if published:
        context["contests"] = _result_rows(e)
        context["summary"] = e.result
    return render(request, "public/result.html", context)


@require_GET
def record(request: HttpRequest, slug: str) -> HttpResponse:
    e = _public_election(slug)
    if e.status != Election.Status.PUBLISHED or e.result is None or e.ceremony is None:
        context = {
            "heading": _("Election record not available yet"),
            "message": _("The election record can be downloaded once the result is published."),
            "election": e,
        }
        return render(request, "tellers/error.html", context, status=404)
    work = Path(tempfile.mkdtemp(prefix="tellers-record-"))
    try:
        folder = work / f"{e.slug}-record"
        root = export_record(e, folder)
        archive = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, closed by it
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(folder.iterdir()):
                zf.write(path, f"{folder.name}/{path.name}")
        archive.seek(0)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    response = FileResponse(
        archive, as_attachment=True, filename=f"{e.slug}-record.zip", content_type="application/zip"
    )
    response["X-Tellers-Record-Root"] = root.hex()
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    context = {
        "heading": _("This form has expired"),
        "message": _(
            "For your security the page was refused. Go back, reload the page and try again."
        ),
    }
    return render(request, "tellers/error.html", context, status=403)
