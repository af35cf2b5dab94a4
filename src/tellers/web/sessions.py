"""Idle expiry of sessions without a database write on every request (issue 5: load).

A voting or officer session lapses after ``SESSION_COOKIE_AGE`` (30 minutes)
without a request. Django's ``SESSION_SAVE_EVERY_REQUEST`` gives that by
writing the session row on every request, which made each ballot cast pay
for an extra ``UPDATE`` and commit. Instead, this middleware touches the
session (so that ``SessionMiddleware`` saves it, with a fresh expiry) only
when its last refresh is ``REFRESH`` or more ago: a session then lapses
between 29 and 30 idle minutes after its last request, never later.

``SessionStore`` (``SESSION_ENGINE = "tellers.web.sessions"``) is Django's database
store with one change: ending a session (a member's, once the ballot is cast) is
one ``DELETE``, where Django reads the row first and then deletes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.sessions.backends import db
from django.http import HttpRequest, HttpResponse

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
    """Django's database sessions, each deleted in one statement."""

    def delete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            self.model.objects.filter(session_key=key).delete()
