"""The scrutineer's uploads for the postal channel (postal.md §4–§6).

The print authority and the opening house work off the site and hand the
scrutineer signed files, which these pages put on the board through
``store.postal``: the paper list (its statement and ``papers.jsonl``) before
voting starts, the opening house's returns (JSON Lines, each recorded in
order) and the print authority's voids and replacements while voting is
open, and its audit of the unused papers after the close. Each answers with
plain messages on the scrutineer's page. Two downloads feed the offline
commands: ``ceremony.json`` (the trustees' messages, from which ``tellers postal
issue`` re-derives the election key rather than trusting the site's) and the
record at the close (from which ``tellers postal audit`` finds the unused papers).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tellers.errors import BallotRejected
from tellers.parties import key_fingerprint
from tellers.web.store import access, postal, records
from tellers.web.store.models import BoardHead, Election
from tellers.web.store.paper_status import PaperFigures, paper_figures
from tellers.web.store.steps import S, manifest_of

__all__ = [
    "PaperSection",
    "audit_upload",
    "ceremony_file",
    "list_upload",
    "messages_upload",
    "record_at_close",
    "returns_upload",
    "section",
]

MAX_LIST = 512 * 1024 * 1024
"""papers.jsonl for a million members is about 200 MB."""
MAX_FILE = 256 * 1024 * 1024
"""A file of returns, voids or audits (a return is a few kilobytes)."""


@dataclass(frozen=True, slots=True)
class PaperSection:
    """What the scrutineer's page shows of the papers, and which uploads it offers."""

    listed: int
    print_authority: tuple[str, str] | None
    """(name, key fingerprint) from the list's statement; None before its upload."""
    opening_house: tuple[str, str] | None
    figures: PaperFigures | None
    refused: list[tuple[str, str, int]]
    """(reason, its words, how many) for the refused returns."""
    may_list: bool
    may_return: bool
    may_audit: bool
    ceremony_ready: bool
    """The key ceremony is complete: ``ceremony.json`` can be downloaded."""
    closed_record: bool
    """The record at the close is kept: the print authority's audit starts from it."""
    to_audit: int
    """After the close: papers whose marks are not on the board and are not audited yet."""
    waiting_for_setup: bool


def _party(statement: dict[str, Any], role: str) -> tuple[str, str]:
    party = statement[role]
    return party["name"], key_fingerprint(bytes.fromhex(party["signing_key"]))


def section(election: Election) -> PaperSection | None:
    """None for a ballot with no postal channel."""
    try:
        postal_channel = manifest_of(election).postal
    except (ValueError, TypeError):
        return None
    if postal_channel is None:
        return None
    statement = election.paper_list
    figures = paper_figures(election)
    length = BoardHead.objects.filter(election=election).values_list("length", flat=True).first()
    before_votes = election.status == S.DRAFT or (election.status == S.OPEN and length == 1)
    refused = sorted((figures.refused if figures else {}).items())
    to_audit = 0
    if figures is not None and election.status != S.OPEN:
        to_audit = postal.papers_to_audit(election)
    return PaperSection(
        listed=0 if statement is None else int(statement["papers"]),
        print_authority=None if statement is None else _party(statement, "print_authority"),
        opening_house=None if statement is None else _party(statement, "opening_house"),
        figures=figures,
        refused=[(r, str(postal.REASON_TEXT.get(r, r)), n) for r, n in refused],
        may_list=bool(election.fingerprint) and before_votes and figures is None,
        may_return=election.status == S.OPEN and figures is not None,
        may_audit=election.status == S.CLOSED and figures is not None,
        ceremony_ready=election.ceremony is not None and bool(election.fingerprint),
        closed_record=records.archive_path(election, "closed").exists(),
        to_audit=to_audit,
        waiting_for_setup=election.status == S.DRAFT and not election.fingerprint,
    )


def _file(request: HttpRequest, name: str, limit: int) -> UploadedFile | None:
    upload = request.FILES.get(name)
    if upload is None or upload.size is None or upload.size > limit:
        return None
    return upload


def _scrutineers_election(request: HttpRequest, slug: str) -> Election:
    access.require_scrutineer(request.user)
    return get_object_or_404(Election, slug=slug)


def _refused(request: HttpRequest, exc: ValidationError | BallotRejected) -> None:
    if isinstance(exc, BallotRejected):
        messages.error(request, exc.detail)
        return
    for message in exc.messages:
        messages.error(request, message)


