"""How many ballots and audits a member may send in a while (issue: casting abuse).

Each submission is counted, before anything else is done with it, against
its credential and against the voting session it comes in, in fixed
windows of ``PERIOD`` seconds; past ``LIMIT`` in a window the site answers
"too many" and the board is not touched. A member who audits a few times,
casts and changes their mind stays far below it; a script sending ballots
as fast as it can is stopped after ``LIMIT``, whatever it sends.

The count is one upsert per submission, outside the board's lock, committed
without waiting for the disk on PostgreSQL (and there sent with its ``BEGIN``
and ``COMMIT`` as one message): a count lost in a crash only lets a few more
through.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from django.db import connection, transaction

from tellers.web.store import board_sql
from tellers.web.store.models import Election
from tellers.web.voter.models import SubmissionCount

__all__ = ["LIMIT", "PERIOD", "count_submission"]

LIMIT = 20
"""Submissions (casts and audits together) per credential, and per session, per window."""
PERIOD = 10 * 60


def count_submission(election: Election, credential: str, session_key: str) -> bool:
    """Count one submission; True when the credential or the session is over ``LIMIT``."""
    period = int(time.time()) // PERIOD
    # The session's key is a secret: only its hash is kept, to tell sessions apart.
    session = hashlib.sha256(session_key.encode()).hexdigest()[:32]
    keys = (f"credential:{credential[:64]}", f"session:{session}")
    table = connection.ops.quote_name(SubmissionCount._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in ("election_id", "key", "period"))
    count = connection.ops.quote_name("count")
    sql = (
        f"INSERT INTO {table} ({columns}, {count}) VALUES (%s, %s, %s, 1), (%s, %s, %s, 1) "
        f"ON CONFLICT ({columns}) DO UPDATE SET {count} = {table}.{count} + 1 "
        f"RETURNING {count}"
    )
    params = [x for key in keys for x in (election.pk, key, period)]
    if board_sql.usable(connection.alias):
        # One message, one round trip: each costs the busy machine two wake-ups.
        message = f"BEGIN; SET LOCAL synchronous_commit TO OFF; {sql}; COMMIT"
        with connection.cursor() as cursor, board_sql.rollback_on_error(connection.alias, cursor):
            counts = [row[0] for row in board_sql.send(cursor, message, params)[2]]
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(sql, params)
            counts = [row[0] for row in cursor.fetchall()]
    if secrets.randbelow(200) == 0:  # now and then, forget windows that are over
        SubmissionCount.objects.filter(period__lt=period - 1).delete()
    return max(counts) > LIMIT
