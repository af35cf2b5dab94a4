"""Staff sign-in and the trustee's first visit in real Chromium, at 360 px, under the CSP.

An officer sets up an authenticator app from the QR code (an SVG ``data:``
image, which the Content-Security-Policy allows), confirms it with the code
the app would show (computed here from the key the page shows), and on the
next sign-in types a wrong code, then the right one. The scrutineer lands on
the scrutineer's page. Five wrong passwords give the lock-out page. A trustee's
link opens on the enrolment page, not the trustee's page. Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from a11y import assert_accessible, overflow, small_targets
from django.contrib.auth.models import Group, User
from test_browser_smoke import ARTIFACTS, chromium
from test_browser_smoke import pytestmark as browser_marks
from test_lifecycle_flow import new_election
from webtesting import PASSWORD, enrol_in_browser, fresh_code, type_code

from tellers.web.store.access import OFFICER_GROUP, SCRUTINEER_GROUP
from tellers.web.store.models import Trustee
from tellers.web.store.setup import token_hash

__all__: list[str] = []

pytestmark = browser_marks
PHONE = {"width": 360, "height": 740}


def open_page(browser: Any) -> tuple[Any, list[str]]:
    """A new 360 px page, and the console errors it will log (a CSP refusal is one), less
    the notes of a 400 or 429 status, which the refused code or password pages are."""
    page = browser.new_context(viewport=PHONE).new_page()
    errors: list[str] = []

    def keep(message: Any) -> None:
        if message.type == "error" and "responded with a status of 4" not in message.text:
            errors.append(message.text)

    page.on("console", keep)
    return page, errors


def password(page: Any, base: str, username: str, given: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", given)
    page.click("#sign-in")
    page.wait_for_load_state()


def fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"])


def shot(page: Any, name: str) -> None:
    """WCAG 2.2 AA for the page in this state (axe-core, structure, 24 px targets, no
    sideways scrolling), and its picture."""
    assert_accessible(page, name)
    assert small_targets(page) == [], name
    assert overflow(page) == [], name
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-360.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_staff_enrol_then_sign_in_with_a_code(live_server: Any) -> None:
    for name, group in (("officer", OFFICER_GROUP), ("scrutineer", SCRUTINEER_GROUP)):
        User.objects.create_user(name, password=PASSWORD).groups.add(Group.objects.get(name=group))
    base = live_server.url
    with chromium() as browser:
        page, errors = open_page(browser)
        page.goto(f"{base}/accounts/login/")
        shot(page, "staff-sign-in")
        password(page, base, "officer")
        page.wait_for_url("**/accounts/enrol/")
        assert page.evaluate("document.getElementById('qr').naturalWidth") > 100  # drawn
        assert fits(page)
        shot(page, "staff-enrol")
        key, step = enrol_in_browser(page)
        page.wait_for_url(f"{base}/officer/")
        assert page.is_visible("text=Sign out")
        page.click("text=Sign out")
        page.wait_for_load_state()

        password(page, base, "officer")
        page.wait_for_url("**/accounts/code/")
        assert page.locator("#secret").count() == 0 and page.locator("#qr").count() == 0
        shot(page, "staff-code")
        code, _used = fresh_code(key, step)
        type_code(page, f"{(int(code) + 1) % 1_000_000:06d}")
        assert "That code is not right" in page.inner_text("#code-error")
        assert page.get_attribute("#id_code", "aria-invalid") == "true"
        assert fits(page)
        shot(page, "staff-code-wrong")
        time.sleep(1.1)  # the back-off after a wrong code
        type_code(page, code)
        page.wait_for_url(f"{base}/officer/")
        assert errors == []

        scrutineer, errors = open_page(browser)
        password(scrutineer, base, "scrutineer")
        enrol_in_browser(scrutineer)
        scrutineer.wait_for_url(f"{base}/scrutiny/")  # the scrutineer's own page
        assert errors == []


@pytest.mark.django_db(transaction=True)
def test_five_wrong_passwords_show_the_lock_out_page(live_server: Any) -> None:
    User.objects.create_user("officer", password=PASSWORD).groups.add(
        Group.objects.get(name=OFFICER_GROUP)
    )
    with chromium() as browser:
        page, errors = open_page(browser)
        for _ in range(4):
            password(page, live_server.url, "officer", "a guess")
            assert "do not match" in page.inner_text("#sign-in-error")
        shot(page, "staff-sign-in-wrong")
        password(page, live_server.url, "officer", "a guess")
        assert page.inner_text("h1") == "Sign-in paused"
        assert "wrong password was entered 5 times" in page.inner_text("#locked-out")
        assert "Try again after" in page.inner_text("#locked-until")
        assert fits(page)
        shot(page, "staff-locked-out")
        password(page, live_server.url, "officer")  # the right password, too soon
        assert page.inner_text("h1") == "Sign-in paused"
        assert errors == []


@pytest.mark.django_db(transaction=True)
def test_a_trustee_link_opens_on_the_authenticator_first(live_server: Any) -> None:
    election = new_election(slug="tess-2026")
    Trustee.objects.create(
        election=election, index=1, name="Tess Trustee", email="tess@example.org",
        token_hash=token_hash("tess-link"),
    )  # fmt: skip
    with chromium() as browser:
        page, errors = open_page(browser)
        page.goto(f"{live_server.url}/trustee/tess-link/")
        assert page.locator("#step").count() == 0 and page.locator("#download").count() == 0
        assert page.evaluate("document.getElementById('qr').naturalWidth") > 100
        assert fits(page)
        shot(page, "trustee-enrol")
        enrol_in_browser(page)
        assert page.get_attribute("#step", "data-step") == "keygen"
        assert errors == []
