"""A submission's append on PostgreSQL in two round trips (``board.cast``, ``audit``).

The head lock serialises every ballot of an election, so what it costs is the
time from the lock being granted to the commit, and on a busy machine each round
trip inside it is a wake-up of the web worker and of the database server. Through
the ORM an append takes seven (``BEGIN``, the lock, the look-ups, the event, the
head, the counted-ballot index, ``COMMIT``); here it takes two messages, each
several statements in PostgreSQL's simple query protocol:

1. ``BEGIN``; ``SELECT ... FOR UPDATE`` of the head; the election's status with
   what the rules need (the credential's constituency and counted tracker, whether
   the tracker is already on the board). The second ``SELECT`` is a statement of
   its own, so under READ COMMITTED it takes its snapshot after the lock is
   granted and sees whatever the previous holder committed;
2. the event's ``INSERT``, the head's ``UPDATE``, the index's ``INSERT`` or
   ``UPDATE`` (an accepted cast only), ``COMMIT``. PostgreSQL stops at the first
   error and runs none of the rest, so the transaction is rolled back whole.

Between them ``step`` (the core's rules) decides the event, in Python, exactly as
on the ORM path; the receipt goes out only after the ``COMMIT`` has returned, so
after the event is on disk (``synchronous_commit`` as the server has it). A
connection lost once the second message is sent raises ``OutcomeUnknown``: that
``COMMIT`` may have been done. Used
only when the connection is outside any transaction (autocommit, no ``atomic``
block): inside one, ``BEGIN`` and ``COMMIT`` are not ours to send.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from django.db import InterfaceError, OperationalError, connections
from django.utils import timezone

from tellers import canonical
from tellers.board import event_hash, event_line
from tellers.web.store.models import BoardEvent, BoardHead, CredentialRecord, Election

__all__ = [
    "Looked",
    "OutcomeUnknown",
    "append_submission",
    "rollback_on_error",
    "send",
    "usable",
]

# What the rules read under the lock: status, opened_at, the credential's constituency
# (None when it is not on the list), its counted tracker (None if none), whether the
# tracker is already on the board, and the counted ballot's channel (None if none).
Looked = tuple[str, datetime | None, str | None, str | None, bool, str | None]
# What a step decides: (event type, body, tracker hex or "").
Decision = tuple[str, Any, str]


class OutcomeUnknown(OperationalError):
    """The connection was lost after the final message (the event and its ``COMMIT``) was
    sent: the event may or may not be on the board. Any failure before that leaves nothing."""


def usable(using: str) -> bool:
    """True when ``append_submission`` may run on the connection ``using``."""
    connection = connections[using]
    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and connection.get_autocommit()
    )


def _names(model: Any, *fields: str) -> tuple[str, ...]:
    quote = connections["default"].ops.quote_name
    return (quote(model._meta.db_table), *(quote(model._meta.get_field(f).column) for f in fields))


@functools.cache
def _lock_and_look() -> str:
    head, head_election, length, head_hash = _names(BoardHead, "election", "length", "head_hash")
    election, pk, status, opened = _names(Election, "id", "status", "opened_at")
    credentials, c_election, c_credential, c_constituency = _names(
        CredentialRecord, "election", "public_credential", "constituency"
    )
    from tellers.web.voter.models import CountedBallot

    counted, b_election, b_credential, b_tracker, b_channel = _names(
        CountedBallot, "election", "credential", "tracker", "channel"
    )
    events, v_election, v_tracker = _names(BoardEvent, "election", "tracker")
    return (
        f"BEGIN; "
        f"SELECT {length}, {head_hash} FROM {head} WHERE {head_election} = %s FOR UPDATE; "
        f"SELECT {status}, {opened}, "
        f"(SELECT c.{c_constituency} FROM {credentials} c "
        f"WHERE c.{c_election} = e.{pk} AND c.{c_credential} = %s LIMIT 1), "
        f"(SELECT b.{b_tracker} FROM {counted} b "
        f"WHERE b.{b_election} = e.{pk} AND b.{b_credential} = %s LIMIT 1), "
        f"EXISTS (SELECT 1 FROM {events} v WHERE v.{v_election} = e.{pk} AND v.{v_tracker} = %s), "
        f"(SELECT b.{b_channel} FROM {counted} b "
        f"WHERE b.{b_election} = e.{pk} AND b.{b_credential} = %s LIMIT 1) "
        f"FROM {election} e WHERE e.{pk} = %s"
    )


@functools.cache
def _write(counted: str | None) -> str:
    """The event, the head and (``counted``: ``insert`` or ``update``) the index, committed."""
    events, *columns = _names(
        BoardEvent, "election", "seq", "prev_hash", "type", "body", "hash", "tracker", "recorded_at"
    )
    head, head_election, length, head_hash = _names(BoardHead, "election", "length", "head_hash")
    sql = (
        f"INSERT INTO {events} ({', '.join(columns)}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s); "
        f"UPDATE {head} SET {length} = %s, {head_hash} = %s WHERE {head_election} = %s; "
    )
    if counted is not None:
        from tellers.web.voter.models import CountedBallot

        table, b_election, b_credential, b_tracker, b_seq, b_channel = _names(
            CountedBallot, "election", "credential", "tracker", "seq", "channel"
        )
        # Only an accepted online ballot is written here: its channel is online.
        if counted == "insert":
            sql += (
                f"INSERT INTO {table} "
                f"({b_election}, {b_credential}, {b_tracker}, {b_seq}, {b_channel}) "
                "VALUES (%s, %s, %s, %s, 'online'); "
            )
        else:
            sql += (
                f"UPDATE {table} SET {b_tracker} = %s, {b_seq} = %s, {b_channel} = 'online' "
                f"WHERE {b_election} = %s AND {b_credential} = %s; "
            )
    return sql + "COMMIT"


def send(cursor: Any, sql: str, params: Sequence[Any]) -> list[list[tuple[Any, ...]]]:
    """Send ``sql`` (statements separated by ``;``) as one message; each statement's rows."""
    cursor.execute(sql, params)
    results = [list(cursor.fetchall()) if cursor.description else []]
    while cursor.nextset():
        results.append(list(cursor.fetchall()) if cursor.description else [])
    return results


