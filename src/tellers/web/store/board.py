"""The bulletin board in the database, on the core's rules (record.md §5).

An event's line is the core's ``tellers.board.event_line`` (canonical JSON
``{body, prev, seq, type}``) and its hash the core's ``event_hash``, so the
stored chain is byte for byte a record's ``board.jsonl``: ``export_record``
streams the rows out and ``tellers verify`` checks them.

An append locks the election's ``BoardHead`` row (``SELECT ... FOR UPDATE``
on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises writers), computes
the next event from the head, writes both and commits: concurrent appends
neither lose nor duplicate events, and an event is durable before the
caller tells anyone it was accepted. ``(election, seq)`` is unique as a
second guard.

``cast`` and ``audit`` run the expensive, pure ``check_submission``
outside the lock; under it they look up what the rules need (is the
tracker already on the board? which ballot does the credential have
counted?) and apply the core's ``decide`` / ``decide_audit``. Every
submission to an open election leaves an event, accepted or refused with
its reason, exactly as the file board does; an election not open refuses
with ``BallotRejected`` and the board is not touched.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, CharField, Exists, OuterRef, Subquery, Value

from tellers import canonical
from tellers.ballot import Ballot
from tellers.board import (
    ElectionContext,
    Receipt,
    Verdict,
    check_audit_request,
    check_submission,
    decide,
    decide_audit,
    event_hash,
    event_line,
    receipt,
    unreadable,
    voting_time,
)
from tellers.board import Event as CoreEvent
from tellers.election.manifest import Manifest
from tellers.errors import BallotRejected, RecordError
from tellers.postal.returns import return_ballot, return_sums
from tellers.record.store import PAPERS, write_record
from tellers.record.v2 import ballot_from_json
from tellers.web.store import board_sql, steps
from tellers.web.store.board_sql import Looked
from tellers.web.store.context import election_context
from tellers.web.store.models import BoardEvent, BoardHead, CredentialRecord, Election

__all__ = [
    "BALLOT_EVENTS",
    "GENESIS_HASH",
    "append_event",
    "audit",
    "cast",
    "check_chain",
    "close_board",
    "context_for",
    "counted_ballots",
    "counted_count",
    "export_record",
    "line_of",
    "refuse_unreadable",
]

GENESIS_HASH = "00" * 32
BALLOT_EVENTS = ("ballot-accepted", "ballot-refused", "ballot-audited")
_COUNTED = ("ballot-accepted", "paper-accepted")

# What a step under the lock decides: (event type, body, tracker hex or "").
Decision = tuple[str, Any, str]


def line_of(event: BoardEvent) -> bytes:
    """The event's canonical line, as hashed: the stored body spliced in, never re-encoded."""
    return b"".join(
        [
            b'{"body":',
            event.body.encode(),
            b',"prev":"',
            event.prev_hash.encode(),
            b'","seq":',
            str(event.seq).encode(),
            b',"type":',
            canonical.dumps(event.type),
            b"}",
        ]
    )


def _locked_head(election: Election, using: str) -> BoardHead:
    """The election's head row, locked until the transaction ends (made at the first event)."""
    heads = BoardHead.objects.using(using)
    head = heads.select_for_update().filter(election_id=election.pk).first()
    if head is None:  # only before the first event; get_or_create survives a racing creator
        heads.get_or_create(election_id=election.pk, defaults={"head_hash": GENESIS_HASH})
        head = heads.select_for_update().get(election_id=election.pk)
    return head


def _append(
    election: Election,
    step: Callable[[Election, BoardHead], Decision],
    using: str,
    after: Callable[[BoardEvent], None] | None = None,
    looks: Mapping[str, Any] | None = None,
    fields: tuple[str, ...] = (),
) -> BoardEvent:
    """Run ``step`` under the head lock; append the event it decides (nothing if it raises).

    Every statement under the lock costs every waiting submission a round trip, so the
    election is read once, in a statement of its own after the lock is granted (it then
    sees whatever the previous holder committed), with ``looks`` (query expressions,
    e.g. the credential's counted ballot) annotated onto it; ``fields``, when given, are
    the only columns ``step`` reads (a ballot needs the status, not the manifest).
    """
    with transaction.atomic(using=using):
        head = _locked_head(election, using)
        elections = Election.objects.using(using).annotate(**(looks or {}))
        current = (elections.only(*fields) if fields else elections).get(pk=election.pk)
        kind, body, tracker = step(current, head)
        seq = head.length
        line = event_line(seq, bytes.fromhex(head.head_hash), kind, body)
        digest = event_hash(line).hex()
        event = BoardEvent.objects.using(using).create(
            election_id=election.pk,
            seq=seq,
            prev_hash=head.head_hash,
            type=kind,
            body=canonical.dumps(body).decode(),
            hash=digest,
            tracker=tracker,
        )
        head.length = seq + 1
        head.head_hash = digest
        head.save(using=using, update_fields=["length", "head_hash"])
        if after is not None:
            after(event)
    return event


