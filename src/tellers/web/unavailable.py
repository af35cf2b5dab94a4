"""When the database does not answer: "try again in a minute", never a 500 page.

A PostgreSQL restart, a fail-over or a full connection table makes queries raise
``django.db.OperationalError`` or ``InterfaceError``. ``DatabaseUnavailableMiddleware``
turns such an error, raised anywhere in a view, into a 503 with ``Retry-After``:

- for a JSON request (the voting page's cast and audit) a JSON ``message`` the page
  shows, with ``reason`` ``unavailable``: the ballot box is not answering and nothing
  was cast. That is true of every failure but one: the connection lost after the
  board's final message (the event with its ``COMMIT``) was sent
  (``board_sql.OutcomeUnknown``), when the ballot may be on the board; the member is
  then told so (``reason`` ``outcome-unknown``) and how to check by the tracker;
- for anything else a plain page, rendered without the request, the session or any
  context processor (whichever of them needs the database is what failed).

The request's session is left unsaved, so that nothing on the way out tries the
database again. Django closes the broken connection at the end of the request
(it had errors) or, with ``CONN_HEALTH_CHECKS``, before the next one reuses it; the
next request opens a new one, so the site recovers by itself when the database is
back, without a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from tellers.web.store.board_sql import OutcomeUnknown

__all__ = ["RETRY_AFTER", "DatabaseUnavailableMiddleware", "unavailable_response"]

RETRY_AFTER = 60
"""Seconds the answer tells the client to wait (``Retry-After``)."""

log = logging.getLogger("tellers.web")


def unavailable_response(request: HttpRequest, error: Exception) -> HttpResponse:
    """The 503 for ``error`` (a database error) on ``request``: JSON or a plain page."""
    if request.content_type == "application/json":
        if isinstance(error, OutcomeUnknown):
            reason = "outcome-unknown"
            message = _(
                "The ballot box stopped answering while your ballot was being recorded, so it "
                "may or may not be on the board. In a minute, look your tracker up on the "
                "election's bulletin board; if it is not there, cast again."
            )
        else:
            reason = "unavailable"
            message = _("The ballot box is not answering; nothing was cast. Try again in a minute.")
        response: HttpResponse = JsonResponse({"message": message, "reason": reason}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A database error raised in a view becomes ``unavailable_response``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.warning("database unavailable for %s %s: %s", request.method, request.path, exception)
        session = getattr(request, "session", None)
        if session is not None:  # nothing more to read or write on the way out
            session.accessed = session.modified = False
        return unavailable_response(request, exception)
