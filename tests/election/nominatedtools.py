"""The small election with its president contest from nominations (record.md §1.3, §3.8).

``president_log`` runs the president's nominations: Ada, Bea and Cyd stand; Dan is
validly nominated and withdraws; one nomination comes from a body not on the list, one
is a body's second, and one the officer rules invalid with a reason. ``nominated_manifest``
is the small manifest whose president contest takes its choices from a log's close and
declares its head; ``choices`` replaces them where a test needs an officer who did not.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from recordtools import small_manifest

from tellers.election.manifest import Choice, Manifest
from tellers.nominations import NominatingBody, NominationsLog, Period, Rules, contest_choices

__all__ = ["ADDRESS", "COUNTS", "nominated_manifest", "president_log"]

PERIOD = Period(
    opens="2026-02-02T09:00:00+00:00",
    closes="2026-02-20T17:00:00+00:00",
    withdrawals_close="2026-02-18T17:00:00+00:00",
)
ADDRESS = "I will put members first.\n\nEvery branch, every region."
COUNTS = {
    "contest": "president",
    "candidates": 4,
    "received": 7,
    "valid": 4,
    "invalid": {
        "officer": 1,
        "unknown-body": 1,
        "body-kind": 0,
        "outside-period": 0,
        "withdrawn": 0,
        "duplicate": 1,
    },
    "withdrawn": 1,
    "standing": 3,
}
"""What ``president_log`` makes, as the verifier's figures give it (but the head)."""


def president_log(
    *,
    election: str = "small-2026",
    contest: str = "president",
    closed: str = "2026-02-20T17:00:00+00:00",
    drop: int | None = None,
    officer_rules_out: int | None = None,
) -> NominationsLog:
    """The president's nominations, closed at ``closed``; ``drop`` leaves nomination
    ``drop`` (1-based, as listed below) unrecorded, ``officer_rules_out`` rules it invalid."""
    listed = [
        NominatingBody(f"{r[:2].upper()}{i}", f"{r} branch {i}", "branch", r)
        for r in ("north", "south")
        for i in (1, 2, 3)
    ]
    at = "2026-02-03T10:00:00+00:00"
    log = NominationsLog.open(
        election=election,
        contest=contest,
        office="President",
        period=PERIOD,
        rules=Rules(min_nominations=1),
        bodies=listed,
        at="2026-02-02T09:00:00+00:00",
    )
    for cid, name in (("ada", "Ada"), ("bea", "Bea"), ("cyd", "Cyd"), ("dan", "Dan")):
        log.register(cid, name, at)
    plan: list[tuple[str, str, bool, str]] = [
        ("ada", "NO1", True, ""),
        ("bea", "NO2", True, ""),
        ("cyd", "SO1", True, ""),
        ("ada", "XX9", False, ""),  # not on the list: unknown-body
        ("dan", "SO2", True, ""),
        ("bea", "NO1", False, ""),  # NO1's second: duplicate
        ("cyd", "SO3", False, "the form was not signed by the branch secretary"),
    ]
    for i, (cid, body, valid, reason) in enumerate(plan, start=1):
        if i == drop:
            continue
        if i == officer_rules_out:
            valid, reason = False, "the branch meeting was not quorate"
        n = log.receive(cid, body, at, at)
        log.rule(n, valid, reason, at)
    log.submit_address("ada", ADDRESS, None, at)
    log.withdraw("dan", "2026-02-10T12:00:00+00:00")
    log.close(closed)
    return log


def nominated_manifest(
    log: NominationsLog, choices: tuple[Choice, ...] | None = None, **changes: Any
) -> Manifest:
    """The small manifest, an election, its president contest from ``log``'s close."""
    assert log.outcome is not None
    base = small_manifest()
    president = replace(
        base.contests[0],
        choices=contest_choices(log.outcome) if choices is None else choices,
        nominations=log.head,
    )
    return replace(base, kind="election", contests=(president, *base.contests[1:]), **changes)
