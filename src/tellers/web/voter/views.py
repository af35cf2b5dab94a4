"""The member's pages: enter the credential, see the ballot, encrypt, audit or cast.

Phase 1 has the sign-in form only; the ballot itself comes with the core's
election API (TODO(issue 5, phase 2): credential check through
``tellers.crypto.credentials``, rate limits per credential and per client,
the ballot page, audit, cast and receipt).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tellers.web.store.models import Election

__all__ = ["start"]


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, slug: str) -> HttpResponse:
    election = get_object_or_404(Election, slug=slug, status__in=["open", "closed"])
    errors: list[str] = []
    if request.method == "POST":
        if election.status != Election.Status.OPEN:
            errors.append(_("Voting has closed for this election."))
        elif not request.POST.get("credential", "").strip():
            errors.append(_("Enter the voting code from your letter or email."))
        elif not request.POST.get("member_number", "").strip():
            errors.append(_("Enter your membership number."))
        else:
            errors.append(_("Online voting is not available yet for this election."))
    status = 400 if errors else 200
    context = {"election": election, "errors": errors}
    return render(request, "voter/start.html", context, status=status)
