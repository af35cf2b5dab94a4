"""Sessions lapse after 30 idle minutes, and are written at most once a minute to say so."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from tellers.web import sessions

__all__: list[str] = []

ClientFor = Callable[[str | None], Client]


def _row(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def test_a_busy_session_is_written_at_most_once_a_minute(
    client_for: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = client_for("officer")
    clock = [1_000_000_000]
    monkeypatch.setattr(sessions.time, "time", lambda: clock[0])
    assert officer.get("/officer/").status_code == 200
    first = _row(officer).expire_date
    clock[0] += sessions.REFRESH - 1
    assert officer.get("/officer/").status_code == 200
    assert _row(officer).expire_date == first  # no write within the minute
    clock[0] += 1
    assert officer.get("/officer/").status_code == 200
    assert _row(officer).expire_date > first  # refreshed: 30 more idle minutes


def test_an_idle_session_lapses(client_for: ClientFor, cast: dict[str, Any]) -> None:
    officer = client_for("officer")
    assert officer.get("/officer/").status_code == 200
    row = _row(officer)
    assert row.expire_date <= timezone.now() + timedelta(minutes=30)
    row.expire_date = timezone.now() - timedelta(seconds=1)  # 30 idle minutes have passed
    row.save()
    assert officer.get("/officer/").status_code == 302  # back to the sign-in page
