"""Checking a complete record on from the verified record in progress (record.md §9.5).

The trustees verified the small record up to its tally; the published record must extend it
byte for byte, and everything after is checked as ``verify_record`` checks it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from recordtools import (
    SmallElection,
    failed,
    read_board,
    read_json_file,
    reseal,
    write_board,
    write_json_file,
)
from test_trustee_side import _in_progress

from tellers.verify import Report, verify_record
from tellers.verify.complete import verify_completion


@pytest.fixture
def so_far(small_election: SmallElection, tmp_path: Path) -> Report:
    report = verify_record(_in_progress(small_election, tmp_path / "earlier"))
    assert report.valid and report.tally is not None
    return report


def test_the_published_record_checks_on_as_it_checks_whole(
    small_election: SmallElection, record: Path, so_far: Report
) -> None:
    report = verify_completion(record, so_far, small_election.manifest)
    whole = verify_record(record)
    assert report.valid, report.failures
    assert report.root == whole.root
    assert {k: report.figures[k] for k in ("contests", "turnout", "electorate")} == {
        k: whole.figures[k] for k in ("contests", "turnout", "electorate")
    }


def _prefix_ballot(record: Path) -> None:
    events = read_board(record)
    events[4]["body"]["at"] = events[5]["body"]["at"]
    write_board(record, events)


def _manifest(record: Path) -> None:
    manifest = read_json_file(record, "manifest.json")
    manifest["title"] = "Another title"
    write_json_file(record, "manifest.json", manifest)
    reseal(record)


def _decryption(record: Path) -> None:
    events = read_board(record)
    events[12]["body"]["shares"][0]["share"] = events[12]["body"]["shares"][1]["share"]
    write_board(record, events)


def _result(record: Path) -> None:
    events = read_board(record)
    events[-1]["body"]["contests"][0]["counts"]["ada"] += 1
    write_board(record, events)
    write_json_file(record, "result.json", events[-1]["body"])
    reseal(record)


def _late_ballot(record: Path) -> None:
    events = read_board(record)
    events.insert(-1, events[4])
    write_board(record, events)


CASES: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "a-ballot-in-the-verified-part": (_prefix_ballot, "record-index", "board.jsonl"),
    "the-manifest": (_manifest, "record-index", "manifest.json"),
    "a-decryption": (_decryption, "decryption", "board.jsonl:13 trustee 1"),
    "the-result": (_result, "result-counts", "contest president.counts"),
    "a-ballot-after-the-tally": (_late_ballot, "board-order", "board.jsonl:15"),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_what_differs_from_the_verified_record_or_follows_it_wrongly_fails(
    kind: str, small_election: SmallElection, record: Path, so_far: Report
) -> None:
    tamper, check, where = CASES[kind]
    tamper(record)
    found = failed(verify_completion(record, so_far, small_election.manifest))
    assert check in found, found
    assert any(w.startswith(where) for w in found[check]), found[check]


def test_it_needs_a_verified_record_in_progress(
    small_election: SmallElection, record: Path, tmp_path: Path
) -> None:
    earlier = _in_progress(small_election, tmp_path / "bad")
    events = read_board(earlier)
    events[4]["body"]["tracker"] = "00" * 32
    write_board(earlier, events)
    report: Any = verify_record(earlier)
    assert not report.valid
    with pytest.raises(ValueError, match="verified"):
        verify_completion(record, report, small_election.manifest)
    shutil.rmtree(earlier)
