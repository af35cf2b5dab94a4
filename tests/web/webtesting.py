"""Helpers the web tests import (a plain module: two conftest.py files cannot both be imported
as ``conftest``). Django is configured by ``tests/web/conftest.py`` before any test imports this.
"""

from __future__ import annotations

import base64
import csv
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

__all__ = [
    "PASSWORD",
    "as_trustee",
    "authority_codes",
    "code_now",
    "csrf_client",
    "enrol_in_browser",
    "fresh_code",
    "key_on_page",
    "postgres_param",
    "sign_in_with_code",
    "type_code",
]

PASSWORD = "correct horse battery staple"


def postgres_param() -> Any:
    """``pytest.param("pg")``, skipped with the reason when no PostgreSQL answers."""
    from django.conf import settings

    present = "pg" in settings.DATABASES
    reason = (
        "no PostgreSQL answers at "
        f"{settings.POSTGRES_URL} ({settings.POSTGRES_PROBLEM}); "
        "set TELLERS_REQUIRE_POSTGRES=1 to make this a failure"
    )
    return pytest.param("pg", marks=pytest.mark.skipif(not present, reason=reason), id="postgres")


def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def authority_codes(election: Any, work: Path) -> dict[str, str]:
    """Play the credential authority (``tellers credentials issue`` and the upload); return each
    member's code by membership number, as the member's own letter would join them."""
    from tellers.web.demo import issue_credentials

    mailing = issue_credentials(election, work)
    numbers = dict(election.members.values_list("reference", "member_number"))
    with mailing.open(newline="", encoding="utf-8") as handle:
        return {numbers[row["reference"]]: row["code"] for row in csv.DictReader(handle)}


def fresh_code(key_hex: str, after: int = -1) -> tuple[str, int]:
    """What the authenticator app holding ``key_hex`` shows now, and its time step.

    ``after`` is the last time step the site took: a code for it would be refused as used,
    so this gives the next step's (the site allows one step of clock difference), waiting
    for the step to come round when even that one is taken.
    """
    from django_otp.oath import TOTP

    totp = TOTP(bytes.fromhex(key_hex))
    while totp.t() + 1 <= after:
        time.sleep(1)
    totp.drift = 1 if totp.t() <= after else 0
    return f"{totp.token():06d}", int(totp.t())


def code_now(key_hex: str, after: int = -1) -> str:
    """The code of ``fresh_code``."""
    return fresh_code(key_hex, after)[0]


def enrol_in_browser(page: Any) -> tuple[str, int]:
    """On an enrolment page in Chromium, do as a person with an authenticator app: read the
    key the page shows, type the app's code, confirm. Returns the key (hex) and the step."""
    key = key_on_page(f'<code id="secret">{page.inner_text("#secret")}</code>')
    code, step = fresh_code(key)
    type_code(page, code)
    return key, step


def type_code(page: Any, code: str) -> None:
    page.fill("#id_code", code)
    page.click("form:has(#id_code) button[type=submit]")
    page.wait_for_load_state()


def key_on_page(html: str) -> str:
    """The authenticator key an enrolment page shows (``#secret``, base32 in groups), as hex."""
    found = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', html)
    assert found is not None, "no authenticator key on the page"
    return base64.b32decode(found.group(1).replace(" ", "")).hex()


def sign_in_with_code(client: Client, user: Any) -> None:
    """Sign ``user`` in, and for a staff role also with the code step done: the account gets
    an authenticator (a confirmed django-otp TOTP device) and the session records it through
    django-otp's own ``login``, as the code page does after a right code."""
    import django_otp
    from django.http import HttpRequest
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tellers.web.store.access import needs_second_factor

    client.force_login(user)
    if not needs_second_factor(user):
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    request = HttpRequest()
    request.session = client.session
    request.user = user
    django_otp.login(request, device)
    request.session.save()


def as_trustee(client: Client, token: str) -> Client:
    """Open the trustee page of ``token`` in ``client``'s session as its trustee would: set
    up the authenticator from the enrolment page at the first visit, or type a fresh code
    from it (the key kept from that first visit) afterwards. Once per client and link."""
    from tellers.web.store.models import TrusteeFactor
    from tellers.web.store.setup import token_hash

    done: set[str] = client.__dict__.setdefault("tellers_trustees", set())
    if token in done:
        return client
    page = client.get(f"/trustee/{token}/")
    assert page.status_code == 200, page.status_code
    html = page.content.decode()
    if 'id="secret"' in html:
        code = code_now(key_on_page(html))
    else:
        factor = TrusteeFactor.objects.get(trustee__token_hash=token_hash(token))
        code = code_now(factor.key, factor.last_t)
    response = client.post(
        f"/trustee/{token}/code/",
        {"code": code, "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
    )
    assert response.status_code == 302, response.content.decode()
    done.add(token)
    return client
