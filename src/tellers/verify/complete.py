"""Finishing the check of a record whose earlier stage was verified (record.md §9.5).

A trustee (or an observer) who verified the record **in progress** — every
ballot, up to the tally — need not check those ballots again when the
record is complete: ``verify_completion`` takes that verification's report
and checks that the complete record *extends exactly* what it verified —
the manifest, ceremony and credential list byte for byte, the board's first
lines byte for byte (their SHA-256 is the one the verified index gave) —
and then everything after: the chain onward, the order and shape of the
decryption and result events, every decryption, the declared result and
``result.json``. Its report is the earlier one with these checks added.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from tellers import canonical
from tellers.board import event_hash
from tellers.election.manifest import Manifest
from tellers.errors import CountingError, EncodingError, RecordError
from tellers.record.store import file_sha256, read_index, read_json
from tellers.record.v2_tally import result_to_json
from tellers.tally import declare
from tellers.verify.events import body_problem
from tellers.verify.record import check_files, result_figures, verify_record
from tellers.verify.report import Report
from tellers.verify.rules import compare_result
from tellers.verify.tally import VerifiedTally, check_decryptions

__all__ = ["read_event", "verify_completion"]

_SAME = ("manifest.json", "ceremony.json", "credentials.jsonl")


def verify_completion(directory: Path, earlier: Report, manifest: Manifest) -> Report:
    """The complete record at ``directory``, checked on from ``earlier`` (a valid report of the
    record in progress, with its ``tally``); ``manifest`` is the one it verified."""
    if any(c.ranked for c in manifest.contests):
        # The mix's events come between the tally and the decryptions: verified whole.
        return verify_record(directory)
    verified = earlier.tally
    if verified is None or earlier.failures:
        raise ValueError("verify_completion needs the report of a record in progress that verified")
    report = Report(checks_run=dict(earlier.checks_run), figures=dict(earlier.figures))
    index = read_index(directory)
    report.root = file_sha256(directory / "index.json").hex()
    check_files(report, directory, index)
    before: dict[str, Any] = verified.index
    for name in _SAME:
        report.ran("record-index")
        if index["files"][name] != before["files"][name]:
            report.fail("record-index", name, "differs from the record so far that was verified")
    # the nominations logs the earlier report replayed (record.md §1.3): the same files
    logs = {n: h for n, h in index["files"].items() if n.startswith("nominations-")}
    if logs != {n: h for n, h in before["files"].items() if n.startswith("nominations-")}:
        report.ran("record-index")
        report.fail(
            "record-index", "nominations", "differ from the record so far that was verified"
        )
    decryptions, result = _board_after(report, directory, index, verified, before)
    values = check_decryptions(report, manifest, verified, decryptions, complete=True)
    if values is None:
        return report
    per_contest, total = verified.electorate
    try:
        declared = declare(manifest, verified.tallies, values, per_contest, total, verified.counted)
    except CountingError as exc:
        report.ran("result-counts")
        report.fail("result-counts", "decrypted totals", str(exc))
        return report
    expected = result_to_json(declared)
    compare_result(report, expected, result)
    report.ran("result-file")
    if read_json(directory / "result.json") != result:
        report.fail("result-file", "result.json", "differs from the board's result event")
    report.figures.update(result_figures(expected))
    return report


def _board_after(
    report: Report,
    directory: Path,
    index: dict[str, Any],
    verified: VerifiedTally,
    before: dict[str, Any],
) -> tuple[list[tuple[int, dict[str, Any]]], Any]:
    """Check the board's verified prefix is unchanged and the rest follows; its decryptions
    (those in the prefix after the tally included) and its result event."""
    path = directory / "board.jsonl"
    prefix, head = before["board"]["events"], before["board"]["head"]
    digest = hashlib.sha256()
    decryptions: list[tuple[int, dict[str, Any]]] = []
    result: Any = None
    prev = bytes.fromhex(head)
    number = 0
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number <= prefix:
                digest.update(raw)
                if number > verified.tally_line:  # decryptions already on the board
                    decryptions.append((number, canonical.loads(raw)["body"]))
                if number == prefix:
                    report.ran("record-index")
                    if digest.hexdigest() != before["files"]["board.jsonl"]:
                        report.fail(
                            "record-index", "board.jsonl", "its first lines differ from the "
                            "record so far that was verified",
                        )  # fmt: skip
                continue
            event = read_event(path, number, raw)
            report.ran("board-chain")
            line = raw[:-1]
            if event["seq"] != number - 1 or event["prev"] != prev.hex():
                report.fail(
                    "board-chain", f"board.jsonl:{number}", "does not follow the line before"
                )
            if canonical.dumps(event) != line:
                report.fail("board-chain", f"board.jsonl:{number}", "line is not canonical JSON")
            prev = event_hash(line)
            report.ran("board-order")
            kind, body = event["type"], event["body"]
            if kind not in ("decryption", "result") or result is not None:
                report.fail("board-order", f"board.jsonl:{number}", f"{kind!r} out of order")
                continue
            report.ran("event-format")
            problem = body_problem(kind, body)
            if problem is not None:
                report.fail("event-format", f"board.jsonl:{number}", f"{kind}: {problem}")
            elif kind == "decryption":
                decryptions.append((number, body))
            else:
                result = body
    report.ran("record-index")
    if (
        number < prefix
        or number != index["board"]["events"]
        or prev.hex() != index["board"]["head"]
    ):
        report.fail(
            "record-index", "board.jsonl", "board length or head hash differs from index.json"
        )
    return decryptions, result


def read_event(path: Path, number: int, raw: bytes) -> dict[str, Any]:
    """Board line ``number`` (with its newline) as an event object of exactly its four
    fields; ``RecordError`` if it is truncated, not JSON or not such an object."""
    if not raw.endswith(b"\n"):
        raise RecordError(str(path), number, "truncated line (no newline at the end)")
    try:
        event = canonical.loads(raw[:-1], f"board.jsonl:{number}")
    except EncodingError as exc:
        raise RecordError(str(path), number, exc.problem) from None
    if not isinstance(event, dict) or set(event) != {"seq", "prev", "type", "body"}:
        raise RecordError(str(path), number, "expected an object: seq, prev, type, body")
    return event
