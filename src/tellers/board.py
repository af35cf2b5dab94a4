"""The bulletin board: an append-only, hash-chained event log (record.md §5).

Each event is one line of canonical JSON ``{"body", "prev", "seq", "type"}``;
``prev`` is the hash of the line before (32 zero bytes for the first) and an
event's hash is ``H("tellers/v1/board-event"; line bytes)``. The log is the
record's ``board.jsonl``, so what the board accepted is exactly what the
verifier re-checks.

Durability: ``cast`` writes a whole batch, flushes and fsyncs, and only then
returns the receipts — an accepted ballot is on disk before anyone is told.
A line cut short by a crash was never acknowledged and is dropped when the
board is reopened.

Every submission leaves an event: ``ballot-accepted`` (counted unless a later
one supersedes it under the ``last`` policy), ``ballot-refused`` with a
reason code, or ``ballot-audited``. The rules are ``board_rules`` (and are
re-exported here): the pure checking step (``check_submission``) can run in
worker processes; the policy step runs in order in this process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from tellers import canonical
from tellers.ballot import Ballot, tracker
from tellers.board_rules import (
    REASONS,
    ElectionContext,
    Verdict,
    audit_request_message,
    check_audit_request,
    check_submission,
    decide,
    decide_audit,
    read_submission,
    unreadable,
    voting_time,
)
from tellers.crypto.hashing import hash_fields
from tellers.errors import BallotRejected, EncodingError, RecordError
from tellers.postal.ledger import POSTAL_REASONS, PaperLedger
from tellers.postal.messages import papers_hash, read_papers
from tellers.postal.returns import ReturnCheck, check_return
from tellers.record.v2 import ballot_from_json

__all__ = [
    "GENESIS",
    "REASONS",
    "Board",
    "ElectionContext",
    "Event",
    "Receipt",
    "Verdict",
    "audit_request_message",
    "check_audit_request",
    "check_submission",
    "decide",
    "decide_audit",
    "event_hash",
    "event_line",
    "read_events",
    "read_submission",
    "receipt",
    "unreadable",
    "utc_now",
    "voting_time",
]

GENESIS = bytes(32)
_BALLOT_EVENTS = ("ballot-accepted", "ballot-refused", "ballot-audited")
PAPERS_FILE = "papers.jsonl"


def utc_now() -> str:
    """The board's clock: the time now, in UTC, as ISO 8601 with microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def event_line(seq: int, prev: bytes, kind: str, body: Any) -> bytes:
    return canonical.dumps({"seq": seq, "prev": prev.hex(), "type": kind, "body": body})


def event_hash(line: bytes) -> bytes:
    return hash_fields("tellers/v1/board-event", [line])


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    type: str
    body: Any
    line: bytes
    hash: bytes


@dataclass(frozen=True, slots=True)
class Receipt:
    accepted: bool
    tracker: str | None
    reason: str | None
    detail: str
    seq: int
    supersedes: str | None = None


def receipt(event: Event) -> Receipt:
    """What the member is told about the event their submission became."""
    body = event.body
    if event.type in ("ballot-refused", "paper-refused"):
        return Receipt(False, body["tracker"], body["reason"], body["detail"], event.seq)
    return Receipt(True, body["tracker"], None, "", event.seq, body.get("supersedes"))


