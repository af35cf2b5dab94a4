"""The independent scrutineer's pages (REQUIREMENTS.md 8, 10).

The scrutineer supervises: sees every election, its roll and the audit log.
Sign-off of the result comes in phase 2 (TODO(issue 5, phase 2)).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from tellers.web.store import access
from tellers.web.store.models import AuditLog, Election

__all__ = ["dashboard", "election"]


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    access.require_scrutineer(request.user)
    return render(request, "scrutiny/dashboard.html", {"elections": Election.objects.all()})


@require_GET
@login_required
def election(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_scrutineer(request.user)
    e = get_object_or_404(Election, slug=slug)
    log = AuditLog.objects.filter(election=e).select_related("actor")
    return render(request, "scrutiny/election.html", {"election": e, "log": log})
