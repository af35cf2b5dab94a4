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
reason code, or ``ballot-audited``. The pure checking step
(``check_submission``) can run in worker processes; the policy step runs in
order in this process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from tellers import canonical
from tellers.ballot import (
    Ballot,
    check_audit,
    check_ballot_proofs,
    check_ballot_signature,
    tracker,
)
from tellers.crypto.group import Point
from tellers.crypto.hashing import hash_fields
from tellers.election.manifest import Manifest
from tellers.errors import (
    EncodingError,
    InvalidProof,
    InvalidSignature,
    ManifestError,
    RecordError,
)
from tellers.record.v1 import ballot_from_json, ballot_to_json, reveal_from_json

__all__ = [
    "GENESIS",
    "REASONS",
    "Board",
    "ElectionContext",
    "Event",
    "Receipt",
    "Verdict",
    "check_submission",
    "decide",
    "decide_audit",
    "event_hash",
    "event_line",
    "read_events",
    "receipt",
]

GENESIS = bytes(32)
_BALLOT_EVENTS = ("ballot-accepted", "ballot-refused", "ballot-audited")
REASONS = {
    "malformed": "the ballot could not be read",
    "wrong-election": "the ballot is for another election",
    "unknown-credential": "the credential is not on the published list",
    "not-entitled": "the ballot's contests do not match the member's entitlement",
    "bad-signature": "the credential signature does not verify",
    "bad-proof": "a proof in the ballot does not verify",
    "replay": "this exact ballot is already on the board",
    "revote-forbidden": "a ballot from this credential is already on the board",
    "first-counts": "a ballot from this credential is already counted; the first counts",
    "bad-audit": "the audit does not open the ballot",
}


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
class ElectionContext:
    """What checking a ballot needs; small enough to send to worker processes."""

    manifest: Manifest
    fingerprint: bytes
    election_key: Point


@dataclass(frozen=True, slots=True)
class Verdict:
    """The result of the pure checks on one submission."""

    reason: str | None
    """None when signature and proofs hold."""
    detail: str
    ballot_json: Any
    credential: bytes | None
    tracker: bytes | None
    contests: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Receipt:
    accepted: bool
    tracker: str | None
    reason: str | None
    detail: str
    seq: int
    supersedes: str | None = None


def check_submission(context: ElectionContext, raw: bytes) -> Verdict:
    """Parse and check one submitted ballot; never raises for bad input."""
    try:
        obj = canonical.loads(raw, "ballot")
        ballot = ballot_from_json(obj)
    except (EncodingError, ValueError) as exc:
        return Verdict("malformed", str(exc), None, None, None, ())
    ids = tuple(c.contest_id for c in ballot.contests)
    base = (ballot_to_json(ballot), ballot.credential, tracker(ballot), ids)
    if ballot.fingerprint != context.fingerprint:
        return Verdict("wrong-election", "the ballot names another election fingerprint", *base)
    try:
        check_ballot_signature(ballot)
    except InvalidSignature as exc:
        return Verdict("bad-signature", str(exc), *base)
    try:
        check_ballot_proofs(context.manifest, context.fingerprint, context.election_key, ballot)
    except (InvalidProof, ManifestError, EncodingError) as exc:
        return Verdict("bad-proof", str(exc), *base)
    return Verdict(None, "", *base)


def decide(
    manifest: Manifest,
    verdict: Verdict,
    *,
    constituency: str | None,
    seen: bool,
    counted: bytes | None,
) -> tuple[str, Any]:
    """The event a checked submission becomes under the board's rules (record.md §5.2).

    ``constituency``: the credential's, from the published list (None when it
    is not on the list); ``seen``: the tracker is already on the board;
    ``counted``: the tracker of the credential's counted ballot, if any.
    Returns (event type, body). Pure, so that any store of the board (this
    file, the web service's database under its lock) applies the same rules.
    """
    reason, detail = verdict.reason, verdict.detail
    trk = verdict.tracker.hex() if verdict.tracker else None
    if reason is None:
        entitled = tuple(manifest.contests[i].id for i in manifest.contests_for(constituency or ""))
        if constituency is None:
            reason, detail = "unknown-credential", REASONS["unknown-credential"]
        elif verdict.contests != entitled:
            reason, detail = "not-entitled", f"expected contests {list(entitled)}"
        elif seen:
            reason, detail = "replay", REASONS["replay"]
        elif counted is not None and manifest.revote != "last":
            reason = "first-counts" if manifest.revote == "first" else "revote-forbidden"
            detail = REASONS[reason]
    if reason is not None:
        body = {"reason": reason, "detail": detail, "tracker": trk, "ballot": verdict.ballot_json}
        return "ballot-refused", body
    supersedes = counted.hex() if counted is not None else None
    return "ballot-accepted", {
        "ballot": verdict.ballot_json,
        "tracker": trk,
        "supersedes": supersedes,
    }


