"""The report does not depend on how the ballot checks were run (record.md §9.3).

The board is scanned (chain, order, event format) ahead of the ballot checks by as many
chunks as the mapper keeps in flight, so with more workers the scan's findings and the
workers' arrive in another order; the report puts them in board order either way.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from recordtools import read_board, write_board

from tellers.ballot import ballot_message, tracker
from tellers.crypto.group import Scalar, bip340_sign
from tellers.record.v2 import ballot_from_json
from tellers.verify import verify_record

FIRST_CHUNK = range(2, 129)  # board lines whose ballots one task checks (chunks of 128)
THIRD_CHUNK = range(257, 385)  # scanned, with two workers, before that task returns


def _signed_by_another_key(body: dict[str, Any]) -> None:
    ballot = ballot_from_json(body["ballot"])
    message = ballot_message(ballot.fingerprint, ballot.credential, ballot.contests)
    body["ballot"]["signature"] = bip340_sign(Scalar.random(), message, bytes(32)).hex()
    body["tracker"] = tracker(ballot_from_json(body["ballot"])).hex()


def test_findings_come_in_board_order_whatever_the_number_of_workers(
    scenario_record: Callable[[str], tuple[Path, dict[str, Any]]], tmp_path: Path
) -> None:
    source, _ = scenario_record("ul-hustings-2020")
    record = tmp_path / "record"
    shutil.copytree(source, record)
    events = read_board(record)
    early, later = (
        next(n for n in lines if events[n - 1]["type"] == "ballot-accepted")
        for lines in (FIRST_CHUNK, THIRD_CHUNK)
    )
    _signed_by_another_key(events[early - 1]["body"])  # found by a worker
    events[later - 1]["body"]["note"] = "an extra field"  # found by the scan
    write_board(record, events)

    one = verify_record(record, workers=1)
    two = verify_record(record, workers=2)

    assert two.to_json() == one.to_json()
    lines = [
        int(m.group(1)) for f in one.failures if (m := re.match(r"board\.jsonl:(\d+)", f.where))
    ]
    assert lines == sorted(lines) and {early, later} <= set(lines)
    checks = {(f.check, f.where.split()[0]) for f in one.failures}
    assert ("ballot-signature", f"board.jsonl:{early}") in checks
    assert ("event-format", f"board.jsonl:{later}") in checks
