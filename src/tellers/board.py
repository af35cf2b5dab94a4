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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from tellers import canonical
from tellers.ballot import (
    Ballot,
    audited_form,
    check_audit,
    check_ballot_proofs,
    check_ballot_signature,
    tracker,
)
from tellers.crypto.group import Point, bip340_verify
from tellers.crypto.hashing import hash_fields
from tellers.election.manifest import Manifest
from tellers.errors import (
    BallotRejected,
    EncodingError,
    InvalidProof,
    InvalidSignature,
    ManifestError,
    RecordError,
)
from tellers.record.v2 import (
    audited_to_json,
    ballot_from_json,
    ballot_to_json,
    reveal_from_json,
)

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
    "receipt",
    "utc_now",
    "voting_time",
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
    "revote-forbidden": "a ballot from this credential is already counted; one vote only",
    "first-counts": "a ballot from this credential is already counted; the first counts",
    "bad-audit": "the audit does not open the ballot",
}


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
    except (EncodingError, ValueError, RecursionError) as exc:
        return Verdict("malformed", str(exc)[:500], None, None, None, ())
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


def voting_time(manifest: Manifest, opened_at: str | None, at: str) -> None:
    """``BallotRejected("not-open")`` unless ``at`` is in [opened_at, closes) (record.md §5.5).

    No event is written: after the closing time the board takes no ballot,
    whatever anyone has or has not pressed.
    """
    when = datetime.fromisoformat(at)
    if opened_at is None or when < datetime.fromisoformat(opened_at):
        raise BallotRejected("not-open", "the election is not open for voting yet")
    if when >= datetime.fromisoformat(manifest.closes):
        raise BallotRejected("not-open", f"voting closed at {manifest.closes}")


def _refused(
    verdict: Verdict, reason: str, detail: str, request: str, at: str, audit: Any = None
) -> tuple[str, Any]:
    trk = verdict.tracker.hex() if verdict.tracker else None
    body = {
        "at": at,
        "audit": audit,
        "ballot": verdict.ballot_json,
        "detail": detail,
        "reason": reason,
        "request": request,
        "tracker": trk,
    }
    return "ballot-refused", body


def _listed(
    manifest: Manifest, verdict: Verdict, constituency: str | None, seen: bool
) -> tuple[str | None, str]:
    """The reasons every submission is checked for after its proofs: list, entitlement, replay."""
    if verdict.reason is not None:
        return verdict.reason, verdict.detail
    if constituency is None:
        return "unknown-credential", REASONS["unknown-credential"]
    entitled = tuple(manifest.contests[i].id for i in manifest.contests_for(constituency))
    if verdict.contests != entitled:
        return "not-entitled", f"expected contests {list(entitled)}"
    if seen:
        return "replay", REASONS["replay"]
    return None, ""


def decide(
    manifest: Manifest,
    verdict: Verdict,
    *,
    constituency: str | None,
    seen: bool,
    counted: bytes | None,
    at: str,
) -> tuple[str, Any]:
    """The event a checked submission becomes under the board's rules (record.md §5.2–5.4).

    ``constituency``: the credential's, from the published list (None when it
    is not on the list); ``seen``: the tracker is already on the board, in any
    event; ``counted``: the tracker of the credential's counted ballot, if
    any; ``at``: the time the board stamps. Returns (event type, body). Pure,
    so that any store of the board (this file, the web service's database
    under its lock) applies the same rules.
    """
    reason, detail = _listed(manifest, verdict, constituency, seen)
    if reason is None and counted is not None and manifest.revote != "last":
        reason = "first-counts" if manifest.revote == "first" else "revote-forbidden"
        detail = REASONS[reason]
    if reason is not None:
        return _refused(verdict, reason, detail, "cast", at)
    assert verdict.tracker is not None
    return "ballot-accepted", {
        "at": at,
        "ballot": verdict.ballot_json,
        "supersedes": None if counted is None else counted.hex(),
        "tracker": verdict.tracker.hex(),
    }


