"""The ``nominations`` check: each contest that came from nominations, re-derived from its
log in the record (record.md §1.3, §3.8, §9.2; nominations.md §7).

A contest's ``nominations`` is the head of the log its choices came from. The record
holds that log as ``nominations-<contest>.jsonl``; it is replayed with the nominations
checker (every ruling against the rules' own findings, the close against what the events
before it decide), and it must be this election's log for this contest, end in the head
the manifest declares, close before the election opens, and stand exactly the contest's
choices, in ballot order. So an officer cannot drop a valid nomination, or put on the
ballot someone who was not nominated, without the record failing here.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from tellers.election.manifest import Contest, Manifest
from tellers.errors import NominationError, NominationsFileError, RecordError
from tellers.nominations.contest import check_choices
from tellers.nominations.counts import nomination_counts
from tellers.nominations.ledger import NominationsLog, replay_log
from tellers.record.store import nominations_file
from tellers.verify.report import Report

__all__ = ["check_nominations"]


def check_nominations(
    report: Report, directory: Path, manifest: Manifest, index: dict[str, Any]
) -> list[dict[str, Any]]:
    """Run ``nominations`` for every contest declaring a log; the figures of each log that
    replays (``nominations.counts``), in manifest order."""
    declared = {nominations_file(c.id): c for c in manifest.contests if c.nominations}
    for name in sorted(index["files"]):
        if name.startswith("nominations-") and name not in declared:
            report.ran("nominations")
            report.fail(
                "nominations", name, "no contest of the manifest declares this nominations log"
            )
    figures = []
    for name, contest in declared.items():
        report.ran("nominations")
        if name not in index["files"]:
            report.fail(
                "nominations",
                f"contest {contest.id}",
                f"the manifest declares the nominations log with head {contest.nominations}; "
                f"the record holds no {name}",
            )
            continue
        log = _replay(report, directory / name, name)
        if log is not None:
            _check_log(report, manifest, contest, log, name)
            figures.append(nomination_counts(log))
    return figures


def _replay(report: Report, path: Path, name: str) -> NominationsLog | None:
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        raise RecordError(
            str(path), data.count(b"\n") + 1, "truncated line (no newline at the end)"
        )
    try:
        return replay_log(data.splitlines(), name)
    except NominationsFileError as exc:
        report.fail("nominations", f"{name}:{exc.line}" if exc.line else name, exc.problem)
        return None


def _check_log(
    report: Report, manifest: Manifest, contest: Contest, log: NominationsLog, name: str
) -> None:
    outcome = log.outcome
    assert outcome is not None
    first, last = f"{name}:1", f"{name}:{len(log.events)}"
    if outcome.election != manifest.election_id:
        report.fail(
            "nominations",
            first,
            f"contest {contest.id}: the log is for election {outcome.election!r}, "
            f"expected {manifest.election_id!r}",
        )
    if outcome.contest != contest.id:
        report.fail(
            "nominations",
            first,
            f"contest {contest.id}: the log is for contest {outcome.contest!r}",
        )
    if outcome.head != contest.nominations:
        report.fail(
            "nominations",
            last,
            f"contest {contest.id}: the manifest declares the head {contest.nominations}, "
            f"the log ends in {outcome.head}",
        )
    closed_at = log.events[-1].body["at"]
    if datetime.fromisoformat(closed_at) >= datetime.fromisoformat(manifest.opens):
        report.fail(
            "nominations",
            last,
            f"contest {contest.id}: nominations closed at {closed_at}, expected before the "
            f"election opens ({manifest.opens})",
        )
    if outcome.contest == contest.id:
        try:
            check_choices(contest, outcome)
        except NominationError as exc:
            report.fail("nominations", last, str(exc))
