"""Public pages, no login: elections, the bulletin board, audited ballots, the result, the record.

Nothing here identifies a member: the board shows trackers only, audited
ballots their revealed choices, the result the counts. Where the manifest
says ``"public_board": "after-close"``, neither the board's events nor any
count of ballots is shown until voting has closed; a member can look up
their own (whole) tracker at any time. The parties' key fingerprints, the
credential authority's count and the credential list are public from the
opening, so anyone can compare the count with the roll before voting ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from tellers import canonical
from tellers.web.store import mixing, records
from tellers.web.store.context import manifest as manifest_of
from tellers.web.store.models import BoardEvent, BoardHead, Election
from tellers.web.store.parties import authority_of, short_fingerprint, trustees_of
from tellers.web.voter.models import CountedBallot

__all__ = [
    "audited",
    "board",
    "credentials",
    "csrf_failure",
    "election",
    "home",
    "record",
    "replaced_trackers",
    "result",
]

_PUBLIC = ["open", "closed", "tallying", "published"]  # every status but draft
_HEX = re.compile(r"[^0-9a-f]")
MIN_PREFIX = 8
"""The shortest tracker prefix looked up (shorter ones match too many ballots to help)."""


def _public_election(slug: str) -> Election:
    return get_object_or_404(Election, slug=slug, status__in=_PUBLIC)


def board_shown(e: Election) -> bool:
    """Whether the board's events and counts may be shown now (the manifest's public_board)."""
    live = (e.manifest or {}).get("public_board", "live") == "live"
    return live or e.status not in ("draft", "open")


def replaced_trackers(e: Election, trackers: Iterable[str]) -> set[str]:
    """Of these accepted ballots' trackers, those replaced by a later ballot (a re-vote).

    A ballot accepted onto the board stays counted unless a later accepted ballot of the same
    credential names it in ``supersedes``; the credential's counted ballot is the one
    ``CountedBallot`` holds (kept under the board's lock), so an accepted tracker not there has
    been replaced, and is kept on the board but not counted.
    """
    wanted = {t for t in trackers if t}
    if not wanted:
        return set()
    counted = CountedBallot.objects.filter(election=e, tracker__in=wanted)
    return wanted - set(counted.values_list("tracker", flat=True))


def _event_rows(e: Election, events: Iterable[BoardEvent]) -> list[dict[str, Any]]:
    """Each event as the board shows it: ``status`` says what became of a ballot."""
    events = list(events)
    replaced = replaced_trackers(e, (ev.tracker for ev in events if ev.type == "ballot-accepted"))
    rows = []
    for ev in events:
        status = ev.type
        if ev.type == "ballot-accepted":
            status = "replaced" if ev.tracker in replaced else "counted"
        rows.append({"seq": ev.seq, "type": ev.type, "tracker": ev.tracker, "status": status})
    return rows


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
    shown = board_shown(e)
    context = {
        "election": e,
        "trustees": trustees_of(e),
        "authority": authority_of(e),
        "short_fingerprint": short_fingerprint(e),
        "credentials": e.credentials.count(),
        "shown": shown,
        "events": e.board.count() if shown else None,
        "head": BoardHead.objects.filter(election=e).values_list("head_hash", flat=True).first()
        if shown
        else None,
        "counts": _counts(e) if shown else None,
    }
    return render(request, "public/election.html", context)


@require_GET
def credentials(request: HttpRequest, slug: str) -> HttpResponse:
    """The published credential list (``credentials.jsonl``), from the opening on."""
    e = _public_election(slug)
    rows = e.credentials.order_by("public_credential").values_list(
        "public_credential", "constituency"
    )
    lines = (
        canonical.dumps({"constituency": k, "credential": c}) + b"\n" for c, k in rows.iterator()
    )
    response = StreamingHttpResponse(lines, content_type="application/jsonl; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="credentials-{e.slug}.jsonl"'
    return response


@require_GET
def board(request: HttpRequest, slug: str) -> HttpResponse:
    e = _public_election(slug)
    shown = board_shown(e)
    tracker = _HEX.sub("", request.GET.get("tracker", "").lower())[:64]
    matches: list[BoardEvent] = []
    least = MIN_PREFIX if shown else 64  # while the board is hidden, only whole trackers
    short = bool(tracker) and len(tracker) < least
    if tracker and not short:
        found = BoardEvent.objects.filter(election=e, tracker__startswith=tracker).exclude(
            tracker=""
        )
        matches = list(found.order_by("seq").only("seq", "type", "tracker")[:20])
    events = e.board.order_by("-seq") if shown else e.board.none()
    page = Paginator(events.only("seq", "type", "tracker", "recorded_at"), 100).get_page(
        request.GET.get("page")
    )
    context = {
        "election": e,
        "page": page,
        "events": _event_rows(e, page),
        "shown": shown,
        "tracker": tracker,
        "short": short,
        "matches": _event_rows(e, matches),
        "found": matches[0] if matches else None,
        "counts": _counts(e) if shown else None,
        "min_prefix": least,
    }
    return render(request, "public/board.html", context)


@require_GET
def audited(request: HttpRequest, slug: str) -> HttpResponse:
    e = _public_election(slug)
    rows = BoardEvent.objects.filter(election=e, type="ballot-audited").order_by("seq")
    if not board_shown(e):
        rows = rows.none()
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
            if contest.ranked:  # v_1..v_W, the candidate ranked p-th or 0 (ranked.md §2)
                ranked = [contest.choices[v - 1].name for v in item["choices"] if v]
                names = [f"{p}. {name}" for p, name in enumerate(ranked, 1)]
                names = names or [_("no preferences given")]
            else:
                names = [
                    c.name for c, v in zip(contest.choices, item["choices"], strict=False) if v
                ]
            contests.append({"title": contest.title, "chosen": names})
        ballots.append({"seq": event.seq, "tracker": event.tracker, "contests": contests})
    context = {"election": e, "page": page, "ballots": ballots}
    return render(request, "public/audited.html", context)


def share(votes: int, of: int) -> tuple[str, int]:
    """``votes`` as a percentage of ``of``: its text to one decimal place (rounded half up,
    exactly) and the whole percentage, 0 to 100, that a chart's bar is drawn to."""
    if of <= 0:
        return "0.0", 0
    tenths = Fraction(votes * 1000, of) + Fraction(1, 2)
    whole = Fraction(votes * 100, of) + Fraction(1, 2)
    t = int(tenths)
    return f"{t // 10}.{t % 10}", min(100, max(0, int(whole)))


def _tie_text(method: str, seats: int) -> str:
    if method == "yes-no":
        return _("Yes and No have the same number of votes")
    if seats == 1:
        return _("Tied for the seat")
    return _("Tied for the last seat")


def _threshold_label(name: str) -> str:
    """A threshold of the result (tellers.counting.thresholds) in words of the page's language."""
    labels = {
        "turnout": pgettext("threshold", "turnout"),
        "majority": pgettext("threshold", "majority"),
        "yes of entitled": pgettext("threshold", "yes of entitled"),
    }
    return labels.get(name, name)


def _result_rows(e: Election) -> list[dict[str, Any]]:
    manifest = manifest_of(e)
    out = []
    for item in (e.result or {}).get("contests", []):
        contest = manifest.contest(item["id"])
        winners = set(item.get("winners", []))
        ballots = int(item.get("ballots") or 0)
        choices = []
        for c in contest.choices:
            votes = int(item["counts"].get(c.id, 0))
            percent, bar = share(votes, ballots)
            choices.append(
                {
                    "id": c.id,
                    "name": c.name,
                    "votes": votes,
                    "percent": percent,
                    "bar": bar,
                    # A candidate is elected; a yes/no question is carried or not, below.
                    "elected": c.id in winners and contest.method != "yes-no",
                }
            )
        blank_percent, blank_bar = share(int(item.get("blank") or 0), ballots)
        names = {c.id: c.name for c in contest.choices}
        out.append(
            {
                "id": contest.id,
                "title": contest.title,
                "choices": choices,
                "blank": item.get("blank"),
                "ballots": item.get("ballots"),
                "electorate": item.get("electorate"),
                "turnout": item.get("turnout", {}).get("percent"),
                "thresholds": [
                    {**t, "label": _threshold_label(str(t.get("name", "")))}
                    for t in item.get("thresholds", [])
                ],
                "thresholds_met": item.get("thresholds_met"),
                "blank_percent": blank_percent,
                "blank_bar": blank_bar,
                "tied": [names.get(t, t) for t in item.get("tied", [])],
                "tie_text": _tie_text(contest.method, contest.seats),
                "question": contest.method == "yes-no",
                "ranked": contest.ranked,
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
        context["ranked"] = mixing.ranked_sheets(e)
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
    path = records.archive_path(e, "result")
    if not path.exists() or not e.record_root:  # published before records were kept: once
        e.record_root = records.write_archive_for(e, "result").hex()
        e.save(update_fields=["record_root"])
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{e.slug}-record.zip",
        content_type="application/zip",
    )
    response["X-Tellers-Record-Root"] = e.record_root
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    context = {
        "heading": _("This form has expired"),
        "message": _(
            "For your security the page was refused. Go back, reload the page and try again."
        ),
    }
    return render(request, "tellers/error.html", context, status=403)
