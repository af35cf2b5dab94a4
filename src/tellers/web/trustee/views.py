"""A trustee's page, reached by a personal link; no trustee secret ever reaches it.

Phase 1 shows who the link belongs to; uploading the public files that
``tellers trustee ...`` writes comes in phase 2 (TODO(issue 5, phase 2)).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from tellers.web.store.models import Trustee

__all__ = ["home"]


@require_GET
def home(request: HttpRequest, token: str) -> HttpResponse:
    trustee = get_object_or_404(Trustee.objects.select_related("election"), token=token)
    response = render(
        request, "trustee/home.html", {"trustee": trustee, "files": trustee.files.all()}
    )
    # The link is the trustee's key to this page: never leak it in a Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
