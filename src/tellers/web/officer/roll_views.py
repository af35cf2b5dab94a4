"""The officer's roll upload, its progress and its check report (REQUIREMENTS.md 4, 18, 22).

The upload is streamed: Django writes a file part above ``FILE_UPLOAD_MAX_MEMORY_SIZE``
to a temporary file as it arrives, and the import reads that file in passes
(``rollcheck.importer``), so no size ceiling applies here beyond the proxy's. While
the import runs, the page's script (``rollcheck/roll-import.js``) shows the upload's
bytes sent and then polls ``roll_progress`` for the members checked; without the
script the browser's own upload indicator shows and the report page follows.
"""

from __future__ import annotations

import secrets
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tellers.election.roll_checks import GROUNDS, RollRules, parse_date
from tellers.web.rollcheck import importer
from tellers.web.rollcheck.models import RollImport
from tellers.web.rollcheck.present import GROUND_TITLES, report_context
from tellers.web.store import access
from tellers.web.store.models import Election

__all__ = ["roll_acknowledge", "roll_checks", "roll_import", "roll_progress"]


def _rules(request: HttpRequest, election: Election) -> tuple[RollRules | None, list[str]]:
    """The check settings from the form; the manifest's relevant date wins over the form's."""
    errors: list[str] = []
    fixed = importer.manifest_relevant_date(election)
    given = request.POST.get("relevant_date", "").strip()
    relevant: date | None = fixed or (parse_date(given) if given else None)
    if given and relevant is None:
        errors.append(_("The relevant date %(d)s is not a date (YYYY-MM-DD).") % {"d": given})
    try:
        limit = int(request.POST.get("address_limit", "") or 10)
        if limit < 1:
            raise ValueError
    except ValueError:
        errors.append(_("The limit of members at one address must be a whole number, 1 or more."))
        limit = 10
    domains = frozenset(
        d.strip().lower().lstrip("@")
        for d in request.POST.get("employer_domains", "").replace(",", "\n").splitlines()
        if d.strip()
    )
    grounds = frozenset(g for g in request.POST.getlist("grounds") if g in GROUNDS)
    if errors:
        return None, errors
    return RollRules(relevant, limit, domains, grounds), []


def _form_context(election: Election, errors: list[str]) -> dict[str, object]:
    last = election.roll_imports.first()
    rules = importer.rules_from_json(last.rules) if last else RollRules(grounds=frozenset())
    fixed = importer.manifest_relevant_date(election)
    return {
        "election": election,
        "errors": errors,
        "token": secrets.token_urlsafe(16),
        "fixed_date": fixed,
        "relevant_date": fixed or rules.relevant_date,
        "address_limit": rules.address_limit,
        "employer_domains": "\n".join(sorted(rules.employer_domains)),
        "grounds": [(g, GROUND_TITLES[g], g in rules.grounds) for g in GROUNDS],
        "last": report_context(last),
    }


@require_http_methods(["GET", "POST"])
@login_required
def roll_import(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_officer(request.user)
    e = get_object_or_404(Election, slug=slug)
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("roll")
        rules, errors = _rules(request, e)
        if upload is None:
            errors = [_("Choose the roll file (CSV) to upload."), *errors]
        elif rules is not None:
            token = request.POST.get("token", "")[:64] or None
            if token and RollImport.objects.filter(token=token).exists():
                token = None  # a form sent twice: the second upload gets its own id
            try:
                row = importer.import_roll_file(
                    e, upload.file, upload.name or "roll.csv", rules, request.user, token
                )
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("%(n)d members imported.") % {"n": row.members})
                return redirect("officer:roll_checks", e.slug)
    context = _form_context(e, errors)
    return render(request, "officer/roll_import.html", context, status=400 if errors else 200)


@require_GET
@login_required
def roll_progress(request: HttpRequest, slug: str, token: str) -> JsonResponse:
    """How far the import with this upload id has gone (``uploading`` until it starts)."""
    access.require_officer(request.user)
    e = get_object_or_404(Election, slug=slug)
    row = e.roll_imports.filter(token=token).first()
    if row is None:
        return JsonResponse({"phase": "uploading"})
    return JsonResponse(
        {
            "phase": row.phase,
            "phase_text": row.get_phase_display(),
            "rows": row.rows_read,
            "bytes": row.bytes_read,
            "size": row.size,
            "members": row.members,
        }
    )


@require_GET
@login_required
def roll_checks(request: HttpRequest, slug: str) -> HttpResponse:
    """The latest upload's check report, with the acknowledgement its warnings need."""
    access.require_officer(request.user)
    e = get_object_or_404(Election, slug=slug)
    context = {
        "election": e,
        "checks": report_context(e.roll_imports.first()),
        "in_use": importer.current(e),
    }
    return render(request, "officer/roll_checks.html", context)


@require_POST
@login_required
def roll_acknowledge(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access.require_officer(request.user)
    e = get_object_or_404(Election, slug=slug)
    row = get_object_or_404(RollImport, election=e, pk=pk)
    try:
        importer.acknowledge(row, request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("You have acknowledged the roll's warnings."))
    return redirect("officer:roll_checks", e.slug)