class Board:
    """A board over one election's log file; not thread-safe (one writer)."""

    def __init__(
        self,
        path: Path,
        context: ElectionContext,
        credentials: Mapping[bytes, str],
        *,
        fsync: bool = True,
        clock: Callable[[], str] = utc_now,
    ) -> None:
        self.path = path
        self.context = context
        self.credentials = credentials
        self.fsync = fsync
        self.clock = clock
        """The board's time stamps (ISO 8601 with offset); a simulation passes its own."""
        self.opened_at: str | None = None
        self.seq = 0
        self.head = GENESIS
        self.counted: dict[bytes, bytes] = {}
        """credential -> tracker of its counted ballot."""
        self.channel: dict[bytes, str] = {}
        """credential -> channel of its counted ballot, where it is a paper (postal.md §5.5)."""
        self.trackers: set[bytes] = set()
        self.closed = False
        self.papers: PaperLedger | None = None
        if context.manifest.postal is not None:
            self.papers = PaperLedger(context.manifest, context.fingerprint)
        if path.exists():
            self._replay()
        self._file: BinaryIO = open(path, "ab")  # noqa: SIM115 - held for the board's life

    def close_file(self) -> None:
        self._file.close()

    # Writing -------------------------------------------------------------

    def append(self, kind: str, body: Any) -> Event:
        """Append one event durably (used for opened, closed, tally, shares, result)."""
        if kind == "election-opened":
            self.opened_at = body["opened_at"]
        return self._append_many([(kind, body)])[0]

    def _append_many(self, events: Iterable[tuple[str, Any]]) -> list[Event]:
        written: list[Event] = []
        chunks: list[bytes] = []
        for kind, body in events:
            line = event_line(self.seq, self.head, kind, body)
            digest = event_hash(line)
            written.append(Event(self.seq, kind, body, line, digest))
            chunks.append(line + b"\n")
            self.seq += 1
            self.head = digest
        self._file.write(b"".join(chunks))
        self._file.flush()
        if self.fsync:
            os.fsync(self._file.fileno())
        return written

    def cast(
        self,
        submissions: list[bytes],
        mapper: Callable[[Callable[[bytes], Verdict], list[bytes]], Iterable[Verdict]]
        | None = None,
    ) -> list[Receipt]:
        """Check a batch, apply the re-voting policy in order, write, fsync, then answer.

        ``mapper`` runs the pure checks (e.g. a process pool's ``map`` over
        ``functools.partial(check_submission, context)``); by default, here.
        ``BallotRejected("not-open")``, writing nothing, outside the voting time.
        """
        if self.closed:
            raise BallotRejected("not-open", "the election is closed; no more ballots are taken")
        postal = self.context.manifest.postal
        if postal is not None and postal.channels == "postal":
            raise BallotRejected("not-open", "this ballot is postal only: no ballot is cast online")
        if mapper is None:
            verdicts = [check_submission(self.context, raw) for raw in submissions]
        else:
            verdicts = list(mapper(_Checker(self.context), submissions))
        pending: list[tuple[str, Any]] = []
        for verdict in verdicts:
            credential = verdict.credential
            at = self.clock()
            voting_time(self.context.manifest, self.opened_at, at)
            kind, body = decide(
                self.context.manifest,
                verdict,
                constituency=None if credential is None else self.credentials.get(credential),
                seen=verdict.tracker in self.trackers,
                counted=None if credential is None else self.counted.get(credential),
                at=at,
                counted_channel="online"
                if credential is None
                else self.channel.get(credential, "online"),
            )
            if verdict.tracker is not None:
                self.trackers.add(verdict.tracker)
            if kind == "ballot-accepted":
                assert credential is not None and verdict.tracker is not None
                self.counted[credential] = verdict.tracker
                self.channel.pop(credential, None)
            pending.append((kind, body))
        return [receipt(event) for event in self._append_many(pending)]

    def audit(self, raw_ballot: bytes, raw_reveal: bytes, signature: bytes) -> Receipt:
        """Publish an audited ballot with its reveal; it is never counted.

        ``signature``: the credential's BIP340 signature of ``audit_request_message``.
        """
        if self.closed:
            raise BallotRejected("not-open", "the election is closed; no more ballots are taken")
        verdict, reveal = check_audit_request(
            check_submission(self.context, raw_ballot), raw_reveal, signature
        )
        credential = verdict.credential
        at = self.clock()
        voting_time(self.context.manifest, self.opened_at, at)
        kind, body = decide_audit(
            self.context,
            verdict,
            reveal,
            signature,
            constituency=None if credential is None else self.credentials.get(credential),
            seen=verdict.tracker in self.trackers,
            at=at,
        )
        if verdict.tracker is not None:
            self.trackers.add(verdict.tracker)  # an audited ballot can never be cast
        return receipt(self.append(kind, body))

    # The postal channel (postal.md §5) ----------------------------------------------

    def _ledger(self) -> PaperLedger:
        if self.papers is None:
            raise BallotRejected("not-postal", "this ballot has no postal channel")
        return self.papers

    def issue_papers(self, statement: dict[str, Any]) -> Event:
        """Publish the print authority's statement of ``papers.jsonl`` (beside the board),
        after ``election-opened`` and before any ballot (postal.md §5.1)."""
        ledger = self._ledger()
        if ledger.statement is not None or self.seq != 1:
            raise BallotRejected("out-of-order", "the paper list comes right after the opening")
        path = self.path.parent / PAPERS_FILE
        ledger.take_list(statement, list(read_papers(path)), papers_hash(path))
        assert self.opened_at is not None
        return self.append("papers-issued", {"at": self.opened_at, "statement": statement})

    def _now(self) -> str:
        if self.closed:
            raise BallotRejected("not-open", "the election is closed")
        at = self.clock()
        voting_time(self.context.manifest, self.opened_at, at)
        return at

    def void_paper(self, message: dict[str, Any]) -> Event:
        """Void a paper (non-receipt, spoilt, lost) on the print authority's signed word."""
        ledger = self._ledger()
        at = self._now()
        ledger.void(message)
        return self.append("paper-voided", {"at": at, "message": message})

    def replace_paper(self, message: dict[str, Any]) -> Event:
        """Issue the next paper of the series in place of a voided one."""
        ledger = self._ledger()
        at = self._now()
        ledger.replace(message, at)
        return self.append("paper-issued", {"at": at, "message": message})

    def check_return(self, obj: Any) -> ReturnCheck:
        """The checks of a return that need only the paper list (pure; postal.md §5.4)."""
        ledger = self._ledger()
        number = obj.get("number") if isinstance(obj, dict) else None
        entry = ledger.holder(number) if type(number) is int else None
        constituency = None if entry is None else self.credentials.get(entry.credential)
        assert ledger.opening_house is not None
        return check_return(
            self.context.manifest,
            self.context.fingerprint,
            self.context.election_key,
            obj,
            entry,
            constituency,
            ledger.opening_house,
        )

    def return_paper(self, obj: Any, found: ReturnCheck | None = None) -> Receipt:
        """Record one returned paper signed by the opening house: counted, or refused with
        its reason (postal.md §5.4). ``found``: ``check_return(obj)`` made elsewhere."""
        ledger = self._ledger()
        at = self._now()
        if ledger.statement is None:
            raise BallotRejected("out-of-order", "no paper list is on the board")
        found = self.check_return(obj) if found is None else found
        entry = None if found.number is None else ledger.holder(found.number)
        credential = None if entry is None else entry.credential
        counted = None if credential is None else self.counted.get(credential)
        channel = None if counted is None else self.channel.get(credential or b"", "online")
        reason, detail = ledger.board_reason(found, channel)
        ledger.record_return(found.number, reason, bool(found.contests))
        trk = None if found.tracker is None else found.tracker.hex()
        if reason is not None:
            kept = None if reason == "malformed" else obj
            body = {"at": at, "detail": detail[:500] or POSTAL_REASONS[reason], "reason": reason,
                    "return": kept, "tracker": None if kept is None else trk}  # fmt: skip
            return receipt(self.append("paper-refused", body))
        assert credential is not None and found.tracker is not None
        self.counted[credential] = found.tracker
        self.channel[credential] = "postal"
        body = {"at": at, "return": obj, "supersedes": None if counted is None else counted.hex(),
                "tracker": trk}  # fmt: skip
        return receipt(self.append("paper-accepted", body))

    def audit_papers(self, messages: Iterable[dict[str, Any]], at: str) -> list[Event]:
        """After the close: the print authority's seeds of the papers whose marks are not on
        the board (postal.md §6)."""
        ledger = self._ledger()
        if not self.closed:
            raise BallotRejected("out-of-order", "unused papers are audited after the close")
        events = []
        for message in messages:
            problem = ledger.audit_problem(message)
            if problem is not None:
                raise BallotRejected("malformed", problem)
            events.append(self.append("paper-audit", {"at": at, "message": message}))
        return events

    def close(self, closed_at: str) -> Event:
        event = self.append(
            "election-closed",
            {"closed_at": closed_at, "events": self.seq, "counted": len(self.counted)},
        )
        self.closed = True
        return event

    def counted_ballots(self) -> Iterator[Ballot]:
        """The ballots that count, read back from the log (streamed)."""
        wanted = set(self.counted.values())
        for event in read_events(self.path):
            if event.type == "ballot-accepted":
                ballot = ballot_from_json(event.body["ballot"])
                if tracker(ballot) in wanted:
                    yield ballot

    # Reopening -------------------------------------------------------------

    def _replay(self) -> None:
        with open(self.path, "rb+") as handle:
            data = handle.read()
            cut = data.rfind(b"\n") + 1
            if cut != len(data):  # an unacknowledged, half-written line
                handle.truncate(cut)
        for event in read_events(self.path):
            self.seq, self.head = event.seq + 1, event.hash
            body = event.body
            if event.type in _BALLOT_EVENTS and body.get("tracker"):
                self.trackers.add(bytes.fromhex(body["tracker"]))
            if event.type == "ballot-accepted":
                credential = bytes.fromhex(body["ballot"]["credential"])
                self.counted[credential] = bytes.fromhex(body["tracker"])
                self.channel.pop(credential, None)
            elif event.type.startswith("paper"):
                self._replay_paper(event)
            elif event.type == "election-opened":
                self.opened_at = body["opened_at"]
            elif event.type == "election-closed":
                self.closed = True

    def _replay_paper(self, event: Event) -> None:
        ledger, body = self._ledger(), event.body
        if event.type == "papers-issued":
            path = self.path.parent / PAPERS_FILE
            ledger.take_list(body["statement"], list(read_papers(path)), papers_hash(path))
        elif event.type == "paper-voided":
            ledger.voided.add(body["message"]["number"])
        elif event.type == "paper-issued":
            ledger.replace(body["message"], body["at"])
        elif event.type in ("paper-accepted", "paper-refused") and body["return"] is not None:
            # The board checked it when it took it: what it left in the ledger is on its face.
            reason = None if event.type == "paper-accepted" else body["reason"]
            kept = body["return"]
            ledger.record_return(kept["number"], reason, bool(kept["contests"]))
            if reason is None:
                entry = ledger.holder(body["return"]["number"])
                assert entry is not None
                self.counted[entry.credential] = bytes.fromhex(body["tracker"])
                self.channel[entry.credential] = "postal"


