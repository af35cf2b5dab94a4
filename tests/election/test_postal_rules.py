"""The board's postal rules refuse what they must, writing nothing (postal.md §5)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from hybridtools import hybrid_manifest, run_hybrid

from tellers.board import Board, ElectionContext
from tellers.errors import BallotRejected, EncodingError, ManifestError
from tellers.postal.authority import void_message
from tellers.postal.content import paper_label, parse_label, parse_qr, qr_payload
from tellers.record.store import read_credentials
from tellers.record.v2 import manifest_from_json, manifest_to_json
from tellers.simulate import DemoOutcome


@pytest.fixture(scope="module")
def hybrid(tmp_path_factory: pytest.TempPathFactory) -> DemoOutcome:
    return run_hybrid(tmp_path_factory.mktemp("hybrid-board"))


def test_a_postal_manifest_round_trips_as_format_v3_and_an_online_one_stays_v2() -> None:
    manifest = hybrid_manifest()
    obj = manifest_to_json(manifest)
    assert obj["format"] == "tellers-manifest/v3"
    assert manifest_from_json(obj) == manifest
    online = manifest_to_json(dataclasses.replace(manifest, postal=None))
    assert online["format"] == "tellers-manifest/v2" and "postal" not in online
    obj["postal"]["replacements_close"] = "2026-03-30T00:00:00+00:00"  # after the close
    with pytest.raises(ManifestError, match="replacements_close"):
        manifest_from_json(obj)


def test_a_paper_label_catches_a_slip_and_a_swap() -> None:
    label = paper_label(1234)
    assert parse_label(label) == 1234
    digits = label.replace("-", "")
    slipped = digits[:-2] + str((int(digits[-2]) + 1) % 10) + digits[-1]
    swapped = digits[:3] + digits[4] + digits[3] + digits[5:]
    for wrong in (slipped, swapped):
        with pytest.raises(EncodingError, match="check digit"):
            parse_label(wrong)
    assert parse_qr(qr_payload("e-1", 7), "e-1") == 7
    with pytest.raises(EncodingError, match="election"):
        parse_qr(qr_payload("e-2", 7), "e-1")


def _reopened(hybrid: DemoOutcome, tmp_path: Path) -> Board:
    """The record's board reopened as its voting server would, before the close."""
    copy = tmp_path / "record"
    shutil.copytree(hybrid.record, copy)
    lines = (copy / "board.jsonl").read_bytes().splitlines(keepends=True)
    closed = next(i for i, line in enumerate(lines) if b'"type":"election-closed"' in line)
    (copy / "board.jsonl").write_bytes(b"".join(lines[:closed]))
    so_far = hybrid.so_far
    assert so_far.tally is not None
    tally = so_far.tally
    ctx = ElectionContext(hybrid_manifest(), tally.fingerprint, tally.outcome.joint_key)
    creds = {c: k for _, c, k in read_credentials(copy / "credentials.jsonl")}
    return Board(copy / "board.jsonl", ctx, creds, clock=lambda: "2026-03-20T10:00:00+00:00")


def test_voids_of_unknown_returned_or_voided_papers_are_refused_unwritten(
    hybrid: DemoOutcome, tmp_path: Path
) -> None:
    board = _reopened(hybrid, tmp_path)
    authority = hybrid.postal["authority"]
    fingerprint = board.context.fingerprint
    ledger = board.papers
    assert ledger is not None and 25 in ledger.papers  # the replacement was replayed
    before = board.seq
    returned = min(ledger.returned)
    voided = min(ledger.voided)
    for number, reason in ((99, "unknown-paper"), (returned, "replay"), (voided, "voided")):
        with pytest.raises(BallotRejected) as caught:
            board.void_paper(void_message(authority, fingerprint, number, "lost", "ID-1"))
        assert caught.value.reason == reason
    forged = void_message(authority, fingerprint, 3, "lost", "ID-1")
    forged["number"] = 4
    with pytest.raises(BallotRejected) as caught:
        board.void_paper(forged)
    assert caught.value.reason == "bad-signature"
    assert board.seq == before  # nothing written
