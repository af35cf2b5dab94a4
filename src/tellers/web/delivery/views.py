"""The delivery figures for the officer and the scrutineer; the scrutineer's import.

The officer sees counts only — codes sent by channel, failures by channel
and reason — never which member, never a code, nothing of any ballot. The
scrutineer (for whom the credential authority and the mail house work)
imports the files; the officer cannot, so no one at the union can make the
"sent" figures of the s.52 report.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tellers.delivery.files import CHANNELS
from tellers.web.delivery import service
from tellers.web.store import access
from tellers.web.store.models import Election

__all__ = ["officer_counts", "scrutiny_import"]

MAX_UPLOAD = 256 * 1024 * 1024
"""Two lines per member of the largest roll, with room."""


def _context(e: Election, audience: str) -> dict[str, object]:
    figures = service.counts_for(e)
    return {
        "election": e,
        "audience": audience,
        "sent": figures.sent,
        "sent_total": sum(n for _, n in figures.sent),
        "failed": figures.failed,
        "members_failed": figures.members_failed,
        "channels": CHANNELS,
    }


@require_GET
@login_required
def officer_counts(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_officer(request.user)
    e = get_object_or_404(Election, slug=slug)
    return render(request, "delivery/counts.html", _context(e, "officer"))


@require_http_methods(["GET", "POST"])
@login_required
def scrutiny_import(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_scrutineer(request.user)
    e = get_object_or_404(Election, slug=slug)
    if request.method == "GET":
        return render(request, "delivery/counts.html", _context(e, "scrutineer"))
    upload = request.FILES.get("deliveries")
    if upload is None or upload.size is None or upload.size > MAX_UPLOAD:
        messages.error(request, _("Choose a sent.csv or failures.csv file to upload."))
        return redirect("delivery:scrutiny", e.slug)
    try:
        done = service.import_file(e, upload.read(), upload.name or "upload", request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(lines)d lines read, %(added)d new.") % {"lines": done.lines, "added": done.added},
        )
    return redirect("delivery:scrutiny", e.slug)
