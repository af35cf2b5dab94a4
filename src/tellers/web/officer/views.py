"""The election officer's pages (roles: STYLE.md 14, REQUIREMENTS.md 8).

Phase 1: the dashboard, an election's overview and its roll. Creating an
election, importing the roll, credentials, trustees, opening, closing and
the tally come with the core's election API (TODO(issue 5, phase 2)).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from tellers.web.store import access
from tellers.web.store.models import Election

__all__ = ["dashboard", "election", "roll"]


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    access.require_officer(request.user)
    return render(request, "officer/dashboard.html", {"elections": Election.objects.all()})


@require_GET
@login_required
def election(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_officer(request.user)
    e = get_object_or_404(Election, slug=slug)
    context = {
        "election": e,
        "members": e.members.count(),
        "credentials": e.credentials.count(),
        "trustees": e.trustees.all(),
    }
    return render(request, "officer/election.html", context)


@require_GET
@login_required
def roll(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_roll_access(request.user)
    e = get_object_or_404(Election, slug=slug)
    members = e.members.order_by("member_number")
    return render(request, "officer/roll.html", {"election": e, "members": members})
