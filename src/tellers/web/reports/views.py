"""The scrutineer's statements page and the documents' downloads (reports.md §3, §5, §6).

Only the scrutineer enters the statements (``access.require_scrutineer``): they
are the scrutineer's own words. The scrutineer and the officer may download
the s.52 report and the notices, which are made from the published record;
once the result is declared and before it is published, as drafts, marked as
such on every page and in their file names.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tellers.reports.statements import DUTIES, STATEMENTS
from tellers.web.reports import service
from tellers.web.store import access
from tellers.web.store.models import Election

__all__ = ["notices", "s52_html", "s52_pdf", "statements"]


@require_http_methods(["GET", "POST"])
@login_required
def statements(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_scrutineer(request.user)
    e = get_object_or_404(Election, slug=slug)
    if request.method == "POST":
        try:
            service.save_statements(e, request.user, request.POST)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Your statements are saved."))
            return redirect("reports:statements", e.slug)
    initial = service.form_initial(e)
    context = {
        "election": e,
        "texts": [(k, text, initial["statements"].get(k)) for k, text in STATEMENTS.items()],
        "initial": initial,
        "duties": ", ".join(DUTIES),
    }
    return render(request, "reports/statements.html", context)


def _document(request: HttpRequest, slug: str) -> Election:
    if not (access.is_officer(request.user) or access.is_scrutineer(request.user)):
        raise PermissionDenied("the officer's or the scrutineer's")
    return get_object_or_404(Election, slug=slug)


def _file(e: Election, content: bytes | str, name: str, kind: str) -> HttpResponse:
    if service.is_draft(e):
        stem, dot, ext = name.rpartition(".")
        name = f"{stem}-DRAFT{dot}{ext}"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _unavailable(request: HttpRequest, e: Election, exc: ValidationError) -> HttpResponse:
    context = {
        "heading": _("The document cannot be made yet"),
        "message": " ".join(exc.messages),
        "election": e,
    }
    return render(request, "tellers/error.html", context, status=409)


@require_GET
@login_required
def s52_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    e = _document(request, slug)
    try:
        pdf, _html = service.s52_files(e)
    except ValidationError as exc:
        return _unavailable(request, e, exc)
    return _file(e, pdf, f"s52-report-{e.slug}.pdf", "application/pdf")


@require_GET
@login_required
def s52_html(request: HttpRequest, slug: str) -> HttpResponse:
    e = _document(request, slug)
    try:
        _pdf, page = service.s52_files(e)
    except ValidationError as exc:
        return _unavailable(request, e, exc)
    return _file(e, page, f"s52-report-{e.slug}.html", "text/html; charset=utf-8")


@require_GET
@login_required
def notices(request: HttpRequest, slug: str) -> HttpResponse:
    e = _document(request, slug)
    try:
        content = service.notices_zip(e)
    except ValidationError as exc:
        return _unavailable(request, e, exc)
    return _file(e, content, f"result-notices-{e.slug}.zip", "application/zip")