def append_event(
    election: Election,
    type_: str,
    body: Any,
    *,
    tracker: str = "",
    precondition: Callable[[Election], None] | None = None,
    using: str = "default",
) -> BoardEvent:
    """Append one event (opened, closed, tally, decryption, result); ``precondition`` may refuse.

    ``precondition`` runs under the lock with the election as stored; whatever
    it raises leaves the board unchanged.
    """

    def step(current: Election, _: BoardHead) -> Decision:
        if precondition is not None:
            precondition(current)
        return type_, body, tracker

    return _append(election, step, using)


# Ballots ------------------------------------------------------------------------

_contexts: dict[tuple[int, str, str], ElectionContext] = {}
_contexts_lock = threading.Lock()


def context_for(election: Election) -> ElectionContext:
    """The election's checking context, parsed once per process (keyed by key and fingerprint)."""
    key = (election.pk, election.fingerprint, election.election_key)
    with _contexts_lock:
        found = _contexts.get(key)
    if found is None:
        found = election_context(election)
        with _contexts_lock:
            _contexts[key] = found
    return found


_FIELDS = ("status", "opened_at")


def _now(opened_at: datetime | None, manifest: Manifest) -> str:
    """The board's time for this ballot, read under the lock; refused outside the voting time.

    Whatever the officer has or has not pressed, the board takes no ballot
    at or after the manifest's closing time (record.md §5.5).
    """
    at = steps.now().astimezone(UTC).isoformat(timespec="microseconds")
    opened = opened_at.astimezone(UTC).isoformat() if opened_at else None
    voting_time(manifest, opened, at)
    return at


def _require_open(status: str) -> None:
    if status != "open":  # Election.Status.OPEN, as stored
        raise BallotRejected("not-open", f"the election is not open for voting (it is {status})")


def _looks(election: Election, credential: str | None, tracker: str | None) -> dict[str, Any]:
    """What the rules need to know under the lock, as annotations on the one election read.

    ``look_constituency``: the credential's, or None when it is not on the list; ``look_counted``:
    the tracker it has counted, or None, and ``look_channel`` that ballot's channel;
    ``look_seen``: is the tracker already on the board.
    """
    from tellers.web.voter.models import CountedBallot

    looks: dict[str, Any] = {
        "look_constituency": Value(None, CharField()),
        "look_counted": Value(None, CharField()),
        "look_channel": Value(None, CharField()),
        "look_seen": Value(False, BooleanField()),
    }
    if credential is not None:
        mine = {"election_id": OuterRef("pk"), "credential": credential}
        on_list = CredentialRecord.objects.filter(
            election_id=OuterRef("pk"), public_credential=credential
        )
        looks["look_constituency"] = Subquery(on_list.values("constituency")[:1])
        looks["look_counted"] = Subquery(CountedBallot.objects.filter(**mine).values("tracker")[:1])
        looks["look_channel"] = Subquery(CountedBallot.objects.filter(**mine).values("channel")[:1])
    if tracker is not None:
        events = BoardEvent.objects.filter(election_id=OuterRef("pk"), tracker=tracker)
        looks["look_seen"] = Exists(events)
    return looks


def _looked(current: Election) -> Looked:
    """What ``_looks`` annotated on the election read, as ``board_sql`` reads it."""
    found = vars(current)
    seen = bool(found["look_seen"])
    return (
        current.status,
        current.opened_at,
        found["look_constituency"],
        found["look_counted"],
        seen,
        found["look_channel"],
    )


def _submit(
    election: Election,
    credential: bytes | None,
    tracker: bytes | None,
    step: Callable[[Looked], Decision],
    *,
    counts: bool,
    using: str,
) -> BoardEvent:
    """Append the event ``step`` decides from what it looks up under the lock (``Looked``).

    ``counts``: an accepted event becomes the credential's counted ballot in the
    ``CountedBallot`` index, updated under the same lock. On PostgreSQL outside a
    transaction, in two round trips (``board_sql``); otherwise through the ORM.
    """
    from tellers.web.voter.models import CountedBallot

    mine = credential.hex() if credential is not None else None
    looked_for = tracker.hex() if tracker is not None else None
    if board_sql.usable(using):
        made = board_sql.append_submission(
            election.pk, mine, looked_for, step, counts=counts, using=using
        )
        if made is not None:
            return made
    had: list[bool] = []

    def orm_step(current: Election, _: BoardHead) -> Decision:
        looked = _looked(current)
        had.append(looked[3] is not None)
        return step(looked)

    def after(event: BoardEvent) -> None:
        if not counts or event.type != "ballot-accepted":
            return
        assert mine is not None
        # Under the head lock: no other cast can add or change this credential's row meanwhile.
        rows = CountedBallot.objects.using(using)
        if had[-1]:
            rows.filter(election_id=election.pk, credential=mine).update(
                tracker=event.tracker, seq=event.seq, channel="online"
            )
        else:
            rows.create(
                election_id=election.pk, credential=mine, tracker=event.tracker, seq=event.seq
            )

    looks = _looks(election, mine, looked_for)
    return _append(election, orm_step, using, after, looks, _FIELDS)


