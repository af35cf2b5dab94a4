"""The board's rules, replayed in order by the verifier (record.md §5, §9).

``BoardState`` sees every event in sequence and every worker's ballot
findings in the same sequence; it checks the order of events, the re-voting
policy, duplicates, credentials, entitlement and the reason given for every
refusal, and remembers which accepted ballots do not count.
"""

from __future__ import annotations

from typing import Any

from tellers import canonical
from tellers.election.manifest import Manifest
from tellers.verify.ballots import BallotCheck, BallotItem
from tellers.verify.report import Report

__all__ = ["BoardState", "compare_result"]

_PHASES = {
    "election-opened": 0,
    "ballot-accepted": 1,
    "ballot-refused": 1,
    "ballot-audited": 1,
    "election-closed": 2,
    "tally": 3,
    "decryption": 4,
    "result": 5,
}
_BALLOT_CHECKS = {
    "ballot-accepted": ("ballot-format", "ballot-election", "ballot-signature", "ballot-proof"),
    "ballot-audited": (
        "ballot-format",
        "ballot-election",
        "ballot-signature",
        "ballot-proof",
        "audit",
    ),
}
_FORMAT_REASONS = {
    "malformed": "ballot-format",
    "wrong-election": "ballot-election",
    "bad-signature": "ballot-signature",
    "bad-proof": "ballot-proof",
}


class BoardState:
    def __init__(self, manifest: Manifest, credentials: dict[bytes, str], report: Report) -> None:
        self.manifest = manifest
        self.credentials = credentials
        self.report = report
        self.phase = -1
        self.opened: dict[str, Any] | None = None
        self.closed: tuple[int, dict[str, Any]] | None = None
        self.tally_event: Any = None
        self.tally: Any = None
        self.decryption_events: list[dict[str, Any]] = []
        self.result_event: Any = None
        self.claims: dict[int, tuple[Any, Any, Any]] = {}
        """line -> (claimed tracker, supersedes or refusal reason, kind)."""
        self.seen: set[bytes] = set()
        self.counted: dict[bytes, tuple[int, str]] = {}
        """credential -> (line, tracker) of its counted ballot."""
        self.uncounted: set[int] = set()
        self.unaggregated: set[int] = set()
        self._entitled = {
            k: tuple(manifest.contests[i].id for i in manifest.contests_for(k))
            for k in manifest.constituencies
        }

    # Events, in board order -------------------------------------------------

    def event(self, line: int, kind: str, body: Any) -> BallotItem | None:
        where = f"board.jsonl:{line}"
        phase = _PHASES.get(kind)
        self.report.ran("board-order")
        if phase is None:
            self.report.fail("board-order", where, f"unknown event type {kind!r}")
            return None
        if phase < self.phase or (phase == 0 and self.phase >= 0) or (self.phase < 0 < phase):
            self.report.fail("board-order", where, f"{kind} out of order")
        if phase in (2, 3, 5) and phase == self.phase:
            self.report.fail("board-order", where, f"a second {kind}")
        self.phase = max(self.phase, phase)
        if not isinstance(body, dict):
            self.report.fail("board-order", where, "event body is not an object")
            return None
        if kind == "election-opened":
            self.opened = body
        elif kind == "election-closed":
            self.closed = (line, body)
        elif kind == "tally":
            self.tally_event = body
        elif kind == "decryption":
            self.decryption_events.append(body)
        elif kind == "result":
            self.result_event = body
        else:
            return self._ballot_item(line, kind, body)
        return None

    def _ballot_item(self, line: int, kind: str, body: dict[str, Any]) -> BallotItem | None:
        ballot = body.get("ballot")
        claim = body.get("reason") if kind == "ballot-refused" else body.get("supersedes")
        self.claims[line] = (body.get("tracker"), claim, kind)
        if ballot is None:
            return None if kind == "ballot-refused" else (line, kind, b"null", None)
        reveal = body.get("reveal")
        raw_reveal = canonical.dumps(reveal) if kind == "ballot-audited" else None
        return line, kind, canonical.dumps(ballot), raw_reveal

    # Worker findings, in board order ------------------------------------------

    def ballot(self, found: BallotCheck) -> None:
        report = self.report
        claimed, claim, kind = self.claims.pop(found.line)
        trk = found.tracker.hex() if found.tracker else None
        where = f"board.jsonl:{found.line}" + (f" tracker {trk}" if trk else "")
        if kind == "ballot-refused":
            self._refusal(found, claim, where)
        else:
            problems = {check for check, _ in found.problems}
            ran = ("ballot-format",) if "ballot-format" in problems else _BALLOT_CHECKS[kind]
            for check in ran:
                report.ran(check)
            for check, detail in found.problems:
                report.fail(check, where, detail)
            if any(check == "ballot-proof" for check, _ in found.problems) or trk is None:
                self.unaggregated.add(found.line)
        report.ran("ballot-tracker")
        if trk is not None and claimed != trk:
            report.fail("ballot-tracker", where, f"published tracker {claimed!r} is not the hash")
        if found.credential is None or found.tracker is None:
            return
        if kind == "ballot-refused":
            self.seen.add(found.tracker)
            return
        report.ran("ballot-duplicate")
        if found.tracker in self.seen:
            report.fail("ballot-duplicate", where, "this ballot is already on the board")
        self.seen.add(found.tracker)
        report.ran("ballot-credential")
        constituency = self.credentials.get(found.credential)
        if constituency is None:
            report.fail("ballot-credential", where, "credential is not on the published list")
        elif found.contests != self._entitled.get(constituency):
            report.ran("ballot-entitlement")
            report.fail("ballot-entitlement", where, f"contests {list(found.contests)}")
        if kind == "ballot-accepted":
            self._revote(found, claim, where)

    def _revote(self, found: BallotCheck, supersedes: Any, where: str) -> None:
        assert found.credential is not None and found.tracker is not None
        report = self.report
        report.ran("revote")
        previous = self.counted.get(found.credential)
        if previous is None:
            if supersedes is not None:
                report.fail("revote", where, "claims to supersede a ballot that is not counted")
            self.counted[found.credential] = (found.line, found.tracker.hex())
            return
        if self.manifest.revote != "last":
            report.fail(
                "revote", where, f"a second ballot accepted under the {self.manifest.revote!r} rule"
            )
            self.uncounted.add(found.line)
            return
        line, expected = previous
        if supersedes != expected:
            report.fail("revote", where, f"should supersede {expected}, says {supersedes!r}")
        self.uncounted.add(line)
        self.counted[found.credential] = (found.line, found.tracker.hex())

    def _refusal(self, found: BallotCheck, reason: Any, where: str) -> None:
        report = self.report
        report.ran("refusal")
        problems = {check for check, _ in found.problems}
        if reason in _FORMAT_REASONS:
            true = _FORMAT_REASONS[reason] in problems
        elif reason == "unknown-credential":
            true = found.credential not in self.credentials
        elif reason == "not-entitled":
            constituency = self.credentials.get(found.credential or b"")
            true = constituency is not None and found.contests != self._entitled.get(constituency)
        elif reason == "replay":
            true = found.tracker in self.seen
        elif reason in ("revote-forbidden", "first-counts"):
            rule = "forbidden" if reason == "revote-forbidden" else "first"
            true = self.manifest.revote == rule and found.credential in self.counted
        elif reason == "bad-audit":
            true = True  # the reveal that failed is not published; nothing to re-check
        else:
            true = False
        if not true:
            report.fail(
                "refusal", where, f"refused as {reason!r}, which the ballot does not bear out"
            )

    # After the board --------------------------------------------------------

    def finish(self) -> None:
        report = self.report
        report.ran("closed")
        if self.closed is None:
            report.fail("closed", "board.jsonl", "the election was never closed")
            return
        line, body = self.closed
        if body.get("events") != line - 1 or body.get("counted") != len(self.counted):
            report.fail(
                "closed",
                f"board.jsonl:{line}",
                f"says {body.get('events')!r} events and {body.get('counted')!r} counted; "
                f"found {line - 1} and {len(self.counted)}",
            )

    def uncounted_lines(self) -> set[int]:
        return self.uncounted - self.unaggregated

    def counted_total(self) -> int:
        return len(self.counted)


