"""The board's rules, replayed in order by the verifier (record.md §5, §9).

``BoardState`` sees every event in sequence and every worker's ballot
findings in the same sequence; it checks the order of events, the shape of
their bodies, the timetable, the re-voting policy, duplicates, credentials,
entitlement, and re-derives the reason of every refusal; it remembers
which accepted ballots do not count.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from tellers import canonical
from tellers.election.manifest import Manifest
from tellers.postal.ledger import cross_channel
from tellers.verify.ballots import BallotCheck, BallotItem
from tellers.verify.events import body_problem, parse_time
from tellers.verify.postal import PAPER_EVENTS, PaperCheck, PostalState
from tellers.verify.report import Report

__all__ = ["BoardState", "compare_result"]

_PHASES = {
    "election-opened": 0,
    "papers-issued": 1,
    "ballot-accepted": 2,
    "ballot-refused": 2,
    "ballot-audited": 2,
    "paper-voided": 2,
    "paper-issued": 2,
    "paper-accepted": 2,
    "paper-refused": 2,
    "election-closed": 3,
    "paper-audit": 4,
    "tally": 5,
    "mix": 6,
    "decryption": 7,
    "mix-decryption": 7,
    "result": 8,
}
_ONCE = (1, 3, 5, 8)
_VOTING = ("ballot-accepted", "ballot-refused", "ballot-audited", *PAPER_EVENTS[:4])
_BALLOT_CHECKS = ("ballot-format", "ballot-election", "ballot-signature", "ballot-proof")
# The refusal reasons the worker's findings bear out, in the order of record.md §5.4.
_FORMAT_REASONS = (
    ("ballot-format", "malformed"),
    ("ballot-election", "wrong-election"),
    ("ballot-signature", "bad-signature"),
    ("ballot-proof", "bad-proof"),
)


class BoardState:
    def __init__(
        self,
        manifest: Manifest,
        credentials: dict[bytes, str],
        report: Report,
        papers: Path | None = None,
        fingerprint: bytes = b"",
    ) -> None:
        self.manifest = manifest
        self.postal = PostalState(manifest, credentials, report, papers or Path("papers.jsonl"))
        self.fingerprint = fingerprint
        self.bodies: dict[int, dict[str, Any]] = {}
        """line -> body of each postal event until its findings are applied."""
        self.channel: dict[bytes, str] = {}
        """credential -> channel of its counted ballot, where that is a paper."""
        self.tallied: Counter[str] = Counter()
        """Per-channel figures: ballots accepted, refusals by reason (postal.md §7.2)."""
        self.credentials = credentials
        self.report = report
        self.phase = -1
        self.opened: dict[str, Any] | None = None
        self.closed: tuple[int, dict[str, Any]] | None = None
        self.tally_event: Any = None
        self.tally_line = 0
        self.tally_hash = b""
        self.decryption_events: list[tuple[int, dict[str, Any]]] = []
        self.mix_lines: list[tuple[int, bytes]] = []
        """(board line, event hash) of each mix; with the mix decryptions' lines, their
        bodies are read again from the board when their turn comes to be checked
        (``verify.mix.bodies_at``): each holds every ciphertext of a contest (1.3 million
        for 130,071 ballots of 10 preferences), too many to keep all of them at once."""
        self.mix_decryption_lines: list[tuple[int, bytes]] = []
        self.result_event: Any = None
        self.claims: dict[int, tuple[Any, Any, str, Any]] = {}
        """line -> (claimed tracker, supersedes or refusal reason, kind, request)."""
        self.seen: set[bytes] = set()
        self.counted: dict[bytes, tuple[int, str]] = {}
        """credential -> (line, tracker) of its counted ballot."""
        self.uncounted: set[int] = set()
        self.unaggregated: set[int] = set()
        self._entitled = {
            k: tuple(manifest.contests[i].id for i in manifest.contests_for(k))
            for k in manifest.constituencies
        }
        self._opens = datetime.fromisoformat(manifest.opens)
        self._closes = datetime.fromisoformat(manifest.closes)
        self._opened_at: datetime | None = None
        self._last: datetime | None = None

    # Events, in board order -------------------------------------------------

    def event(
        self, line: int, kind: str, body: Any, digest: bytes, raw: bytes | None = None
    ) -> BallotItem | None:
        """The event at board ``line`` (of hash ``digest``) in order; the item its checks go
        to the workers as, if any. ``raw`` is the line's bytes when they are the canonical
        form of the event: a cast ballot then goes as the bytes it has there."""
        where = f"board.jsonl:{line}"
        phase = _PHASES.get(kind)
        self.report.ran("board-order")
        if phase is None:
            self.report.fail("board-order", where, f"unknown event type {kind!r}")
            return None
        if phase < self.phase or (phase == 0 and self.phase >= 0) or (self.phase < 0 < phase):
            self.report.fail("board-order", where, f"{kind} out of order")
        if phase in _ONCE and phase == self.phase:
            self.report.fail("board-order", where, f"a second {kind}")
        self.phase = max(self.phase, phase)
        self.report.ran("event-format")
        problem = body_problem(kind, body)
        if problem is not None:
            self.report.fail("event-format", where, f"{kind}: {problem}")
            return None
        self._timetable(line, kind, body)
        if kind == "election-opened":
            self.opened = body
        elif kind == "election-closed":
            self.closed = (line, body)
        elif kind == "tally":
            self.tally_event, self.tally_line, self.tally_hash = body, line, digest
        elif kind == "decryption":
            self.decryption_events.append((line, body))
        elif kind == "mix":
            self.mix_lines.append((line, digest))
        elif kind == "mix-decryption":
            self.mix_decryption_lines.append((line, digest))
        elif kind == "result":
            self.result_event = body
        elif kind == "papers-issued":
            self.postal.issued(line, body, self.fingerprint)
        elif kind in PAPER_EVENTS:
            item = self.postal.item(line, kind, body)
            if item is not None:
                self.bodies[line] = body
            return item
        else:
            postal = self.manifest.postal
            if postal is not None and postal.channels == "postal":
                self.report.ran("precedence")
                self.report.fail("precedence", where, f"{kind} in a ballot that is postal only")
            return self._ballot_item(line, kind, body, raw)
        return None

    def _timetable(self, line: int, kind: str, body: dict[str, Any]) -> None:
        """opens <= opened_at; opened_at <= each ballot's time < closes, in order;
        closes <= closed_at."""
        report, where = self.report, f"board.jsonl:{line}"
        if kind == "election-opened":
            report.ran("timetable")
            at = parse_time(body["opened_at"])
            self._opened_at = at
            if at is None or not self._opens <= at < self._closes:
                report.fail(
                    "timetable", where, f"opened at {body['opened_at']}, outside the voting time"
                )
        elif kind in _VOTING or kind == "papers-issued":
            report.ran("timetable")
            at = parse_time(body["at"])
            assert at is not None  # event-format checked it
            if self._opened_at is None or at < self._opened_at or at >= self._closes:
                report.fail(
                    "timetable", where, f"ballot taken at {body['at']}, not while voting was open"
                )
            elif self._last is not None and at < self._last:
                report.fail(
                    "timetable", where, f"ballot time {body['at']} is before the one above it"
                )
            self._last = at if self._last is None else max(self._last, at)
        elif kind == "election-closed":
            report.ran("timetable")
            at = parse_time(body["closed_at"])
            assert at is not None
            if at < self._closes or (self._last is not None and at < self._last):
                report.fail(
                    "timetable", where, f"closed at {body['closed_at']}, before the closing time"
                )
            self._last = at
        elif kind == "paper-audit":
            report.ran("timetable")
            at = parse_time(body["at"])
            assert at is not None
            if self._last is None or at < self._last:
                report.fail("timetable", where, f"audit at {body['at']}, before the close")

    def _ballot_item(
        self, line: int, kind: str, body: dict[str, Any], raw: bytes | None
    ) -> BallotItem | None:
        if kind == "ballot-audited":
            self.claims[line] = (body["tracker"], None, kind, "audit")
            return line, kind, canonical.dumps(body["contests"]), canonical.dumps(body["reveal"])
        if kind == "ballot-accepted":
            self.claims[line] = (body["tracker"], body["supersedes"], kind, "cast")
            cut = None if raw is None else _cast_ballot_bytes(raw, body["at"])
            return line, kind, cut or canonical.dumps(body["ballot"]), None
        if body["ballot"] is None:  # malformed, as event-format made sure: nothing to re-check
            self.report.ran("refusal")
            return None
        self.claims[line] = (body["tracker"], body["reason"], kind, body["request"])
        audit = body["audit"]
        request = None if audit is None else canonical.dumps(audit)
        return line, kind, canonical.dumps(body["ballot"]), request

    # Worker findings, in board order ------------------------------------------

    def ballot(self, found: BallotCheck | PaperCheck) -> None:
        if isinstance(found, PaperCheck):
            body = self.bodies.pop(found.line)
            if found.kind == "paper-accepted":
                self.tallied["postal accepted"] += 1
            elif found.kind == "paper-refused":
                self.tallied[f"postal refused {body['reason']}"] += 1
            stopped = self.postal.found(found, body, self.counted, self.channel)
            if stopped is not None:
                self.uncounted.add(stopped)
            return
        claimed, claim, kind, request = self.claims.pop(found.line)
        if kind == "ballot-accepted":
            self.tallied["online accepted"] += 1
        elif kind == "ballot-refused":
            self.tallied[f"online refused {claim}"] += 1
        if kind == "ballot-audited":
            self._audited(found, claimed)
            return
        report = self.report
        trk = found.tracker.hex() if found.tracker else None
        where = f"board.jsonl:{found.line}" + (f" tracker {trk}" if trk else "")
        if kind == "ballot-refused":
            self._refusal(found, claim, request, where)
        else:
            problems = {check for check, _ in found.problems}
            ran = ("ballot-format",) if "ballot-format" in problems else _BALLOT_CHECKS
            for check in ran:
                report.ran(check)
            for check, detail in found.problems:
                report.fail(check, where, detail)
            if "ballot-proof" in problems or trk is None:
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
        else:
            report.ran("ballot-entitlement")
            if found.contests != self._entitled.get(constituency):
                report.fail("ballot-entitlement", where, f"contests {list(found.contests)}")
        self._revote(found, claim, where)

    def _audited(self, found: BallotCheck, claimed: str) -> None:
        """An audited ballot: it opens to a valid vote, of some constituency's contests, once."""
        report = self.report
        where = f"board.jsonl:{found.line} tracker {claimed}"
        problems = {check for check, _ in found.problems}
        report.ran("ballot-format")
        if "ballot-format" not in problems:
            report.ran("audit")
            report.ran("ballot-entitlement")
            if found.contests not in self._entitled.values():
                report.fail(
                    "ballot-entitlement",
                    where,
                    f"no constituency has contests {list(found.contests)}",
                )
        for check, detail in found.problems:
            report.fail(check, where, detail)
        report.ran("ballot-duplicate")
        tracker = bytes.fromhex(claimed)
        if tracker in self.seen:
            report.fail("ballot-duplicate", where, "an audit of a ballot already on the board")
        self.seen.add(tracker)

    def _revote(self, found: BallotCheck, supersedes: Any, where: str) -> None:
        assert found.credential is not None and found.tracker is not None
        report = self.report
        report.ran("revote")
        previous = self.counted.get(found.credential)
        if previous is not None and found.credential in self.channel:  # a paper counts
            report.ran("precedence")
            reason = cross_channel(self.manifest, "online", "postal")
            if reason is not None:
                report.fail("precedence", where, f"accepted, but {reason!r} applies")
                self.uncounted.add(found.line)
                return
            if supersedes != previous[1]:
                report.fail("precedence", where, f"should supersede {previous[1]}")
            self.uncounted.add(previous[0])
            self.counted[found.credential] = (found.line, found.tracker.hex())
            del self.channel[found.credential]
            return
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

    def _expected_reason(self, found: BallotCheck, request: str) -> str | None:
        """The first reason of record.md §5.4 that applies to this submission, or None."""
        problems = {check for check, _ in found.problems}
        for check, reason in _FORMAT_REASONS:
            if check in problems:
                return reason
        constituency = self.credentials.get(found.credential or b"")
        if constituency is None:
            return "unknown-credential"
        if found.contests != self._entitled.get(constituency):
            return "not-entitled"
        if found.tracker in self.seen:
            return "replay"
        if request == "cast":
            if found.credential in self.channel:  # the member's paper counts
                return cross_channel(self.manifest, "online", "postal")
            if found.credential in self.counted and self.manifest.revote != "last":
                return "first-counts" if self.manifest.revote == "first" else "revote-forbidden"
            return None
        if "audit-request" in problems:  # not the member's request: nothing justifies it
            return None
        return "bad-audit" if "audit" in problems else None

    def _refusal(self, found: BallotCheck, reason: Any, request: Any, where: str) -> None:
        self.report.ran("refusal")
        expected = self._expected_reason(found, request)
        if expected != reason:
            why = (
                "nothing applies"
                if expected is None
                else f"the first reason that applies is {expected!r}"
            )
            self.report.fail("refusal", where, f"refused as {reason!r}, but {why}")

    # After the board --------------------------------------------------------

    def finish(self) -> None:
        report = self.report
        self.postal.finish()
        report.ran("closed")
        if self.closed is None:
            report.fail("closed", "board.jsonl", "the election was never closed")
            return
        line, body = self.closed
        if body["events"] != line - 1 or body["counted"] != len(self.counted):
            report.fail(
                "closed",
                f"board.jsonl:{line}",
                f"says {body['events']!r} events and {body['counted']!r} counted; "
                f"found {line - 1} and {len(self.counted)}",
            )

    def channel_figures(self) -> dict[str, Any] | None:
        """Per channel (postal.md §7.2): papers issued, replacements, voided, returned,
        counted, refused by reason, superseded, audited; online ballots accepted, counted,
        refused by reason, superseded. None for an online-only ballot."""
        ledger = self.postal.ledger
        if self.manifest.postal is None or ledger is None:
            return None
        postal_counted = sum(1 for c in self.counted if c in self.channel)
        online_counted = len(self.counted) - postal_counted
        t = self.tallied

        def refused(channel: str) -> dict[str, int]:
            prefix = f"{channel} refused "
            return {k[len(prefix) :]: n for k, n in sorted(t.items()) if k.startswith(prefix)}

        first = ledger.statement["papers"] if ledger.statement else 0
        return {
            "postal": {
                "papers_issued": first,
                "replacements": len(ledger.papers) - first,
                "voided": len(ledger.voided),
                "returned": len(ledger.returned),
                "counted": postal_counted,
                "refused": refused("postal"),
                "superseded": t["postal accepted"] - postal_counted,
                "audited": len(self.postal.audited),
            },
            "online": {
                "accepted": t["online accepted"],
                "counted": online_counted,
                "refused": refused("online"),
                "superseded": t["online accepted"] - online_counted,
            },
        }

    def uncounted_lines(self) -> set[int]:
        return self.uncounted - self.unaggregated

    def counted_total(self) -> int:
        return len(self.counted)


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON, types included: true is not 1 (canonical bytes compared)."""
    return canonical.dumps(a) == canonical.dumps(b)


def compare_result(report: Report, expected: dict[str, Any], published: Any) -> None:
    """Name each way the declared result differs from the recomputed one, types included."""
    if not isinstance(published, dict):
        report.ran("result-counts")
        report.fail("result-counts", "board.jsonl", "no result event")
        return
    top = {"electorate": "electorate", "ballots_counted": "turnout", "turnout": "turnout"}
    for key, check in top.items():
        report.ran(check)
        if not _same(published.get(key), expected[key]):
            report.fail(
                check,
                f"result.{key}",
                f"declared {published.get(key)!r}, recomputed {expected[key]!r}",
            )
    theirs = published.get("contests")
    if not isinstance(theirs, list) or len(theirs) != len(expected["contests"]):
        report.ran("result-counts")
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
            if not _same(other.get(key), mine[key]):
                report.fail(
                    check,
                    f"contest {mine['id']}.{key}",
                    f"declared {other.get(key)!r}, recomputed {mine[key]!r}",
                )
        if "count" in mine:
            _compare_count(report, mine, other)
        extra = set(other) - set(fields) - ({"count", "sheet"} if "count" in mine else set())
        if extra:
            report.fail("result-counts", f"contest {mine['id']}", f"unexpected {sorted(extra)}")


def _compare_count(report: Report, mine: dict[str, Any], other: dict[str, Any]) -> None:
    """A ranked contest's count and sheet against the recount: the first stage that differs
    is named (ranked.md §6)."""
    report.ran("ranked-count")
    where = f"contest {mine['id']}"
    theirs = other.get("count")
    if _same(theirs, mine["count"]):
        if not _same(other.get("sheet"), mine["sheet"]):
            report.fail("ranked-count", f"{where}.sheet", "is not the sheet of the count")
        return
    if not isinstance(theirs, dict):
        report.fail("ranked-count", f"{where}.count", "missing or not an object")
        return
    rounds = theirs.get("rounds")
    for stage, expected in enumerate(mine["count"]["rounds"], 1):
        found = rounds[stage - 1] if isinstance(rounds, list) and len(rounds) >= stage else None
        if not _same(found, expected):
            report.fail(
                "ranked-count",
                f"{where}.count stage {stage}",
                f"declared {found!r}, recounted {expected!r}",
            )
            return
    keys = sorted(k for k in mine["count"] if not _same(theirs.get(k), mine["count"][k]))
    report.fail("ranked-count", f"{where}.count", f"declared {keys} differ from the recount")


def _cast_ballot_bytes(raw: bytes, at: str) -> bytes | None:
    """The ballot's bytes in the canonical line ``raw`` of a ``ballot-accepted`` event whose
    time is ``at``: the canonical form of a part of a canonical value is the part's bytes
    there, between the body's ``at`` and its ``supersedes`` (the line's last such key:
    what follows the ballot is hex, an integer and the type). None if the line does not
    begin as that event's canonical form does."""
    start = b'{"body":{"at":"' + at.encode() + b'","ballot":'
    end = raw.rfind(b',"supersedes":')
    if end <= len(start) or not raw.startswith(start):
        return None
    return raw[len(start) : end]