def decide_audit(
    context: ElectionContext, verdict: Verdict, raw_reveal: bytes, *, on_list: bool
) -> tuple[str, Any]:
    """The event an audit request becomes: ``ballot-audited``, or refused (record.md §5.3)."""
    reason, detail = verdict.reason, verdict.detail
    if reason is None and not on_list:
        reason, detail = "unknown-credential", REASONS["unknown-credential"]
    reveal_json: Any = None
    if reason is None:
        try:
            reveal_json = canonical.loads(raw_reveal, "reveal")
            ballot = ballot_from_json(verdict.ballot_json)
            check_audit(
                context.manifest, context.election_key, ballot, reveal_from_json(reveal_json)
            )
        except (EncodingError, InvalidProof, ManifestError) as exc:
            reason, detail = "bad-audit", str(exc)
    trk = verdict.tracker.hex() if verdict.tracker else None
    if reason is not None:
        body = {"reason": reason, "detail": detail, "tracker": trk, "ballot": verdict.ballot_json}
        return "ballot-refused", body
    return "ballot-audited", {"ballot": verdict.ballot_json, "tracker": trk, "reveal": reveal_json}


def receipt(event: Event) -> Receipt:
    """What the member is told about the event their submission became."""
    body = event.body
    if event.type == "ballot-refused":
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
    ) -> None:
        self.path = path
        self.context = context
        self.credentials = credentials
        self.fsync = fsync
        self.seq = 0
        self.head = GENESIS
        self.counted: dict[bytes, bytes] = {}
        """credential -> tracker of its counted ballot."""
        self.trackers: set[bytes] = set()
        self.closed = False
        if path.exists():
            self._replay()
        self._file: BinaryIO = open(path, "ab")  # noqa: SIM115 - held for the board's life

    def close_file(self) -> None:
        self._file.close()

    # Writing -------------------------------------------------------------

    def append(self, kind: str, body: Any) -> Event:
        """Append one event durably (used for opened, closed, tally, shares, result)."""
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
        """
        if self.closed:
            raise ValueError("the election is closed; no more ballots are taken")
        if mapper is None:
            verdicts = [check_submission(self.context, raw) for raw in submissions]
        else:
            verdicts = list(mapper(_Checker(self.context), submissions))
        pending: list[tuple[str, Any]] = []
        for verdict in verdicts:
            credential = verdict.credential
            kind, body = decide(
                self.context.manifest,
                verdict,
                constituency=None if credential is None else self.credentials.get(credential),
                seen=verdict.tracker in self.trackers,
                counted=None if credential is None else self.counted.get(credential),
            )
            if verdict.tracker is not None:
                self.trackers.add(verdict.tracker)
            if kind == "ballot-accepted":
                assert credential is not None and verdict.tracker is not None
                self.counted[credential] = verdict.tracker
            pending.append((kind, body))
        return [receipt(event) for event in self._append_many(pending)]

    def audit(self, raw_ballot: bytes, raw_reveal: bytes) -> Receipt:
        """Publish an audited ballot with its reveal; it is never counted."""
        verdict = check_submission(self.context, raw_ballot)
        credential = verdict.credential
        kind, body = decide_audit(
            self.context,
            verdict,
            raw_reveal,
            on_list=credential is not None and credential in self.credentials,
        )
        if verdict.tracker is not None:
            self.trackers.add(verdict.tracker)  # an audited ballot can never be cast
        return receipt(self.append(kind, body))

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
            elif event.type == "election-closed":
                self.closed = True


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
