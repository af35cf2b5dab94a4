"""The independent scrutineer's pages (REQUIREMENTS.md 8, 10).

The scrutineer supervises every election: its roll and published credential
list, the audit log, the complaints of the key ceremony, and the figures
of the statutory report (s.52); and signs the result off, which the
officer needs before publishing.
"""

from __future__ import annotations

import csv
import io
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tellers.spreadsheet import safe_row
from tellers.web.rollcheck.importer import require_acknowledged as require_roll_acknowledged
from tellers.web.scrutiny import papers
from tellers.web.store import access, ceremony, count, due, setup
from tellers.web.store.models import AuditLog, Election
from tellers.web.store.parties import authority_of

__all__ = [
    "credential_list",
    "credentials_upload",
    "dashboard",
    "election",
    "mailing_roll",
    "manifest",
    "sign_off",
]

MAX_UPLOAD = 512 * 1024 * 1024
"""A credential list for a million members is about 150 MB."""


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
    context = {
        "election": e,
        "log": log,
        "report": count.statutory_report(e),
        "authority": authority_of(e),
        "complaints": ceremony.complaints(e),
        "due": due.due_step(e),
        "papers": papers.section(e),
        "statements": [
            (
                "no_breach",
                _(
                    "There are no reasonable grounds for believing that any "
                    "statutory requirement was contravened."
                ),
            ),
            (
                "security_adequate",
                _("The arrangements for the security of the ballot were adequate."),
            ),
            (
                "no_interference",
                _(
                    "I was able to carry out my functions without "
                    "interference from the union or its officials."
                ),
            ),
        ],
    }
    return render(request, "scrutiny/election.html", context)


@require_GET
@login_required
def credential_list(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_roll_access(request.user)
    e = get_object_or_404(Election, slug=slug)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["public_credential", "constituency"])
    rows = e.credentials.order_by("public_credential").values_list(
        "public_credential", "constituency"
    )
    writer.writerows(safe_row(row) for row in rows.iterator())
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="credentials-{e.slug}.csv"'
    return response


def _download(content: str, filename: str, kind: str) -> HttpResponse:
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def mailing_roll(request: HttpRequest, slug: str) -> HttpResponse:
    """The roll the credential authority issues codes from: references, no membership numbers."""
    access.require_scrutineer(request.user)
    e = get_object_or_404(Election, slug=slug)
    try:
        require_roll_acknowledged(e)  # no codes from a roll whose warnings went unread
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("scrutiny:election", e.slug)
    return _download(setup.mailing_roll(e), f"mailing-roll-{e.slug}.csv", "text/csv; charset=utf-8")


@require_GET
@login_required
def manifest(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_scrutineer(request.user)
    e = get_object_or_404(Election, slug=slug)
    text = json.dumps(e.manifest, indent=2, ensure_ascii=False) + "\n"
    return _download(text, f"manifest-{e.slug}.json", "application/json; charset=utf-8")


@require_POST
@login_required
def credentials_upload(request: HttpRequest, slug: str) -> HttpResponse:
    """The credential authority's upload: its signed statement, the credentials, references."""
    access.require_scrutineer(request.user)
    e = get_object_or_404(Election, slug=slug)
    upload = request.FILES.get("credentials")
    if upload is None or upload.size > MAX_UPLOAD:
        messages.error(request, _("Choose the credentials-upload.json file to upload."))
        return redirect("scrutiny:election", e.slug)
    try:
        taken = setup.accept_credentials(e, upload.read(), upload.name, request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(n)d credentials taken.") % {"n": taken})
    return redirect("scrutiny:election", e.slug)


@require_POST
@login_required
def sign_off(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_scrutineer(request.user)
    e = get_object_or_404(Election, slug=slug)
    statements: dict[str, object] = {}
    for name in count.STATEMENTS:
        statements[name] = request.POST.get(name) == "yes"
        reason = request.POST.get(f"{name}_reason", "").strip()
        if reason:
            statements[f"{name}_reason"] = reason
    statements["register_inspected"] = request.POST.get("register_inspected") == "yes"
    try:
        count.sign_off(e, request.user, statements)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("You have signed the result off."))
    return redirect("scrutiny:election", e.slug)
