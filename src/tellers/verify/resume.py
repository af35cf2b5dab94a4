"""A trustee's verification carried on from its own earlier one, across the shuffles.

Between the close and the decryption of a ranked contest, the record grows only by the
trustees' ``mix`` events (ranked.md §4). A trustee who has verified the record so far
need not check its ballots again before its turn to shuffle, or before it decrypts: it
keeps a ``Checkpoint`` of what it verified — the board's bytes up to that point (their
SHA-256), its last line and hash, every other file's hash, and its own report — and
``verify_since`` then checks that none of that has changed and checks, as the verifier
does (``verify.mix.check_mixes``), only the lines after it, each of which must be a
``mix`` event continuing the hash chain (record.md §9.5). Anything else after the
checkpoint (a ballot, a decryption) fails: that record needs ``verify_record`` in full.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tellers import canonical
from tellers.board import event_hash
from tellers.election.manifest import Manifest
from tellers.errors import RecordError
from tellers.record.store import file_sha256, read_index, read_json
from tellers.record.v2 import manifest_from_json
from tellers.verify.complete import read_event
from tellers.verify.events import body_problem
from tellers.verify.mix import check_mixes
from tellers.verify.record import check_files
from tellers.verify.report import Report

__all__ = ["Checkpoint", "checkpoint", "verify_since"]

_BOARD = "board.jsonl"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What one verification of a record in progress established."""

    report: Report
    """Its report: valid so far, with the tally and the mix chains the trustee recomputed."""
    manifest: Manifest
    lines: int
    """The board lines it covered."""
    size: int
    """Their bytes, newlines included."""
    prefix: bytes
    """SHA-256 of those bytes."""
    head: bytes
    """The event hash of the last of them."""
    files: dict[str, str]
    """index.json's hash of every file but the board."""


def checkpoint(directory: Path, report: Report) -> Checkpoint:
    """The checkpoint of ``report``, a verification of the record in ``directory`` that
    found it valid so far (``verify_record``), taken at once after it on the same files:
    the board must still hash as its index says."""
    if not report.valid or report.tally is None or report.mixes is None:
        raise RecordError(str(directory), 0, "only a record verified valid so far is a checkpoint")
    index = read_index(directory)
    digest = hashlib.sha256()
    size = 0
    with open(directory / _BOARD, "rb") as handle:
        for raw in handle:
            digest.update(raw)
            size += len(raw)
    if digest.hexdigest() != index["files"][_BOARD]:
        raise RecordError(str(directory / _BOARD), 0, "differs from its hash in index.json")
    files = {k: v for k, v in index["files"].items() if k != _BOARD}
    head = bytes.fromhex(index["board"]["head"])
    manifest = manifest_from_json(read_json(directory / "manifest.json"))
    return Checkpoint(
        report, manifest, index["board"]["events"], size, digest.digest(), head, files
    )


def verify_since(directory: Path, earlier: Checkpoint, *, workers: int = 1) -> Report:
    """The report on the record in ``directory``, from ``earlier``: the files it covered
    unchanged, and every board line after it a ``mix`` event checked as the verifier checks
    it (record.md §9.5). Failures are named as ``verify_record`` and ``verify_completion``
    name them; with any, the report has no ``mixes``."""
    report = Report()
    index = read_index(directory)
    check_files(report, directory, index)
    files = {k: v for k, v in index["files"].items() if k != _BOARD}
    for name in sorted(set(files) | set(earlier.files)):
        report.ran("record-index")
        if files.get(name) != earlier.files.get(name):
            report.fail("record-index", name, "differs from the record so far that was verified")
    events = _new_mix_events(report, directory / _BOARD, earlier, index)
    chains = check_mixes(
        report, earlier.manifest, earlier.report.tally, {}, events, complete=False,
        start=earlier.report.mixes, workers=workers,
    )  # fmt: skip
    out = replace(earlier.report, failures=[*earlier.report.failures, *report.failures])
    out.checks_run = {**earlier.report.checks_run}
    for check, times in report.checks_run.items():
        out.checks_run[check] = out.checks_run.get(check, 0) + times
    out.root = file_sha256(directory / "index.json").hex()
    out.mixes = chains if out.valid else None
    return out


def _new_mix_events(
    report: Report, path: Path, earlier: Checkpoint, index: dict[str, Any]
) -> list[tuple[int, Any, bytes]]:
    """The board's lines after the checkpoint, as ``check_mixes`` takes them, after checking
    that the lines before are those verified and that each later one follows the chain."""
    digest = hashlib.sha256()
    events = []
    with open(path, "rb") as handle:
        left = earlier.size
        while left and (block := handle.read(min(left, 1 << 20))):
            digest.update(block)
            left -= len(block)
        report.ran("record-index")
        if left or digest.digest() != earlier.prefix:
            report.fail(
                "record-index", _BOARD, "its first lines differ from the record so far that "
                "was verified",
            )  # fmt: skip
            return []
        prev, number = earlier.head, earlier.lines
        for number, raw in enumerate(handle, start=earlier.lines + 1):
            event = read_event(path, number, raw)
            line = raw[:-1]
            report.ran("board-chain")
            if event["seq"] != number - 1 or event["prev"] != prev.hex():
                report.fail("board-chain", f"{_BOARD}:{number}", "does not follow the line before")
            if canonical.dumps(event) != line:
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
            problem = body_problem("mix", event["body"])
            if problem is not None:
                report.fail("event-format", f"{_BOARD}:{number}", f"mix: {problem}")
                continue
            events.append((number, event["body"], prev))
    report.ran("record-index")
    if number != index["board"]["events"] or prev.hex() != index["board"]["head"]:
        report.fail("record-index", _BOARD, "board length or head hash differs from index.json")
    return events
