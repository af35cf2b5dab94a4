"""Who sees what, CSRF everywhere, security headers, and the closing-time rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tellers.web.security import CONTENT_SECURITY_POLICY
from tellers.web.store.board import append_event
from tellers.web.store.models import Election, Trustee

__all__: list[str] = []

ClientFor = Callable[[str | None], Client]
ROLES = ["voter", "officer", "scrutineer", "outsider"]

# (url, roles allowed); anonymous visitors are sent to sign in instead.
STAFF_PAGES = [
    ("/officer/", {"officer"}),
    ("/officer/e/gs-2026/", {"officer"}),
    ("/officer/e/gs-2026/roll/", {"officer", "scrutineer"}),
    ("/scrutiny/", {"scrutineer"}),
    ("/scrutiny/e/gs-2026/", {"scrutineer"}),
]


@pytest.mark.parametrize(("url", "allowed"), STAFF_PAGES)
@pytest.mark.parametrize("role", ["officer", "scrutineer", "outsider"])
def test_staff_pages_admit_their_roles_only(
    client_for: ClientFor, url: str, allowed: set[str], role: str
) -> None:
    response = client_for(role).get(url)
    assert response.status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize(("url", "allowed"), STAFF_PAGES)
def test_staff_pages_send_members_and_visitors_to_sign_in(
    client_for: ClientFor, url: str, allowed: set[str]
) -> None:
    response = client_for("voter").get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_roll_shows_members_to_officer_and_nobody_public(
    cast: dict[str, Any], client_for: ClientFor
) -> None:
    assert "Ada Voter" in client_for("officer").get("/officer/e/gs-2026/roll/").content.decode()
    for url in ["/", "/e/gs-2026/", "/e/gs-2026/board/", "/e/gs-2026/result/"]:
        page = client_for(None).get(url).content.decode()
        assert "Ada Voter" not in page and "M0001" not in page, url


@pytest.mark.parametrize("role", ROLES)
def test_public_pages_open_to_everyone(client_for: ClientFor, role: str) -> None:
    for url in ["/", "/e/gs-2026/", "/e/gs-2026/board/", "/e/gs-2026/result/", "/vote/gs-2026/"]:
        assert client_for(role).get(url).status_code == 200, url


def test_draft_election_is_not_public(cast: dict[str, Any], client_for: ClientFor) -> None:
    Election.objects.create(slug="draft", title="Draft")
    assert client_for(None).get("/e/draft/").status_code == 404
    assert client_for("officer").get("/officer/e/draft/").status_code == 200


def test_security_headers(client_for: ClientFor) -> None:
    response = client_for(None).get("/e/gs-2026/")
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"<script>" not in response.content  # no inline script anywhere


def test_post_without_csrf_token_is_refused_plainly(client_for: ClientFor) -> None:
    response = client_for(None).post("/vote/gs-2026/", {"credential": "x", "member_number": "y"})
    assert response.status_code == 403
    assert b"This form has expired" in response.content
    login = client_for(None).post("/accounts/login/", {"username": "officer", "password": "x"})
    assert login.status_code == 403


def _csrf_post(client: Client, url: str, data: dict[str, str]) -> Any:
    client.get(url)
    token = client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def test_post_with_csrf_token_reaches_the_view(client_for: ClientFor) -> None:
    response = _csrf_post(
        client_for(None), "/vote/gs-2026/", {"credential": "", "member_number": ""}
    )
    assert response.status_code == 400
    assert b"Enter the voting code" in response.content


def test_officer_signs_in_through_the_form(cast: dict[str, Any]) -> None:
    from webtesting import PASSWORD, code_now, csrf_client, key_on_page

    client = csrf_client()
    response = _csrf_post(client, "/accounts/login/", {"username": "officer", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/officer/").status_code == 403  # not without the authenticator's code
    enrol = client.get(client.get(response["Location"])["Location"])
    key = key_on_page(enrol.content.decode())
    response = _csrf_post(client, "/accounts/enrol/", {"code": code_now(key)})
    assert response.status_code == 302
    assert client.get("/officer/").status_code == 200


def test_oversized_body_is_refused(client_for: ClientFor) -> None:
    client = client_for(None)
    client.get("/vote/gs-2026/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/vote/gs-2026/", {"csrfmiddlewaretoken": token, "credential": "x" * (2 * 1024 * 1024)}
    )
    assert response.status_code == 400


def test_closing_time_never_moves_once_open(cast: dict[str, Any]) -> None:
    draft = Election.objects.create(slug="d", title="D", closes_at=timezone.now())
    draft.closes_at = timezone.now() + timezone.timedelta(days=1)
    draft.save()  # allowed while being set up
    draft.status = Election.Status.OPEN
    draft.save()
    draft.closes_at = draft.closes_at + timezone.timedelta(days=1)
    with pytest.raises(ValidationError, match="cannot change"):
        draft.save()


def test_trustee_link(cast: dict[str, Any], client_for: ClientFor) -> None:
    from test_lifecycle_flow import new_election

    from tellers.web.store.setup import token_hash

    election = new_election(slug="tess-2026")
    Trustee.objects.create(
        election=election,
        index=1,
        name="Tess Trustee",
        email="tess@example.org",
        token_hash=token_hash("tess-link"),
    )
    from webtesting import as_trustee

    response = as_trustee(client_for(None), "tess-link").get("/trustee/tess-link/")
    assert response.status_code == 200
    assert b"Tess Trustee" in response.content and b'data-step="keygen"' in response.content
    assert response["Referrer-Policy"] == "no-referrer"
    assert client_for(None).get("/trustee/not-a-token/").status_code == 404


def test_find_my_tracker(cast: dict[str, Any], client_for: ClientFor) -> None:
    tracker = "ab" * 32
    append_event(cast["election"], "ballot", {"tracker": tracker}, tracker=tracker)
    found = client_for(None).get("/e/gs-2026/board/", {"tracker": tracker.upper()})
    assert b"Your ballot is on the board" in found.content
    missing = client_for(None).get("/e/gs-2026/board/", {"tracker": "cd" * 32})
    assert b"No ballot with this tracker" in missing.content