def _receipt(event: BoardEvent) -> Receipt:
    body = canonical.loads(event.body)
    return receipt(CoreEvent(event.seq, event.type, body, b"", bytes.fromhex(event.hash)))


def cast(election: Election, raw: bytes, *, using: str = "default") -> Receipt:
    """Check and record one submitted ballot; the receipt is sent only once it is durable.

    Raises ``BallotRejected("not-open", ...)``, leaving the board untouched,
    when the election is not open.
    """
    _require_open(election.status)
    context = context_for(election)
    verdict = check_submission(context, raw)  # the expensive part, outside the lock

    def step(looked: Looked) -> Decision:
        status, opened_at, constituency, counted, seen, channel = looked
        _require_open(status)
        kind, body = decide(
            context.manifest,
            verdict,
            constituency=constituency,
            seen=seen,
            counted=None if counted is None else bytes.fromhex(counted),
            at=_now(opened_at, context.manifest),
            counted_channel=channel or "online",  # a returned paper's is postal (postal.md §5.5)
        )
        return kind, body, _tracker_hex(verdict)

    event = _submit(election, verdict.credential, verdict.tracker, step, counts=True, using=using)
    return _receipt(event)


def audit(
    election: Election,
    raw_ballot: bytes,
    raw_reveal: bytes,
    signature: bytes,
    *,
    using: str = "default",
) -> Receipt:
    """Publish an audited ballot with its reveal (never counted), or the refusal.

    ``signature`` is the member's signature of the audit request; a request
    the credential did not sign raises ``BallotRejected`` and writes nothing.
    """
    _require_open(election.status)
    context = context_for(election)
    verdict, reveal = check_audit_request(
        check_submission(context, raw_ballot), raw_reveal, signature
    )

    def step(looked: Looked) -> Decision:
        status, opened_at, constituency, _counted, seen, _channel = looked
        _require_open(status)
        at = _now(opened_at, context.manifest)
        kind, body = decide_audit(
            context, verdict, reveal, signature, constituency=constituency, seen=seen, at=at
        )
        return kind, body, _tracker_hex(verdict)

    event = _submit(election, verdict.credential, verdict.tracker, step, counts=False, using=using)
    return _receipt(event)


def refuse_unreadable(
    election: Election, request: str, detail: str, *, using: str = "default"
) -> Receipt:
    """Record a submission that cannot be read even as a ballot and a reveal (an audit request
    that is not ``{ballot, reveal, signature}``): refused as ``malformed``, only ``detail`` kept.
    ``request`` is ``cast`` or ``audit``."""
    _require_open(election.status)
    context = context_for(election)
    verdict = unreadable(detail)

    def step(looked: Looked) -> Decision:
        status, opened_at, _, _, _, _ = looked
        _require_open(status)
        at = _now(opened_at, context.manifest)
        if request == "cast":
            kind, body = decide(
                context.manifest, verdict, constituency=None, seen=False, counted=None, at=at
            )
        else:
            kind, body = decide_audit(
                context, verdict, None, b"", constituency=None, seen=False, at=at
            )
        return kind, body, ""

    return _receipt(_submit(election, None, None, step, counts=False, using=using))


def _tracker_hex(verdict: Verdict) -> str:
    return verdict.tracker.hex() if verdict.tracker is not None else ""


def counted_count(election: Election, *, using: str = "default") -> int:
    from tellers.web.voter.models import CountedBallot

    return int(CountedBallot.objects.using(using).filter(election_id=election.pk).count())


def counted_ballots(election: Election, *, using: str = "default") -> Iterator[Ballot]:
    """The ballots that count, in board order, streamed from the database: online ballots,
    and returned papers as the sums of their marked vectors (postal.md §5.4)."""
    from tellers.web.voter.models import CountedBallot

    seqs = CountedBallot.objects.using(using).filter(election_id=election.pk).values("seq")
    rows = (
        BoardEvent.objects.using(using)
        .filter(election_id=election.pk, type__in=_COUNTED, seq__in=seqs)
        .order_by("seq")
        .values_list("type", "body")
    )
    manifest: Manifest | None = None
    for kind, text in rows.iterator(chunk_size=500):
        body = canonical.loads(text)
        if kind == "ballot-accepted":
            yield ballot_from_json(body["ballot"])
            continue
        manifest = manifest or context_for(election).manifest
        number = body["return"]["number"]
        yield return_ballot(bytes(32), number, return_sums(manifest, body["return"]))


