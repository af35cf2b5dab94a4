"""Public pages, no login: elections, the bulletin board, the result, the record.

Nothing here identifies a member: the board shows trackers and public
credentials only.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tellers.web.store.models import BoardEvent, Election

__all__ = ["board", "csrf_failure", "election", "home", "record", "result"]

_PUBLIC = ["open", "closed", "tallying", "published"]  # every status but draft


def _public_election(slug: str) -> Election:
    return get_object_or_404(Election, slug=slug, status__in=_PUBLIC)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    elections = Election.objects.filter(status__in=_PUBLIC)
    return render(request, "public/home.html", {"elections": elections})


@require_GET
def election(request: HttpRequest, slug: str) -> HttpResponse:
    e = _public_election(slug)
    context = {"election": e, "trustees": e.trustees.all(), "events": e.board.count()}
    return render(request, "public/election.html", context)


@require_GET
def board(request: HttpRequest, slug: str) -> HttpResponse:
    e = _public_election(slug)
    tracker = request.GET.get("tracker", "").strip().lower()[:64]
    found = BoardEvent.objects.filter(election=e, tracker=tracker).first() if tracker else None
    page = Paginator(e.board.order_by("-seq"), 100).get_page(request.GET.get("page"))
    context = {"election": e, "page": page, "tracker": tracker, "found": found}
    return render(request, "public/board.html", context)


@require_GET
def result(request: HttpRequest, slug: str) -> HttpResponse:
    e = _public_election(slug)
    # TODO(issue 5, phase 2): the result, turnout and thresholds from the core's tally.
    return render(request, "public/result.html", {"election": e})


@require_GET
def record(request: HttpRequest, slug: str) -> HttpResponse:
    e = _public_election(slug)
    # TODO(issue 5, phase 2): stream the election record written by tellers.record.
    context = {
        "heading": _("Election record not available yet"),
        "message": _("The election record can be downloaded once the result is published."),
        "election": e,
    }
    return render(request, "tellers/error.html", context, status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    context = {
        "heading": _("This form has expired"),
        "message": _(
            "For your security the page was refused. Go back, reload the page and try again."
        ),
    }
    return render(request, "tellers/error.html", context, status=403)