def compare_result(report: Report, expected: dict[str, Any], published: Any) -> None:
    """Name each way the declared result differs from the recomputed one."""
    if not isinstance(published, dict):
        report.ran("result-counts")
        report.fail("result-counts", "board.jsonl", "no result event")
        return
    top = {"electorate": "electorate", "ballots_counted": "turnout", "turnout": "turnout"}
    for key, check in top.items():
        report.ran(check)
        if published.get(key) != expected[key]:
            report.fail(
                check,
                f"result.{key}",
                f"declared {published.get(key)!r}, recomputed {expected[key]!r}",
            )
    theirs = published.get("contests")
    if not isinstance(theirs, list) or len(theirs) != len(expected["contests"]):
        report.fail("result-counts", "result.contests", "contests missing or extra")
        return
    fields = {
        "id": "result-counts",
        "counts": "result-counts",
        "blank": "result-counts",
        "winners": "winners",
        "tied": "winners",
        "ballots": "turnout",
        "turnout": "turnout",
        "electorate": "electorate",
        "thresholds": "thresholds",
        "thresholds_met": "thresholds",
    }
    for mine, other in zip(expected["contests"], theirs, strict=True):
        if not isinstance(other, dict):
            report.fail("result-counts", f"contest {mine['id']}", "not an object")
            continue
        for key, check in fields.items():
            report.ran(check)
            if other.get(key) != mine[key]:
                report.fail(
                    check,
                    f"contest {mine['id']}.{key}",
                    f"declared {other.get(key)!r}, recomputed {mine[key]!r}",
                )
        extra = set(other) - set(fields)
        if extra:
            report.fail("result-counts", f"contest {mine['id']}", f"unexpected {sorted(extra)}")
