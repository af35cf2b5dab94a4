"""A trustee's verification carried on from its own earlier one, across the shuffles.

Between the close and the decryption of a ranked contest, the record grows only by the
trustees' ``mix`` events (ranked.md §4). A trustee who has verified the record so far
need not check its ballots again before its turn to shuffle, or before it decrypts: it
keeps a ``Checkpoint`` of what it verified — the board's bytes up to that point (their
SHA-256), its last line and hash, every other file's hash, and its own report — and
``verify_since`` then checks that none of that has changed and checks, as the verifier
does (``verify.mix.check_mixes``), only the lines after it, each of which must be a
``mix`` event continuing the hash chain. Anything else after the checkpoint (a ballot, a
decryption) is refused: that record needs ``verify_record`` in full.
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
    """The checkpoint of ``report``, a verification of the record in ``directory`` as it
    now stands that found it valid so far (``verify_record``)."""
    if not report.valid or report.tally is None or report.mixes is None:
        raise RecordError(str(directory), 0, "only a record verified valid so far is a checkpoint")
    index = read_index(directory)
    digest = hashlib.sha256()
    size = 0
    with open(directory / _BOARD, "rb") as handle:
        for raw in handle:
            digest.update(raw)
            size += len(raw)
    files = {k: v for k, v in index["files"].items() if k != _BOARD}
    head = bytes.fromhex(index["board"]["head"])
    manifest = manifest_from_json(read_json(directory / "manifest.json"))
    return Checkpoint(
        report, manifest, index["board"]["events"], size, digest.digest(), head, files
    )


def verify_since(directory: Path, earlier: Checkpoint, *, workers: int = 1) -> Report:
    """The report on the record in ``directory``, from ``earlier``: the files it covered
    unchanged, and every board line after it a ``mix`` event checked as the verifier checks
    it. Failures are named as ``verify_record`` names them; ``RecordError`` if the record
    is not ``earlier``'s continued by mix events alone."""
    report = Report()
    index = read_index(directory)
    check_files(report, directory, index)
    files = {k: v for k, v in index["files"].items() if k != _BOARD}
    if files != earlier.files:
        changed = sorted(set(files.items()) ^ set(earlier.files.items()))
        raise RecordError(
            str(directory / "index.json"), 0,
            f"files other than the board changed since the earlier verification: "
            f"{sorted({name for name, _ in changed})}",
        )  # fmt: skip
    events = _new_mix_events(directory / _BOARD, earlier, index)
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


def _new_mix_events(path: Path, earlier: Checkpoint, index: dict[str, Any]) -> list[Any]:
    digest = hashlib.sha256()
    events = []
    with open(path, "rb") as handle:
        left = earlier.size
        while left:
            block = handle.read(min(left, 1 << 20))
            if not block:
                break
            digest.update(block)
            left -= len(block)
        if left or digest.digest() != earlier.prefix:
            raise RecordError(
                str(path), earlier.lines, "the board's first lines changed since the earlier "
                "verification",
            )  # fmt: skip
        prev, number = earlier.head, earlier.lines
        for raw in handle:
            number += 1
            line = raw.rstrip(b"\n")
            event = canonical.loads(line)
            if not isinstance(event, dict) or set(event) != {"seq", "prev", "type", "body"}:
                raise RecordError(str(path), number, "expected an object: seq, prev, type, body")
            if event["seq"] != number - 1 or event["prev"] != prev.hex():
                raise RecordError(str(path), number, f"does not follow line {number - 1}")
            if event["type"] != "mix":
                raise RecordError(
                    str(path), number,
                    f"a {event['type']!r} event since the earlier verification: verify the "
                    "whole record",
                )  # fmt: skip
            prev = event_hash(line)
            events.append((number, event["body"], prev))
    if number != index["board"]["events"] or prev.hex() != index["board"]["head"]:
        raise RecordError(str(path), number, "the board does not end at index.json's head")
    return events
