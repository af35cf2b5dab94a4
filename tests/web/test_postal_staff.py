"""The scrutineer's postal uploads: the paper list before voting, voids and replacements,
returns, and the audit of unused papers after the close; theirs alone, each answered plainly.

A hybrid election goes through the officer's, trustees' and credential authority's steps
(``tellers trustee``, ``tellers credentials issue``); the demo's print authority
(``demo.print_papers``) and opening house sign what the scrutineer uploads through the
pages; the trustees decrypt the record so far (which ``tellers trustee decrypt``
verifies, papers and all), and the published record passes ``tellers verify``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from test_lifecycle_flow import ready
from test_officer_pages import csrf_post, upload

from tellers import canonical
from tellers.cli.postal_audit import read_board
from tellers.crypto.credentials import public_credential
from tellers.postal.authority import (
    audit_messages,
    preencrypt_many,
    replacement_message,
    void_message,
)
from tellers.postal.preencrypt import preencrypt_paper
from tellers.postal.returns import make_return
from tellers.record.archive import open_record
from tellers.verify import verify_record
from tellers.web.demo import decrypt_as_trustee, print_papers
from tellers.web.store import board, count, postal, setup, steps
from tellers.web.store.models import Election, Paper, Trustee

__all__: list[str] = []

ClientFor = Callable[[str | None], Client]
SLUG = "postal-2026"
PAGE = f"/scrutiny/e/{SLUG}/"
URLS = {
    "list": f"{PAGE}papers/",
    "returns": f"{PAGE}returns/",
    "messages": f"{PAGE}paper-messages/",
    "audit": f"{PAGE}paper-audit/",
}


def hybrid_draft() -> Election:
    from test_lifecycle_flow import manifest_json

    manifest = manifest_json(SLUG)
    closes = datetime.fromisoformat(manifest["closes"])
    manifest["format"] = "tellers-manifest/v3"
    manifest["postal"] = {
        "channels": "hybrid",
        "precedence": "online",
        "replacements_close": (closes - timedelta(hours=1)).isoformat(),
        "return_address": "Independent Ballots Ltd, Freepost, London",
    }
    return setup.create_election(json.dumps(manifest).encode(), "manifest.json", None)


def _shown(client: Client) -> str:
    return str(client.get(PAGE).content.decode())


@pytest.mark.parametrize("url", list(URLS.values()))
@pytest.mark.parametrize("role", ["officer", "outsider", "voter"])
def test_the_uploads_are_the_scrutineers_alone(
    cast: dict[str, Any], client_for: ClientFor, url: str, role: str
) -> None:
    hybrid_draft()
    client = client_for(role)
    response = csrf_post(client, "/", url, {})
    assert response.status_code == (302 if role == "voter" else 403)  # the voter: to sign in
    scrutineer = client_for("scrutineer")
    assert scrutineer.post(url, {}).status_code == 403  # no CSRF token
    assert scrutineer.get(url).status_code == 405


@pytest.mark.django_db
def test_an_online_only_ballot_has_no_paper_section(
    cast: dict[str, Any], client_for: ClientFor
) -> None:
    from test_lifecycle_flow import new_election

    new_election(election_id=SLUG)
    scrutineer = client_for("scrutineer")
    assert 'id="papers"' not in _shown(scrutineer)
    sent = {"returns": upload("r", b"{}", "r.jsonl")}
    assert csrf_post(scrutineer, PAGE, URLS["returns"], sent).status_code == 302
    assert "This ballot has no postal channel." in _shown(scrutineer)


def _returned(election: Election, authority: Any, number: int, picks: list[str]) -> bytes:
    context = board.context_for(election)
    row = Paper.objects.get(election=election, number=number)
    constituency = election.credentials.get(public_credential=row.credential).constituency
    paper = preencrypt_paper(
        context.manifest, context.fingerprint, context.election_key, authority.seed(number),
        number, bytes.fromhex(row.credential), constituency,
    )  # fmt: skip
    contest = context.manifest.contests[0]
    made = make_return(
        context.manifest, context.fingerprint, context.election_key, paper,
        steps.now().isoformat(), {contest.id: [contest.choice_index(c) for c in picks]},
        authority.opening,
    )  # fmt: skip
    return canonical.dumps(made) + b"\n"


@pytest.mark.django_db
def test_the_postal_channel_through_the_scrutineers_page(
    cast: dict[str, Any], client_for: ClientFor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    e = hybrid_draft()
    scrutineer = client_for("scrutineer")

    def send(url: str, field: str, content: bytes, name: str) -> None:
        assert (
            csrf_post(scrutineer, PAGE, url, {field: upload(field, content, name)}).status_code
            == 302
        )

    page = _shown(scrutineer)
    assert 'id="papers"' in page and "No paper list yet." in page
    assert 'id="paper-list-form"' not in page  # not before the ceremony and credentials
    assert scrutineer.get(f"{PAGE}ceremony.json").status_code == 404  # no ceremony yet
    dirs, codes = ready(e, tmp_path)
    page = _shown(scrutineer)
    assert 'id="paper-list-form"' in page and 'id="ceremony-json"' in page
    e.refresh_from_db()
    # What the print authority re-derives the election key from: the trustees' messages.
    download = scrutineer.get(f"{PAGE}ceremony.json")
    assert download["Content-Disposition"].startswith("attachment")
    assert json.loads(download.content) == e.ceremony
    assert client_for("officer").get(f"{PAGE}ceremony.json").status_code == 403

    authority, statement, papers = print_papers(e, tmp_path / "print")
    bad = papers.read_bytes().replace(b'"number":1}', b'"number":1} ')
    files = {"statement": upload("s", statement.read_bytes(), "paper-list.json")}
    csrf_post(scrutineer, PAGE, URLS["list"], {**files, "papers": upload("p", bad, "p.jsonl")})
    assert "papers.jsonl was refused" in _shown(scrutineer)
    assert not Paper.objects.filter(election=e).exists()
    theirs = {**files, "papers": upload("p", papers.read_bytes(), "p.jsonl")}
    officer = csrf_post(client_for("officer"), "/", URLS["list"], theirs)
    assert officer.status_code == 403
    files = {"statement": upload("s", statement.read_bytes(), "paper-list.json")}
    good = upload("p", papers.read_bytes(), "papers.jsonl")
    csrf_post(scrutineer, PAGE, URLS["list"], {**files, "papers": good})
    page = _shown(scrutineer)
    assert "3 papers taken." in page and "3 papers listed by" in page
    assert "The list goes on the board when the election opens." in page

    count.open_election(e, None)
    e.refresh_from_db()
    kinds = list(e.board.order_by("seq").values_list("type", flat=True))
    assert kinds == ["election-opened", "papers-issued"]
    page = _shown(scrutineer)
    assert 'id="paper-list-form"' not in page and 'id="returns-form"' in page

    number_of = dict(Paper.objects.filter(election=e).values_list("credential", "number"))
    paper_of = {m: number_of[public_credential(SLUG.encode(), c).hex()] for m, c in codes.items()}
    context = board.context_for(e)
    fp = context.fingerprint
    old = paper_of["M2"]
    void = void_message(authority, fp, old, "lost", "REF-2: identity checked in person")
    send(URLS["messages"], "messages", json.dumps(void).encode(), "void.json")
    assert f"Paper {old} voided." in _shown(scrutineer)
    holder = Paper.objects.get(election=e, number=old)
    constituency = e.credentials.get(public_credential=holder.credential).constituency
    issued = next(
        preencrypt_many(
            authority, context.manifest, fp, context.election_key,
            [(4, bytes.fromhex(holder.credential), constituency)],
        )
    )  # fmt: skip
    replacement = canonical.dumps(replacement_message(authority, fp, issued, old)) + b"\n"
    send(URLS["messages"], "messages", replacement, "replacement.jsonl")
    assert f"Paper 4 issued in place of paper {old}." in _shown(scrutineer)
    send(URLS["messages"], "messages", replacement, "replacement.jsonl")
    assert "Message 1 was refused (not-voided)" in _shown(scrutineer)

    returns = (
        _returned(e, authority, paper_of["M1"], ["ann"])
        + _returned(e, authority, old, ["bo"])  # the lost paper turns up: refused
        + b"not a return\n"
        + _returned(e, authority, 4, ["bo"])
    )
    send(URLS["returns"], "returns", returns, "returns.jsonl")
    page = _shown(scrutineer)
    assert "4 returns recorded: 2 counted, 2 refused." in page
    assert (
        "Refused, the paper was voided (replaced, lost or spoilt) before it came back: 1." in page
    )
    assert "Refused, the return could not be read: 1." in page
    assert 'data-figure="returned">3<' in page and 'data-figure="paper_counted">2<' in page
    assert 'data-paper-refused="voided">1<' in page and 'data-figure="voided">1<' in page

    response = csrf_post(scrutineer, PAGE, URLS["audit"], {"audit": upload("a", b"{}", "a.jsonl")})
    assert response.status_code == 302
    assert "audited after the close" in _shown(scrutineer)

    later = e.closes_at + timedelta(seconds=1)
    monkeypatch.setattr(steps, "now", lambda: later)
    assert scrutineer.get(f"{PAGE}record-at-close.zip").status_code == 404  # still open
    count.close_election(e, None)
    page = _shown(scrutineer)
    assert 'id="paper-audit-form"' in page and 'data-figure="to_audit">1<' in page
    # The tally waits for the audit: without it the record could never verify.
    with pytest.raises(ValidationError, match="1 unused papers are still to be audited"):
        count.start_tally(e, None)
    # The print authority's audit starts from the record at the close, read as the CLI does.
    assert 'id="record-at-close"' in page
    zipped = tmp_path / "at-close.zip"
    zipped.write_bytes(b"".join(scrutineer.get(f"{PAGE}record-at-close.zip").streaming_content))
    with open_record(zipped) as folder:
        so_far = read_board(folder)
    assert so_far.closed and not so_far.tallied
    assert so_far.ledger.to_audit() == postal.ledger_for(e).to_audit()
    assert client_for("officer").get(f"{PAGE}record-at-close.zip").status_code == 403
    ledger = postal.ledger_for(e)
    listed = dict(e.credentials.values_list("public_credential", "constituency"))
    holders = [
        (n, ledger.papers[n].credential, listed[ledger.papers[n].credential.hex()])
        for n in ledger.to_audit()
    ]
    opened = (
        (i.paper.number, [list(c.codes) for c in i.paper.contests])
        for i in preencrypt_many(authority, context.manifest, fp, context.election_key, holders)
    )
    audit = b"".join(canonical.dumps(m) + b"\n" for m in audit_messages(authority, fp, opened))
    csrf_post(scrutineer, PAGE, URLS["audit"], {"audit": upload("a", audit, "audit.jsonl")})
    page = _shown(scrutineer)
    assert "1 unused papers audited." in page and 'data-figure="paper_audited">1<' in page
    csrf_post(scrutineer, PAGE, URLS["audit"], {"audit": upload("a", audit, "audit.jsonl")})
    assert "is not one still to audit" in _shown(scrutineer)

    count.start_tally(e, None)
    trustees = {t.index: t for t in Trustee.objects.filter(election=e)}
    decrypt_as_trustee(trustees[1], dirs[1])  # it verifies the record so far first
    decrypt_as_trustee(trustees[2], dirs[2])
    e.refresh_from_db()
    assert e.result is not None
    assert e.result["contests"][0]["counts"] == {"ann": 1, "bo": 1}
    count.sign_off(e, None, dict.fromkeys(count.STATEMENTS, True))
    count.publish(e, None)
    e.refresh_from_db()
    board.export_record(e, tmp_path / "record")
    verified = verify_record(tmp_path / "record", workers=1)
    assert verified.valid, verified.to_json()