@require_POST
@login_required
def list_upload(request: HttpRequest, slug: str) -> HttpResponse:
    """The print authority's paper list: its signed statement and papers.jsonl."""
    e = _scrutineers_election(request, slug)
    statement = _file(request, "statement", MAX_FILE)
    papers = _file(request, "papers", MAX_LIST)
    if statement is None or papers is None:
        messages.error(request, _("Choose the paper list's statement and its papers.jsonl."))
        return redirect("scrutiny:election", e.slug)
    path = postal.save_upload(papers.chunks())
    try:
        taken = postal.accept_paper_list(e, statement.read(), path, request.user, statement.name)
    except (ValidationError, BallotRejected) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("%(n)d papers taken.") % {"n": taken})
    finally:
        path.unlink(missing_ok=True)
    return redirect("scrutiny:election", e.slug)


@require_POST
@login_required
def returns_upload(request: HttpRequest, slug: str) -> HttpResponse:
    """The opening house's returns, one signed return a line, recorded in order."""
    e = _scrutineers_election(request, slug)
    upload = _file(request, "returns", MAX_FILE)
    if upload is None:
        messages.error(request, _("Choose the opening house's file of returns."))
        return redirect("scrutiny:election", e.slug)
    try:
        summary = postal.record_returns(e, upload.read(), request.user)
    except (ValidationError, BallotRejected) as exc:
        _refused(request, exc)
        return redirect("scrutiny:election", e.slug)
    messages.success(
        request,
        _("%(n)d returns recorded: %(counted)d counted, %(refused)d refused.")
        % {
            "n": summary.recorded,
            "counted": summary.counted,
            "refused": summary.recorded - summary.counted,
        },
    )
    for reason, n in summary.refused.items():
        messages.info(
            request,
            _("Refused, %(why)s: %(n)d.") % {"why": postal.REASON_TEXT.get(reason, reason), "n": n},
        )
    if summary.stopped:
        messages.error(
            request,
            _("The board stopped taking returns after %(n)d: %(why)s")
            % {"n": summary.recorded, "why": summary.stopped},
        )
    return redirect("scrutiny:election", e.slug)


@require_POST
@login_required
def messages_upload(request: HttpRequest, slug: str) -> HttpResponse:
    """The print authority's voids and replacements (one JSON message, or JSON Lines)."""
    e = _scrutineers_election(request, slug)
    upload = _file(request, "messages", MAX_FILE)
    if upload is None:
        messages.error(request, _("Choose the print authority's void or replacement."))
        return redirect("scrutiny:election", e.slug)
    try:
        done = postal.void_or_replace(
            e, postal.paper_messages(upload.read(), upload.name or "upload"), request.user
        )
    except (ValidationError, BallotRejected) as exc:
        _refused(request, exc)
    else:
        for line in done:
            messages.success(request, line)
    return redirect("scrutiny:election", e.slug)


@require_POST
@login_required
def audit_upload(request: HttpRequest, slug: str) -> HttpResponse:
    """After the close: the print authority's seeds of the unused papers (JSON Lines)."""
    e = _scrutineers_election(request, slug)
    upload = _file(request, "audit", MAX_FILE)
    if upload is None:
        messages.error(request, _("Choose the print authority's audit of the unused papers."))
        return redirect("scrutiny:election", e.slug)
    try:
        found = postal.paper_messages(upload.read(), upload.name or "upload")
        opened = postal.audit_papers(e, found, request.user)
    except (ValidationError, BallotRejected) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("%(n)d unused papers audited.") % {"n": opened})
    return redirect("scrutiny:election", e.slug)


def _private(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def ceremony_file(request: HttpRequest, slug: str) -> HttpResponse:
    """``ceremony.json`` for ``tellers postal issue --ceremony``, once the key ceremony is done."""
    e = _scrutineers_election(request, slug)
    if e.ceremony is None or not e.fingerprint:
        raise Http404("the key ceremony is not complete")
    text = json.dumps(e.ceremony, indent=2, ensure_ascii=False) + "\n"
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    return _private(response, f"ceremony-{e.slug}.json")


@require_GET
@login_required
def record_at_close(request: HttpRequest, slug: str) -> HttpResponse:
    """The record at the close (a ZIP), for ``tellers postal audit --record``."""
    e = _scrutineers_election(request, slug)
    path = records.archive_path(e, "closed")
    if not path.exists():
        raise Http404("the record at the close is kept once a ballot with papers closes")
    response = FileResponse(path.open("rb"), content_type="application/zip")
    return _private(response, f"{e.slug}-record-at-close.zip")