def close_board(election: Election, closed_at: str, *, using: str = "default") -> BoardEvent:
    """Append ``election-closed`` with the figures the file board gives (record.md §5.4)."""

    def step(current: Election, head: BoardHead) -> Decision:
        body = {
            "closed_at": closed_at,
            "events": head.length,
            "counted": counted_count(current, using=using),
        }
        return "election-closed", body, ""

    return _append(election, step, using)


# Reading back ---------------------------------------------------------------------


def _events(election: Election, using: str) -> Iterator[BoardEvent]:
    rows = BoardEvent.objects.using(using).filter(election_id=election.pk).order_by("seq")
    yield from rows.only("seq", "prev_hash", "type", "body", "hash").iterator(chunk_size=2000)


def check_chain(election: Election, *, using: str = "default") -> int:
    """Recompute the chain from the genesis; return its length or raise ``RecordError``.

    The error's ``line`` is the event's position on the board, counted from 1.
    """
    prev = GENESIS_HASH
    count = 0
    for event in _events(election, using):
        if event.seq != count:
            raise RecordError("board", count + 1, f"expected event {count}, found {event.seq}")
        if event.prev_hash != prev:
            raise RecordError("board", count + 1, "previous hash does not match the chain")
        if event_hash(line_of(event)).hex() != event.hash:
            raise RecordError("board", count + 1, "hash does not match the event")
        prev = event.hash
        count += 1
    head = BoardHead.objects.using(using).filter(election_id=election.pk).first()
    if head is not None and (head.length, head.head_hash) != (count, prev):
        raise RecordError("board", 0, f"head says {head.length} events, chain has {count}")
    return count


def export_record(
    election: Election,
    directory: Path,
    *,
    using: str = "default",
    after_close: bool = False,
    declared: bool = False,
) -> bytes:
    """Write the election record from the database (``record.store.write_record``); its root.

    Needs the ceremony and the board's tally: before the result is published
    the record is one in progress (no ``result.json``), which is what the
    trustees verify before they decrypt. With ``after_close`` the board's close
    is enough: the record at the close, from which the print authority finds the
    unused papers it must open before the tally (postal.md §6). The board is
    streamed in sequence order, exactly the lines that were hashed; where papers
    were issued, their list is ``papers.jsonl`` (postal.md §4.1); and each contest
    that declares its nominations log has it as ``nominations-<contest>.jsonl``
    (record.md §1.3), if the site holds it closed (else the verifier says it is missing).

    With ``declared`` the record is the one publishing the declared result would make:
    the board's lines, then the ``result`` event publishing appends (the same body, at the
    next sequence number, chained to the head), and ``result.json``. It is not the
    published record until the result event is on the board; the draft documents are made
    from it, and while nothing else is appended its root is the one publication gives.
    """
    needed = "election-closed" if after_close else "tally"
    if (
        election.ceremony is None
        or not BoardEvent.objects.using(using).filter(election_id=election.pk, type=needed).exists()
    ):
        raise ValueError(f"election {election.slug}: no record before the {needed} event")
    published = BoardEvent.objects.using(using).filter(election_id=election.pk, type="result")
    result = election.result if published.exists() or declared else None
    if declared and (result is None or published.exists()):
        raise ValueError(f"election {election.slug}: no declared result awaiting publication")
    credentials = (
        (bytes.fromhex(c), k)
        for c, k in CredentialRecord.objects.using(using)
        .filter(election_id=election.pk)
        .values_list("public_credential", "constituency")
        .iterator(chunk_size=5000)
    )
    lines: Iterator[bytes] = (line_of(event) for event in _events(election, using))
    if declared:
        head = BoardHead.objects.using(using).get(election_id=election.pk)
        publishing = event_line(head.length, bytes.fromhex(head.head_hash), "result", result)
        lines = itertools.chain(lines, (publishing,))
    if election.paper_list is not None:
        from tellers.web.store.postal import write_paper_list

        directory.mkdir(parents=True, exist_ok=True)
        write_paper_list(election, directory / PAPERS, using=using)
    from tellers.web.nominations.service import log_lines

    logs = {}
    for contest in election.manifest["contests"]:
        if contest.get("nominations") is not None:
            found = log_lines(election.manifest["election_id"], contest["id"], using)
            if found is not None:
                logs[contest["id"]] = found
    return write_record(
        directory, election.manifest, election.ceremony, credentials, lines, result, logs
    )
