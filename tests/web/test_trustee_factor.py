"""A trustee's page needs its link and a code from the trustee's authenticator app.

Played as the adversary: a stolen link alone reaches no step, file or upload;
a code is taken once; guessing codes backs off; whoever enrolled first holds
the factor, and a reset ends every session of the old one.
"""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.oath import hotp
from test_lifecycle_flow import TRUSTEES, new_election
from webtesting import code_now, csrf_client, fresh_code, key_on_page

from tellers.web.store import setup
from tellers.web.store.models import AuditLog, Trustee, TrusteeFactor, TrusteeFile

__all__: list[str] = []


@pytest.fixture
def link(cast: dict[str, Any]) -> str:
    """Trustee 1's link (the token its email carries)."""
    tokens = setup.set_trustees(new_election(), TRUSTEES, None)
    return tokens[1]


def send_code(client: Client, token: str, code: str) -> Any:
    return client.post(
        f"/trustee/{token}/code/",
        {"code": code, "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
    )


def enrol(client: Client, token: str) -> tuple[str, int]:
    """The first visit: the page shows a key; the trustee's app gives the code."""
    page = client.get(f"/trustee/{token}/")
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    key = key_on_page(page.content.decode())
    code, step = fresh_code(key)
    assert send_code(client, token, code).status_code == 302
    return key, step


def step_shown(client: Client, token: str) -> bool:
    return b"data-step=" in client.get(f"/trustee/{token}/").content


def test_a_link_alone_reaches_no_step_file_or_upload(link: str) -> None:
    thief = csrf_client()
    page = thief.get(f"/trustee/{link}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-step=" not in html and "/download/" not in html and "/upload/" not in html
    assert page["Referrer-Policy"] == "same-origin" and page["Cache-Control"] == "no-store"
    assert thief.get(f"/trustee/{link}/download/manifest/")["Location"] == f"/trustee/{link}/"
    assert thief.get(f"/trustee/{link}/upload/")["Location"] == f"/trustee/{link}/"
    handle = io.BytesIO(b'{"format": "tellers/trustee-announcement/v2"}')
    handle.name = "announcement.json"
    sent = thief.post(
        f"/trustee/{link}/upload/",
        {"file": handle, "csrfmiddlewaretoken": thief.cookies["csrftoken"].value},
        follow=True,
    )
    assert "nothing was received" in sent.content.decode()
    assert not TrusteeFile.objects.exists()
    refused = send_code(thief, link, "123456")
    assert refused.status_code == 400 and not step_shown(thief, link)


def test_first_visit_enrols_and_every_later_session_needs_a_code(link: str) -> None:
    trustee = csrf_client()
    key, step = enrol(trustee, link)
    factor = TrusteeFactor.objects.get(trustee__token_hash=setup.token_hash(link))
    assert factor.key == key and factor.last_t == step
    assert step_shown(trustee, link)  # the rest of this session needs no more codes
    assert trustee.get(f"/trustee/{link}/download/manifest/").status_code == 200

    later = csrf_client()  # the next day, a new browser session
    page = later.get(f"/trustee/{link}/").content.decode()
    assert 'id="secret"' not in page and "enter your code" in page  # the key is not shown again
    assert send_code(later, link, code_now(key, step)).status_code == 302
    assert step_shown(later, link)


def test_a_code_is_taken_once_and_guessing_backs_off(link: str) -> None:
    key, step = enrol(csrf_client(), link)
    attacker = csrf_client()
    attacker.get(f"/trustee/{link}/")
    # The code typed at enrolment, replayed.
    replayed = send_code(attacker, link, f"{hotp(bytes.fromhex(key), step):06d}")
    assert replayed.status_code == 400 and "used already" in replayed.content.decode()
    # Straight after a wrong code, even the right one must wait.
    code, used = fresh_code(key, step)
    held = send_code(attacker, link, code)
    assert held.status_code == 429 and "Wait 1 second" in held.content.decode()
    assert not step_shown(attacker, link)
    time.sleep(1.1)
    trustee = csrf_client()
    trustee.get(f"/trustee/{link}/")
    assert send_code(trustee, link, code).status_code == 302  # the trustee's own, in time
    time.sleep(2.1)  # past the back-off
    assert send_code(attacker, link, code).status_code == 400  # and once only
    factor = TrusteeFactor.objects.get(trustee__token_hash=setup.token_hash(link))
    assert factor.last_t == used and factor.throttling_failure_count == 1


def test_whoever_enrols_first_holds_the_factor_and_the_trustee_sees_it(link: str) -> None:
    """Two visitors of one link see different keys; the second learns nothing of the first's
    and is told to raise the alarm instead of being shown a new key."""
    thief, trustee = csrf_client(), csrf_client()
    trustee_page = trustee.get(f"/trustee/{link}/").content.decode()
    enrol(thief, link)
    assert key_on_page(trustee_page) != TrusteeFactor.objects.get().key
    late = send_code(trustee, link, code_now(key_on_page(trustee_page)))
    assert late.status_code == 400 and "someone else has your link" in late.content.decode()
    again = trustee.get(f"/trustee/{link}/").content.decode()
    assert 'id="secret"' not in again and "someone else opened your link first" in again


def test_resetting_a_lost_authenticator_ends_its_sessions(link: str) -> None:
    trustee = csrf_client()
    enrol(trustee, link)
    t = Trustee.objects.get(token_hash=setup.token_hash(link))
    call_command("reset_trustee_authenticator", t.election.slug, str(t.index), stdout=io.StringIO())
    assert not TrusteeFactor.objects.exists()
    assert AuditLog.objects.filter(action="trustee-authenticator-reset").count() == 1
    assert not step_shown(trustee, link)  # the old phone's session is over
    enrol(csrf_client(), link)  # the trustee sets up the new phone
