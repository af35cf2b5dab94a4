"""Staff sign-in as an attacker meets it: passwords throttled per account and per address,
an authenticator code for every role page, codes single-use and their guessing throttled.

Every client enforces CSRF and posts through the real forms; addresses are set as
``REMOTE_ADDR`` (documentation ranges, no traffic), which the trusted-proxy setting makes
the real client's in production.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice
from webtesting import PASSWORD, code_now, fresh_code, key_on_page

__all__: list[str] = []

HERE, THERE, ELSEWHERE = "192.0.2.10", "198.51.100.20", "203.0.113.30"


def client_at(address: str = HERE, **headers: str) -> Client:
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=address, **headers)


def post_form(client: Client, url: str, data: dict[str, str]) -> Any:
    """GET the form (for its CSRF cookie), then POST it, as a browser would."""
    client.get(url)
    return client.post(url, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def password(client: Client, username: str, given: str = PASSWORD, url: str = "") -> Any:
    return post_form(client, url or "/accounts/login/", {"username": username, "password": given})


def follow(client: Client, response: Any) -> Any:
    """Follow redirects (GET) to the page a browser would end on."""
    while response.status_code == 302:
        response = client.get(response["Location"])
    return response


def enrol(client: Client, username: str, *, address: str = HERE) -> tuple[str, int]:
    """First sign-in of ``username``: the password, then the enrolment page's key confirmed
    with a code computed from it. Returns the key (hex) and the time step used."""
    landed = follow(client, password(client, username))
    assert landed.status_code == 200 and landed.wsgi_request.path == "/accounts/enrol/"
    key = key_on_page(landed.content.decode())
    code, step = fresh_code(key)
    done = client.post(
        landed.wsgi_request.get_full_path(),
        {"code": code, "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
    )
    assert done.status_code == 302, done.content.decode()
    return key, step


def submit_code(client: Client, code: str) -> Any:
    return client.post(
        "/accounts/code/", {"code": code, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    )


# ---- the authenticator code -----------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "scrutineer"])
def test_a_password_alone_opens_no_page_of_a_role(cast: dict[str, Any], role: str) -> None:
    client = client_at()
    response = password(client, role)
    assert response.status_code == 302
    assert follow(client, response).wsgi_request.path == "/accounts/enrol/"
    for url in ["/officer/", "/officer/e/gs-2026/", "/officer/e/gs-2026/roll/", "/scrutiny/"]:
        assert client.get(url).status_code == 403, url


def test_first_sign_in_enrols_then_every_sign_in_asks_for_a_code(cast: dict[str, Any]) -> None:
    client = client_at()
    key, step = enrol(client, "officer")
    device = TOTPDevice.objects.get(user=cast["officer"])
    assert device.confirmed and device.key == key and device.last_t == step
    assert client.get("/officer/").status_code == 200  # landed on the officer's page
    post_form(client, "/officer/", {})  # any page gives the CSRF cookie
    client.post("/accounts/logout/", {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert client.get("/officer/").status_code == 302  # signed out

    again = client_at()
    landed = follow(again, password(again, "officer"))
    assert landed.wsgi_request.path == "/accounts/code/"
    assert 'id="secret"' not in landed.content.decode()  # the key is never shown again
    assert again.get("/accounts/enrol/").status_code == 302  # nor can a second app enrol
    assert again.get("/officer/").status_code == 403
    right = submit_code(again, code_now(key, step))
    assert right.status_code == 302
    assert follow(again, right).wsgi_request.path == "/officer/"


def test_a_wrong_code_is_refused_and_guessing_is_throttled(cast: dict[str, Any]) -> None:
    key, step = enrol(client_at(), "officer")
    client = client_at()
    follow(client, password(client, "officer"))
    right = code_now(key, step)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    refused = submit_code(client, wrong)
    assert refused.status_code == 400
    assert "That code is not right" in refused.content.decode()
    assert client.get("/officer/").status_code == 403
    # Straight after a wrong code, even the right one waits (1 s, then 2, 4, 8 ...).
    held = submit_code(client, right)
    assert held.status_code == 429 and "Wait 1 second" in held.content.decode()
    time.sleep(1.1)
    assert submit_code(client, right).status_code == 302
    assert client.get("/officer/").status_code == 200


def test_a_code_is_taken_once(cast: dict[str, Any]) -> None:
    """A code seen over the shoulder, or replayed from a captured request, is refused."""
    key, step = enrol(client_at(), "scrutineer")
    first, second = client_at(), client_at(THERE)
    for client in (first, second):
        follow(client, password(client, "scrutineer"))
    typed_at_enrolment = f"{hotp(bytes.fromhex(key), step):06d}"
    assert submit_code(first, typed_at_enrolment).status_code == 400
    time.sleep(1.1)  # the back-off after that wrong try
    code, used = fresh_code(key, step)
    assert submit_code(first, code).status_code == 302
    time.sleep(1.1)
    replayed = submit_code(second, code)
    assert replayed.status_code == 400 and "used already" in replayed.content.decode()
    assert second.get("/scrutiny/").status_code == 403
    assert TOTPDevice.objects.get(user=cast["scrutineer"]).last_t == used


def test_the_enrolment_key_belongs_to_one_session(cast: dict[str, Any]) -> None:
    """Someone who has the password of an account not yet enrolled sees a key of their own,
    not the one its owner confirms; once the owner confirms, theirs is worth nothing."""
    thief = client_at(ELSEWHERE)
    seen = key_on_page(follow(thief, password(thief, "officer")).content.decode())
    key, _step = enrol(client_at(), "officer")
    assert seen != key
    assert thief.get("/accounts/enrol/")["Location"].startswith("/accounts/code/")
    refused = submit_code(thief, code_now(seen))
    assert refused.status_code == 400 and thief.get("/officer/").status_code == 403


def test_the_scrutineer_lands_on_the_scrutineers_page(cast: dict[str, Any]) -> None:
    client = client_at()
    enrol(client, "scrutineer")
    assert client.get("/accounts/")["Location"] == "/scrutiny/"
    assert client.get("/scrutiny/").status_code == 200


def test_sign_in_returns_to_the_page_asked_for(cast: dict[str, Any]) -> None:
    client = client_at()
    asked = client.get("/officer/e/gs-2026/")
    assert asked.status_code == 302
    login_url = asked["Location"]
    assert login_url == "/accounts/login/?next=/officer/e/gs-2026/"
    landed = follow(client, password(client, "officer", url=login_url))
    assert landed.wsgi_request.path == "/accounts/enrol/"
    key = key_on_page(landed.content.decode())
    done = client.post(
        landed.wsgi_request.get_full_path(),
        {"code": code_now(key), "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
    )
    assert follow(client, done).wsgi_request.path == "/officer/e/gs-2026/"
    # ... never to another site.
    other = client_at(THERE)
    response = password(other, "officer", url="/accounts/login/?next=https://evil.example/")
    assert "evil.example" not in follow(other, response).wsgi_request.get_full_path()


def test_an_account_without_a_role_needs_no_code_and_opens_nothing(
    cast: dict[str, Any],
) -> None:
    client = client_at()
    landed = follow(client, password(client, "outsider"))
    assert landed.status_code == 200 and 'id="no-role"' in landed.content.decode()
    assert not TOTPDevice.objects.filter(user=cast["outsider"]).exists()
    assert client.get("/officer/").status_code == 403


def test_removing_a_lost_authenticator_ends_its_sessions_and_enrols_anew(
    cast: dict[str, Any],
) -> None:
    client = client_at()
    enrol(client, "officer")
    assert client.get("/officer/").status_code == 200
    call_command("remove_authenticator", "officer", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not TOTPDevice.objects.filter(user=cast["officer"]).exists()
    assert client.get("/officer/").status_code == 403  # the session lost its code at once
    enrol(client_at(), "officer")  # the next sign-in sets up the new phone


# ---- password throttling (django-axes) --------------------------------------------------


def wrong_passwords(client: Client, username: str, times: int = 5) -> Any:
    response = None
    for _ in range(times):
        response = password(client, username, "not the password")
    return response


def test_five_wrong_passwords_lock_that_account_and_that_address(cast: dict[str, Any]) -> None:
    attacker = client_at(HERE)
    for _ in range(4):
        assert password(attacker, "officer", "guess").status_code == 200  # the form again
    locked = password(attacker, "officer", "guess")  # the fifth
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "The wrong password was entered 5 times" in page
    assert re.search(r"Try again after \d\d:\d\d", page)
    assert "site.css" in page  # the site's own page, not a bare message
    # The right password does not get in now, from there or from anywhere.
    assert password(client_at(HERE), "officer").status_code == 429
    assert password(client_at(THERE), "officer").status_code == 429
    # Nor does another account from the attacker's address ...
    assert password(client_at(HERE), "scrutineer").status_code == 429
    # ... but another account from another address signs in as ever.
    elsewhere = client_at(THERE)
    assert password(elsewhere, "scrutineer").status_code == 302
    assert follow(elsewhere, elsewhere.get("/accounts/")).wsgi_request.path == "/accounts/enrol/"


def test_the_address_counted_is_remote_addr_never_a_forwarded_header(
    cast: dict[str, Any],
) -> None:
    """One client spraying five accounts, each try claiming another X-Forwarded-For."""
    for i in range(5):
        sprayer = client_at(HERE, HTTP_X_FORWARDED_FOR=f"198.51.100.{100 + i}")
        password(sprayer, f"nobody{i}", "guess")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {HERE}
    assert password(client_at(HERE), "officer").status_code == 429
    assert password(client_at(THERE), "officer").status_code == 302  # the account is fine


def test_behind_the_trusted_proxy_each_client_is_counted_apart(
    cast: dict[str, Any], settings: Any
) -> None:
    """nginx on the same machine: five mistakes by one client lock that client, never
    everyone else whose requests come through the same proxy."""
    settings.TELLERS_TRUSTED_PROXIES = ["127.0.0.1"]

    def via_proxy(client_address: str) -> Client:
        return client_at("127.0.0.1", HTTP_X_FORWARDED_FOR=client_address)

    for i in range(5):
        password(via_proxy(HERE), f"nobody{i}", "guess")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {HERE}
    assert password(via_proxy(HERE), "officer").status_code == 429
    assert password(via_proxy(THERE), "officer").status_code == 302


def test_a_lock_out_expires_after_the_cool_off(cast: dict[str, Any], settings: Any) -> None:
    settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
    wrong_passwords(client_at(), "officer")
    assert password(client_at(), "officer").status_code == 429
    time.sleep(1.0)
    # A try while locked neither counts nor extends the lock: the wait shown is the wait.
    assert password(client_at(), "officer", "guess").status_code == 429
    time.sleep(1.2)
    assert password(client_at(), "officer").status_code == 302


def test_an_administrator_lifts_a_lock_out(cast: dict[str, Any]) -> None:
    wrong_passwords(client_at(HERE), "officer")
    assert password(client_at(THERE), "officer").status_code == 429
    call_command("axes_reset_username", "officer", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert password(client_at(THERE), "officer").status_code == 302


def test_an_address_never_locked_still_needs_the_code(cast: dict[str, Any], settings: Any) -> None:
    """TELLERS_STAFF_NEVER_LOCKED: the office's address signs in while the account is locked
    from elsewhere; the code is asked all the same."""
    settings.AXES_IP_WHITELIST = [THERE]
    settings.AXES_NEVER_LOCKOUT_WHITELIST = True
    wrong_passwords(client_at(HERE), "officer")
    assert password(client_at(ELSEWHERE), "officer").status_code == 429
    office = client_at(THERE)
    assert password(office, "officer").status_code == 302
    assert follow(office, office.get("/accounts/")).wsgi_request.path == "/accounts/enrol/"
    assert office.get("/officer/").status_code == 403