@contextlib.contextmanager
def rollback_on_error(using: str, cursor: Any) -> Iterator[None]:
    """Roll back a transaction begun by hand when anything fails before its ``COMMIT``."""
    try:
        yield
    except BaseException:
        connection = connections[using]
        with contextlib.suppress(Exception):  # a lost connection has nothing to roll back
            if connection.connection is not None and _in_transaction(connection):
                cursor.execute("ROLLBACK")
        raise


def append_submission(
    election_id: int,
    credential: str | None,
    tracker: str | None,
    step: Callable[[Looked], Decision],
    *,
    counts: bool,
    using: str,
) -> BoardEvent | None:
    """Look up, decide with ``step`` and append under the head lock, committed; the event.

    ``credential`` and ``tracker`` (hex) are what to look up; ``counts``: an accepted
    event of this kind becomes the credential's counted ballot. None, with nothing
    written, when the election has no head yet (the ORM path makes it). Whatever
    ``step`` raises, or any database error, rolls the transaction back and propagates.
    """
    with connections[using].cursor() as cursor, rollback_on_error(using, cursor):
        sent = [election_id, credential, credential, tracker, credential, election_id]
        _, head, looked = send(cursor, _lock_and_look(), sent)
        if not head or not looked:
            cursor.execute("ROLLBACK")
            return None
        (length, prev), row = head[0], looked[0]
        status, opened_at, constituency, counted, seen, channel = row
        kind, body, tracker_hex = step(
            (status, opened_at, constituency, counted, bool(seen), channel)
        )
        digest = event_hash(event_line(length, bytes.fromhex(prev), kind, body)).hex()
        text = canonical.dumps(body).decode()
        params: list[Any] = [election_id, length, prev, kind, text, digest, tracker_hex]
        params += [timezone.now(), length + 1, digest, election_id]
        index = None
        if counts and kind == "ballot-accepted":
            assert credential is not None
            if counted is None:
                index = "insert"
                params += [election_id, credential, tracker_hex, length]
            else:
                index = "update"
                params += [tracker_hex, length, election_id, credential]
        try:
            send(cursor, _write(index), params)
        except (OperationalError, InterfaceError) as exc:
            if _broken(connections[using]):
                raise OutcomeUnknown(str(exc)) from exc
            raise
    return BoardEvent(
        election_id=election_id,
        seq=length,
        prev_hash=prev,
        type=kind,
        body=text,
        hash=digest,
        tracker=tracker_hex,
    )


def _broken(connection: Any) -> bool:
    """The connection is gone (rather than the transaction refused on a live one)."""
    import psycopg.pq

    raw = connection.connection
    return raw is None or raw.closed or raw.pgconn.status != psycopg.pq.ConnStatus.OK


def _in_transaction(connection: Any) -> bool:
    import psycopg.pq

    return bool(
        connection.connection.pgconn.transaction_status != psycopg.pq.TransactionStatus.IDLE
    )