class _Checker:
    """A picklable ``check_submission`` bound to one election."""

    def __init__(self, context: ElectionContext) -> None:
        self.context = context

    def __call__(self, raw: bytes) -> Verdict:
        return check_submission(self.context, raw)


def read_events(path: Path) -> Iterator[Event]:
    """Stream a board file, checking sequence and chain; ``RecordError`` names the line."""
    prev = GENESIS
    name = str(path)
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):
                raise RecordError(name, number, "truncated line (no newline at the end)")
            line = raw[:-1]
            try:
                obj = canonical.loads(line, f"{name}:{number}")
            except EncodingError as exc:
                raise RecordError(name, number, exc.problem) from None
            if not isinstance(obj, dict) or set(obj) != {"seq", "prev", "type", "body"}:
                raise RecordError(name, number, "expected an object with seq, prev, type, body")
            if canonical.dumps(obj) != line:
                raise RecordError(name, number, "the line is not in canonical JSON form")
            if obj["seq"] != number - 1:
                raise RecordError(name, number, f"expected seq {number - 1}, found {obj['seq']}")
            if obj["prev"] != prev.hex():
                raise RecordError(name, number, "prev does not match the hash of the line before")
            digest = event_hash(line)
            yield Event(obj["seq"], obj["type"], obj["body"], line, digest)
            prev = digest
