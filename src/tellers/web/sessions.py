"""Idle expiry of sessions without a database write on every request (issue 5: load).

A voting or officer session lapses after ``SESSION_COOKIE_AGE`` (30 minutes)
without a request. Django's ``SESSION_SAVE_EVERY_REQUEST`` gives that by
writing the session row on every request, which made each ballot cast pay
for an extra ``UPDATE`` and commit. Instead, this middleware touches the
session (so that ``SessionMiddleware`` saves it, with a fresh expiry) only
when its last refresh is ``REFRESH`` or more ago: a session then lapses
between 29 and 30 idle minutes after its last request, never later.

``SessionStore`` (``SESSION_ENGINE = "tellers.web.sessions"``) is Django's database
store with the two statements every cast makes written as plain SQL: reading the
session (one ``SELECT`` of its data, where the ORM built the query afresh on each
request) and ending it once the ballot is cast (one ``DELETE``, where Django reads
the row first and then deletes it through its deletion collector). Both are what
the ORM would send, less the Python that composes them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

__all__ = ["REFRESH", "REFRESHED_KEY", "SessionRefreshMiddleware", "SessionStore"]

REFRESH = 60
"""Seconds between refreshes of a session's expiry."""
REFRESHED_KEY = "tellers-refreshed"


class SessionRefreshMiddleware:
    """Listed after ``SessionMiddleware``: marks a live session modified at most once a minute."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = request.session
        # An empty session has no row to keep alive (and a signed-out one is being deleted).
        if session.accessed and not session.is_empty():
            now = int(time.time())
            last = session.get(REFRESHED_KEY)
            if not isinstance(last, int) or now - last >= REFRESH:
                session[REFRESHED_KEY] = now
        return response


class SessionStore(db.SessionStore):
    """Django's database sessions, each read and each deleted in one plain statement."""

    def _sql(self, verb: str, *, live: bool = False) -> tuple[str, str]:
        """(``verb`` FROM the session table WHERE its key = %s [AND it has not expired], the
        database alias)."""
        using = router.db_for_write(self.model)
        quote = connections[using].ops.quote_name
        sql = f"{verb} FROM {quote(self.model._meta.db_table)} WHERE {quote('session_key')} = %s"
        return (f"{sql} AND {quote('expire_date')} > %s" if live else sql), using

    def _get_session_from_db(self) -> Any:
        """The live session row (its data only), or None, forgetting the key, as Django does."""
        sql, using = self._sql("SELECT session_data", live=True)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, [self.session_key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0])

    def delete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            sql, using = self._sql("DELETE")
            with connections[using].cursor() as cursor:
                cursor.execute(sql, [key])
