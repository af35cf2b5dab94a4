"""WCAG 2.2 AA on the staff's and trustees' pages in Chromium, at 360 px: axe-core (the WCAG
2.x A and AA rules), structure, 24 px targets and no sideways scrolling.

Each party's session is made as its own sign-in makes it (password and authenticator code,
``webtesting.sign_in_with_code``; a trustee's link and code, ``webtesting.as_trustee``) and
handed to the browser as its session cookie.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from a11y import assert_accessible, orm_beside_playwright, overflow, screenshot, small_targets
from test_browser_smoke import chromium
from test_browser_smoke import pytestmark as browser_marks
from voter_fixtures import build_open_election, close_and_publish, make_ballot, sample_manifest
from webtesting import csrf_client

from tellers.record.v2 import manifest_to_json
from tellers.web.store import board
from tellers.web.store.models import Election

__all__: list[str] = []

pytestmark = browser_marks


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with orm_beside_playwright(), chromium() as instance:
        yield instance


def _as(browser: Any, base: str, client: Any) -> Any:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    return context.new_page()


def _check(page: Any, url: str, name: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    assert_accessible(page, name)
    assert small_targets(page) == [], name
    assert overflow(page) == [], name
    screenshot(page, name)


@pytest.mark.django_db(transaction=True)
def test_officer_and_scrutineer_pages(live_server: Any, browser: Any, cast: dict[str, Any]) -> None:
    from webtesting import sign_in_with_code

    open_ = build_open_election("staff-open")
    done = build_open_election("staff-done")
    for voter in done.voters:
        board.cast(done.election, make_ballot(done, voter)[0])
    close_and_publish(done)
    Election.objects.filter(pk=done.election.pk).update(status="tallying")  # to sign off
    Election.objects.create(
        slug="staff-draft",
        title="Branch secretary 2027",
        manifest=manifest_to_json(sample_manifest("staff-draft")),
    )
    base = live_server.url
    officer, scrutineer = csrf_client(), csrf_client()
    sign_in_with_code(officer, cast["officer"])
    sign_in_with_code(scrutineer, cast["scrutineer"])

    page = _as(browser, base, officer)
    _check(page, f"{base}/officer/", "officer")
    _check(page, f"{base}/officer/new/", "officer-new")
    _check(page, f"{base}/officer/e/staff-draft/", "officer-draft")
    assert page.locator("#open-election").is_disabled()
    look = page.eval_on_selector(
        "#open-election", "(b) => [getComputedStyle(b).cursor, getComputedStyle(b).borderStyle]"
    )
    assert look == ["not-allowed", "dashed"]  # a disabled button looks it
    _check(page, f"{base}/officer/e/staff-draft/roll/import/", "officer-roll-import")
    _check(page, f"{base}/officer/e/staff-draft/trustees/", "officer-trustees")
    _check(page, f"{base}/officer/e/staff-open/", "officer-election")
    _check(page, f"{base}/officer/e/staff-open/roll/", "officer-roll")
    _check(page, f"{base}/officer/e/staff-open/credentials/", "officer-credentials")
    _check(page, f"{base}/officer/e/staff-open/delivery/", "officer-delivery")
    _check(page, f"{base}/officer/e/staff-done/", "officer-tallying")

    page = _as(browser, base, scrutineer)
    _check(page, f"{base}/scrutiny/", "scrutiny")
    _check(page, f"{base}/scrutiny/e/staff-draft/", "scrutiny-draft")
    _check(page, f"{base}/scrutiny/e/staff-open/", "scrutiny-election")
    _check(page, f"{base}/scrutiny/e/staff-done/", "scrutiny-sign-off")
    assert page.locator("#sign-off").is_visible()
    _check(page, f"{base}/scrutiny/e/staff-open/delivery/", "scrutiny-delivery")
    _check(page, f"{base}/scrutiny/e/staff-done/retention/", "scrutiny-retention")
    assert open_.election.slug == "staff-open"


@pytest.mark.django_db(transaction=True)
def test_trustee_pages(live_server: Any, browser: Any) -> None:
    from webtesting import as_trustee

    build_open_election("trustee-a11y")
    token = "trustee-a11y-trustee-1"  # voter_fixtures names each trustee's link so
    client = as_trustee(csrf_client(), token)
    page = _as(browser, live_server.url, client)
    _check(page, f"{live_server.url}/trustee/{token}/", "trustee")
    _check(page, f"{live_server.url}/trustee/{token}/upload/", "trustee-upload")


@pytest.mark.django_db(transaction=True)
def test_a_trustees_first_step_with_its_command_fits_a_phone(
    live_server: Any, browser: Any
) -> None:
    """The key ceremony's first step shows a command to type: it wraps at 360 px."""
    from webtesting import as_trustee

    from tellers.web.store.models import Trustee
    from tellers.web.store.setup import token_hash

    election = Election.objects.create(
        slug="trustee-keygen",
        title="Branch secretary 2027",
        manifest=manifest_to_json(sample_manifest("trustee-keygen")),
    )
    token = "trustee-keygen-link-1"
    Trustee.objects.create(
        election=election,
        index=1,
        name="Amira Khan",
        email="a@example.org",
        token_hash=token_hash(token),
    )
    client = as_trustee(csrf_client(), token)
    page = _as(browser, live_server.url, client)
    _check(page, f"{live_server.url}/trustee/{token}/", "trustee-keygen")
    assert page.get_attribute("#step", "data-step") == "keygen"
    assert page.locator("#step pre").count() >= 1
