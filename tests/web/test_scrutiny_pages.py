"""The scrutineer's pages: theirs alone, the credential list, and a sign-off that needs a result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from test_lifecycle_flow import ROLL, new_election
from test_officer_pages import csrf_post

from tellers.web.store import setup
from tellers.web.store.models import Election

__all__: list[str] = []

ClientFor = Callable[[str | None], Client]
SLUG = "exec-2026"


@pytest.fixture
def election(cast: dict[str, Any]) -> Election:
    e = new_election()
    setup.import_roll(e, ROLL.encode(), "roll.csv", None)
    setup.generate_credentials(e, None)
    return e


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        (f"/scrutiny/e/{SLUG}/", {"scrutineer"}),
        (f"/scrutiny/e/{SLUG}/credentials.csv", {"scrutineer", "officer"}),
        (f"/officer/e/{SLUG}/roll/", {"scrutineer", "officer"}),
    ],
)
@pytest.mark.parametrize("role", ["officer", "scrutineer", "outsider", "voter"])
def test_scrutiny_pages_admit_their_roles(
    election: Election, client_for: ClientFor, url: str, allowed: set[str], role: str
) -> None:
    response = client_for(role).get(url)
    expected = 200 if role in allowed else (302 if role == "voter" else 403)
    assert response.status_code == expected


def test_report_and_credential_list(election: Election, client_for: ClientFor) -> None:
    page = client_for("scrutineer").get(f"/scrutiny/e/{SLUG}/").content.decode()
    assert 'data-figure="papers_sent">3<' in page
    assert "credentials-generated" in page  # the audit log
    listing = client_for("scrutineer").get(f"/scrutiny/e/{SLUG}/credentials.csv")
    lines = listing.content.decode().splitlines()
    assert lines[0] == "public_credential,constituency" and len(lines) == 4


def test_sign_off_is_the_scrutineers_and_needs_a_result(
    election: Election, client_for: ClientFor
) -> None:
    url = f"/scrutiny/e/{SLUG}/sign-off/"
    assert client_for("scrutineer").post(url, {}).status_code == 403  # no CSRF token
    assert csrf_post(client_for("officer"), "/", url, {"no_breach": "yes"}).status_code == 403
    client = client_for("scrutineer")
    response = csrf_post(client, f"/scrutiny/e/{SLUG}/", url, {"no_breach": "yes"})
    assert response.status_code == 302
    assert b"no declared result to sign off" in client.get(f"/scrutiny/e/{SLUG}/").content
    election.refresh_from_db()
    assert election.signed_off_at is None
