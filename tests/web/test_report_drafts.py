"""The s.52 report and the notices as drafts: once the result is declared and before it is
published, the officer and the scrutineer read them, marked on every page as a draft not yet
published, made from the record as publishing will make it; once published they are final
(reports.md §7)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from django.test import Client
from test_report_pages import ALIASES, DATABASES, REASON, _csrf, _post, declare, statements_form
from voter_fixtures import build_open_election, sign_in
from webtesting import csrf_client

from tellers.record.archive import open_record
from tellers.reports.document import DRAFT_UNPUBLISHED
from tellers.verify import verify_record
from tellers.web.store import records
from tellers.web.store.models import Election

MARK = "DRAFT — NOT YET PUBLISHED"


def _words(text: str) -> str:
    return " ".join(text.split())


def _pages(pdf: bytes) -> list[str]:
    """Each page's text, read back from the PDF, its whitespace made single spaces."""
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return [_words(page.get_textpage().get_text_range()) for page in doc]
    finally:
        doc.close()


def _documents(client: Client, where: str, slug: str) -> dict[str, Any]:
    base = f"/{where}/e/{slug}/documents/"
    pdf, html, notices = (
        client.get(base + name) for name in ("s52.pdf", "s52.html", "notices.zip")
    )
    assert (pdf.status_code, html.status_code, notices.status_code) == (200, 200, 200)
    archive = zipfile.ZipFile(io.BytesIO(notices.content))
    return {
        "names": [r["Content-Disposition"] for r in (pdf, html, notices)],
        "pages": _pages(pdf.content),
        "html": html.content.decode(),
        "notice_pages": [_pages(archive.read(n)) for n in archive.namelist() if n.endswith(".pdf")],
        "notice_texts": [
            _words(archive.read(n).decode()) for n in archive.namelist() if n.endswith(".txt")
        ],
    }


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("use_db", ALIASES, indirect=True)
def test_the_draft_report_before_publication_and_the_final_one_after(
    use_db: str, client_for: Callable[[str | None], Client], settings: Any, tmp_path: Path
) -> None:
    from django.db import connection

    assert connection.vendor == ("sqlite" if use_db == "default" else "postgresql")
    settings.DATA_DIR = str(tmp_path)
    built = build_open_election(f"s52-draft-{use_db}")
    slug = built.election.slug
    scrutineer, officer = client_for("scrutineer"), client_for("officer")
    outsider, anonymous, member = client_for("outsider"), csrf_client(), csrf_client()
    assert sign_in(member, built, built.voters[0]).status_code == 302  # a member, signed in

    # No result declared yet: no document, not even a draft.
    early = officer.get(f"/officer/e/{slug}/documents/s52.pdf")
    assert early.status_code == 409 and "once the result is declared" in unescape(
        early.content.decode()
    )
    assert 'id="draft-documents"' not in officer.get(f"/officer/e/{slug}/").content.decode()

    declare(built)
    _post(scrutineer, f"/scrutiny/e/{slug}/statements/", statements_form())

    # Nobody but the officer and the scrutineer fetches a draft.
    for base in (f"/officer/e/{slug}/documents/", f"/scrutiny/e/{slug}/documents/"):
        for name in ("s52.pdf", "s52.html", "notices.zip"):
            assert outsider.get(base + name).status_code == 403
            assert member.get(base + name).status_code in (302, 403)
            refused = anonymous.get(base + name)
            assert refused.status_code == 302 and "/login" in refused["Location"]

    # The officer's page offers the draft beside the publish form, before its button.
    page = unescape(officer.get(f"/officer/e/{slug}/").content.decode())
    assert 'id="draft-documents"' in page and 'id="documents"' not in page
    assert page.index('id="draft-s52-pdf"') < page.index('id="publish"')
    assert "The scrutineer is NOT satisfied" in page
    assert 'id="draft-s52-pdf"' in scrutineer.get(f"/scrutiny/e/{slug}/").content.decode()

    drafts = {
        where: _documents(client, where, slug)
        for client, where in ((officer, "officer"), (scrutineer, "scrutiny"))
    }
    for draft in drafts.values():
        assert all("-DRAFT." in name for name in draft["names"])
        # Every page of the report and of each notice carries the mark, in its text.
        assert draft["pages"] and all(_words(DRAFT_UNPUBLISHED) in p for p in draft["pages"])
        assert draft["notice_pages"]
        for notice in draft["notice_pages"]:
            assert all(MARK in p for p in notice)
        assert draft["notice_texts"] and all(t.startswith(MARK) for t in draft["notice_texts"])
        assert 'id="draft-mark"' in draft["html"] and "<title>DRAFT: " in draft["html"]
        assert MARK in unescape(draft["html"])
        assert REASON in " ".join(draft["pages"])

    # Publishing makes the very record the draft was made from: same root, same figures, and
    # the figures verified for the draft are the ones the final documents read.
    token = _csrf(officer, f"/officer/e/{slug}/")
    officer.post(
        f"/officer/e/{slug}/publish/",
        {"confirm": "yes", "confirm_not_satisfied": "yes", "csrfmiddlewaretoken": token},
    )
    election = Election.objects.get(slug=slug)
    assert election.status == Election.Status.PUBLISHED
    kept = records.archive_path(election, "result").with_name(
        f"{slug}-figures-{election.record_root}.json"
    )
    assert kept.exists()  # kept when the draft was verified: its root is the published one
    with open_record(records.archive_path(election, "result")) as directory:
        figures = verify_record(directory, workers=1).figures
    draft_text = " ".join(drafts["officer"]["pages"])
    assert f"Record root {election.record_root}" in draft_text
    assert f"Entitled to vote {figures['electorate']:,}" in draft_text
    assert f"Ballots counted {figures['ballots_counted']:,}" in draft_text
    for contest in figures["contests"]:
        names = {c.id: c.name for c in built.manifest.contest(contest["id"]).choices}
        for choice, votes in contest["counts"].items():
            assert f"{names[choice]} {votes:,}" in draft_text

    page = officer.get(f"/officer/e/{slug}/").content.decode()
    assert 'id="documents"' in page and 'id="draft-documents"' not in page
    for client, where in ((officer, "officer"), (scrutineer, "scrutiny")):
        final = _documents(client, where, slug)
        assert not any("DRAFT" in name for name in final["names"])
        assert not any("DRAFT" in p for p in final["pages"])
        assert not any("DRAFT" in p for n in final["notice_pages"] for p in n)
        assert not any("DRAFT" in t for t in final["notice_texts"])
        assert 'id="draft-mark"' not in final["html"] and "DRAFT" not in final["html"]
        # The same figures, without the mark.
        final_text = " ".join(final["pages"])
        assert f"Record root {election.record_root}" in final_text
        assert f"Entitled to vote {figures['electorate']:,}" in final_text
    for client in (outsider, member):
        assert client.get(f"/officer/e/{slug}/documents/s52.pdf").status_code in (302, 403)
