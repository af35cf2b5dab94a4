"""A trustee's verification carried on from its own earlier one, across the shuffles.

Between the close and the decryption of a ranked contest, the record grows only by the
trustees' ``mix`` events (ranked.md §4). A trustee who has verified the record so far
need not check its ballots again before its turn to shuffle, or before it decrypts:
``verify_since`` takes that verification's report, whose tally keeps the ``index.json``
it verified (as ``verify_completion`` does), checks that every file but the board and
the board's first lines are still those it verified, and checks, as the verifier does
(``verify.mix.check_mixes``), only the lines after them, each of which must be a ``mix``
event continuing the hash chain (record.md §9.5). Anything else after them (a ballot, a
decryption) fails: that record needs ``verify_record`` in full.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

from tellers import canonical
from tellers.board import event_hash
from tellers.election.manifest import Manifest
from tellers.record.store import file_sha256, read_index
from tellers.record.v2_mix import mix_event_from_line
from tellers.verify.complete import read_event
from tellers.verify.events import body_problem
from tellers.verify.mix import check_mixes
from tellers.verify.record import check_files
from tellers.verify.report import Report

__all__ = ["verify_since"]

_BOARD = "board.jsonl"


def verify_since(
    directory: Path, earlier: Report, manifest: Manifest, *, workers: int = 1
) -> Report:
    """The record in ``directory``, checked on from ``earlier`` (a valid report of the record
    in progress with its ``tally`` and ``mixes``: ``verify_record``'s, or this function's);
    ``manifest`` is the one it verified. Failures are named as ``verify_record`` and
    ``verify_completion`` name them; with any, the report has no ``mixes``. Its tally keeps
    the index verified now, so the next call carries on from here."""
    verified = earlier.tally
    if verified is None or earlier.mixes is None or earlier.failures:
        raise ValueError("verify_since needs the report of a record in progress that verified")
    before: dict[str, Any] = verified.index
    report = Report()
    index = read_index(directory)
    check_files(report, directory, index)
    for name in sorted((set(index["files"]) | set(before["files"])) - {_BOARD}):
        report.ran("record-index")
        if index["files"].get(name) != before["files"].get(name):
            report.fail("record-index", name, "differs from the record so far that was verified")
    events = _new_mix_events(report, directory / _BOARD, before, index)
    chains = check_mixes(
        report, manifest, verified, {}, events, complete=False, start=earlier.mixes,
        workers=workers,
    )  # fmt: skip
    out = dataclasses.replace(
        earlier,
        failures=report.failures,
        checks_run={**earlier.checks_run},
        root=file_sha256(directory / "index.json").hex(),
        tally=dataclasses.replace(verified, index=index),
    )
    for check, times in report.checks_run.items():
        out.checks_run[check] = out.checks_run.get(check, 0) + times
    out.mixes = chains if out.valid else None
    return out


def _new_mix_events(
    report: Report, path: Path, before: dict[str, Any], index: dict[str, Any]
) -> list[tuple[int, Any, bytes]]:
    """The board's lines after those verified, as ``check_mixes`` takes them, after checking
    that the lines verified are unchanged and that each later one follows the chain."""
    verified_lines = before["board"]["events"]
    digest = hashlib.sha256()
    events = []
    prev, number = bytes.fromhex(before["board"]["head"]), 0
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number <= verified_lines:
                digest.update(raw)
                if number == verified_lines:
                    report.ran("record-index")
                    if digest.hexdigest() != before["files"][_BOARD]:
                        report.fail(
                            "record-index", _BOARD, "its first lines differ from the record "
                            "so far that was verified",
                        )  # fmt: skip
                        return []
                continue
            # A canonical mix is read with its rows straight from the bytes (it is then
            # canonical); any other line the general way.
            fast = mix_event_from_line(raw[:-1]) if raw.endswith(b"\n") else None
            event = fast or read_event(path, number, raw)
            line = raw[:-1]
            report.ran("board-chain")
            if event["seq"] != number - 1 or event["prev"] != prev.hex():
                report.fail("board-chain", f"{_BOARD}:{number}", "does not follow the line before")
            if fast is None and canonical.dumps(event) != line:
                report.fail("board-chain", f"{_BOARD}:{number}", "line is not canonical JSON")
            prev = event_hash(line)
            report.ran("board-order")
            if event["type"] != "mix":
                report.fail(
                    "board-order", f"{_BOARD}:{number}",
                    f"{event['type']!r} since the record so far that was verified: only "
                    "shuffles may follow it here (verify the whole record)",
                )  # fmt: skip
                continue
            report.ran("event-format")
            shape = {**event["body"], "rows": []} if fast is not None else event["body"]
            problem = body_problem("mix", shape)
            if problem is not None:
                report.fail("event-format", f"{_BOARD}:{number}", f"mix: {problem}")
                continue
            events.append((number, event["body"], prev))
    report.ran("record-index")
    if (
        number < verified_lines
        or number != index["board"]["events"]
        or prev.hex() != index["board"]["head"]
    ):
        report.fail("record-index", _BOARD, "board length or head hash differs from index.json")
    return events
