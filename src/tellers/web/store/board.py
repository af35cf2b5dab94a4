"""Appending to and reading the hash-chained bulletin board in the database.

An append locks the election's ``BoardHead`` row (``SELECT ... FOR UPDATE``
on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises writers), computes
the next event from the head, writes both and commits: concurrent appends
neither lose nor duplicate events, and an event is durable before the
caller tells anyone it was accepted. ``(election, seq)`` is unique as a
second guard.

The event hash and canonical JSON are the core's (``docs/spec/record.md``);
until ``tellers.board`` exports them, ``event_hash`` and ``canonical_json``
below are the provisional definitions (TODO(issue 5, phase 2): delegate).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction

from tellers.crypto.hashing import hash_fields, int_field
from tellers.errors import RecordError
from tellers.web.store.models import BoardEvent, BoardHead, Election

__all__ = [
    "GENESIS_HASH",
    "TAG_EVENT",
    "append_event",
    "canonical_json",
    "check_chain",
    "event_hash",
]

TAG_EVENT = "tellers/v1/board/event"
GENESIS_HASH = "00" * 32


def canonical_json(body: Mapping[str, Any]) -> str:
    """Sorted keys, no spaces, UTF-8 text (provisional; record.md will fix it)."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str, seq: int, type_: str, body: str) -> str:
    """H(TAG_EVENT; prev_hash, seq, type, body) in hex."""
    return hash_fields(
        TAG_EVENT, [bytes.fromhex(prev_hash), int_field(seq), type_.encode(), body.encode()]
    ).hex()


def append_event(
    election: Election,
    type_: str,
    body: Mapping[str, Any],
    *,
    tracker: str = "",
    precondition: Callable[[Election], None] | None = None,
    using: str = "default",
) -> BoardEvent:
    """Append one event; ``precondition`` runs under the lock and may raise to refuse it.

    A refusal (``BallotRejected`` or anything else raised) leaves the board unchanged.
    """
    BoardHead.objects.using(using).get_or_create(
        election_id=election.pk, defaults={"head_hash": GENESIS_HASH}
    )
    text = canonical_json(body)
    with transaction.atomic(using=using):
        head = BoardHead.objects.using(using).select_for_update().get(election_id=election.pk)
        if precondition is not None:
            precondition(Election.objects.using(using).get(pk=election.pk))
        seq = head.length
        digest = event_hash(head.head_hash, seq, type_, text)
        event = BoardEvent.objects.using(using).create(
            election_id=election.pk,
            seq=seq,
            prev_hash=head.head_hash,
            type=type_,
            body=text,
            hash=digest,
            tracker=tracker,
        )
        head.length = seq + 1
        head.head_hash = digest
        head.save(using=using, update_fields=["length", "head_hash"])
    return event


def check_chain(election: Election, *, using: str = "default") -> int:
    """Recompute the chain from the genesis; return its length or raise ``RecordError``.

    The error's ``line`` is the event's position on the board, counted from 1.
    """
    prev = GENESIS_HASH
    count = 0
    events = BoardEvent.objects.using(using).filter(election_id=election.pk).order_by("seq")
    for event in events.iterator():
        if event.seq != count:
            raise RecordError("board", count + 1, f"expected event {count}, found {event.seq}")
        if event.prev_hash != prev:
            raise RecordError("board", count + 1, "previous hash does not match the chain")
        if event_hash(prev, event.seq, event.type, event.body) != event.hash:
            raise RecordError("board", count + 1, "hash does not match the event")
        prev = event.hash
        count += 1
    head = BoardHead.objects.using(using).filter(election_id=election.pk).first()
    if head is not None and (head.length, head.head_hash) != (count, prev):
        raise RecordError("board", 0, f"head says {head.length} events, chain has {count}")
    return count