def audit_request_message(tracker: bytes, reveal: Any) -> bytes:
    """What a member signs to ask for an audit: H("tellers/v1/audit-request"; tracker, reveal).

    ``reveal`` is the reveal's JSON value, hashed as its canonical bytes (record.md §4.4).
    """
    return hash_fields("tellers/v1/audit-request", [tracker, canonical.dumps(reveal)])


def check_audit_request(verdict: Verdict, raw_reveal: bytes, signature: bytes) -> Any:
    """The audit request is the member's: its reveal is JSON and the credential signed it.

    Returns the reveal's JSON value. ``BallotRejected`` otherwise, and no event
    is written: a request the credential did not sign is nobody's to record,
    so no cast ballot can be passed off as a failed audit (record.md §5.4).
    An unreadable ballot is not checked here; it is recorded as ``malformed``.
    """
    try:
        reveal = canonical.loads(raw_reveal, "reveal")
    except (EncodingError, RecursionError) as exc:
        raise BallotRejected("malformed", f"the audit's reveal is not JSON ({exc})") from None
    if verdict.credential is None or verdict.tracker is None:
        return reveal
    try:
        bip340_verify(verdict.credential, audit_request_message(verdict.tracker, reveal), signature)
    except InvalidSignature:
        raise BallotRejected(
            "bad-signature", "the audit request is not signed by the ballot's credential"
        ) from None
    return reveal


def decide_audit(
    context: ElectionContext,
    verdict: Verdict,
    reveal_json: Any,
    signature: bytes,
    *,
    constituency: str | None,
    seen: bool,
    at: str,
) -> tuple[str, Any]:
    """The event an audit request becomes: ``ballot-audited``, or refused (record.md §5.3).

    ``reveal_json`` and ``signature`` as ``check_audit_request`` passed them. An
    audit of a ballot already on the board is refused as a ``replay`` and its
    reveal is not published: a cast ballot is never opened. A reveal that does
    not open the ballot is refused as ``bad-audit`` and published with the
    member's signed request, so that anyone can see the member asked and the
    reveal fails. An audited ballot is published as its ciphertexts and the
    reveal, without the credential.
    """
    reason, detail = _listed(context.manifest, verdict, constituency, seen)
    if reason is not None:
        return _refused(verdict, reason, detail, "audit", at)
    try:
        ballot = ballot_from_json(verdict.ballot_json)
        check_audit(context.manifest, context.election_key, ballot, reveal_from_json(reveal_json))
    except (EncodingError, InvalidProof, ManifestError, RecursionError) as exc:
        audit = {"reveal": reveal_json, "signature": signature.hex()}
        return _refused(verdict, "bad-audit", str(exc)[:500], "audit", at, audit)
    assert verdict.tracker is not None
    return "ballot-audited", {
        "at": at,
        "contests": audited_to_json(audited_form(ballot)),
        "reveal": reveal_json,
        "tracker": verdict.tracker.hex(),
    }


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
            )
            if verdict.tracker is not None:
                self.trackers.add(verdict.tracker)
            if kind == "ballot-accepted":
                assert credential is not None and verdict.tracker is not None
                self.counted[credential] = verdict.tracker
            pending.append((kind, body))
        return [receipt(event) for event in self._append_many(pending)]

    def audit(self, raw_ballot: bytes, raw_reveal: bytes, signature: bytes) -> Receipt:
        """Publish an audited ballot with its reveal; it is never counted.

        ``signature``: the credential's BIP340 signature of ``audit_request_message``.
        """
        if self.closed:
            raise BallotRejected("not-open", "the election is closed; no more ballots are taken")
        verdict = check_submission(self.context, raw_ballot)
        reveal = check_audit_request(verdict, raw_reveal, signature)
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
            elif event.type == "election-opened":
                self.opened_at = body["opened_at"]
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
