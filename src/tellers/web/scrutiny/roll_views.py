"""The scrutineer's view of the roll's checks (REQUIREMENTS.md 4, 8, 22).

Every upload the officer made, refused ones too, with its file's SHA-256, who
uploaded it and when, what the checks found and whether (and by whom) the
warnings were acknowledged; the upload now in use in full. The scrutineer sees
what the officer saw, and what the officer chose to go on with.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from tellers.web.rollcheck import importer
from tellers.web.rollcheck.present import report_context
from tellers.web.store import access
from tellers.web.store.models import Election

__all__ = ["roll_checks"]


@require_GET
@login_required
def roll_checks(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_scrutineer(request.user)
    e = get_object_or_404(Election, slug=slug)
    uploads = [report_context(row) for row in e.roll_imports.select_related("actor")]
    in_use = importer.current(e)
    context = {
        "election": e,
        "uploads": uploads,
        "checks": report_context(in_use) if in_use else (uploads[0] if uploads else None),
        "in_use": in_use,
    }
    return render(request, "scrutiny/roll_checks.html", context)
