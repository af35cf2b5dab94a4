"""The record written from the database passes ``verify_record``: directly and as the download.

Ballots are cast, re-cast (revote "last"), audited and refused through the
board store; the election is closed, tallied, decrypted by a quorum and
published through the core's functions; the exported record verifies and
reproduces the declared counts.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from voter_fixtures import audit_request, build_open_election, close_and_publish, make_ballot
from webtesting import csrf_client

from tellers.verify import verify_record
from tellers.web.store import board
from tellers.web.store.models import Election

__all__: list[str] = []


@pytest.mark.django_db
def test_exported_record_verifies(tmp_path: Path) -> None:
    built = build_open_election("export", members=6)
    e = built.election
    v = built.voters
    board.cast(
        e,
        make_ballot(
            built,
            v[0],
            {
                "general-secretary": ["okafor"],
                "executive-north": ["ali", "brown"],
                "strike": ["yes"],
            },
        )[0],
    )
    board.cast(e, make_ballot(built, v[1], {"general-secretary": ["patel"], "strike": ["yes"]})[0])
    board.cast(
        e,
        make_ballot(
            built, v[2], {"general-secretary": [], "executive-north": ["cole"], "strike": ["no"]}
        )[0],
    )
    # v[1] changes their mind; the earlier ballot no longer counts.
    board.cast(e, make_ballot(built, v[1], {"general-secretary": ["okafor"], "strike": ["no"]})[0])
    raw, reveal, _, _ = make_ballot(built, v[3])
    board.audit(e, raw, reveal, audit_request(built, v[3], raw, reveal))
    board.cast(e, raw)  # refused: audited ballots can never be cast
    board.cast(e, b"{}")  # refused: malformed

    assert csrf_client().get("/e/export/record/").status_code == 404  # not before the result
    close_and_publish(built)
    e = Election.objects.get(pk=e.pk)

    root = board.export_record(e, tmp_path / "record")
    report = verify_record(tmp_path / "record")
    assert report.valid, [f.to_json() for f in report.failures]
    assert report.root == root.hex()
    counts = {c["id"]: c["counts"] for c in e.result["contests"]}
    assert counts["general-secretary"] == {"okafor": 2, "patel": 0, "jones": 0}
    assert counts["executive-north"] == {"ali": 1, "brown": 1, "cole": 1}
    assert counts["strike"] == {"yes": 1, "no": 2}
    assert e.result["ballots_counted"] == 3

    response = csrf_client().get("/e/export/record/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["X-Tellers-Record-Root"] == root.hex()
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as zf:
        zf.extractall(tmp_path / "download")
    downloaded = tmp_path / "download" / "export-record"
    assert verify_record(downloaded).valid
    assert (downloaded / "board.jsonl").read_bytes() == (
        tmp_path / "record/board.jsonl"
    ).read_bytes()
