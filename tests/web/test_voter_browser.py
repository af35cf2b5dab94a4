"""One member votes in real Chromium at 360 px: sign in, encrypt, audit, encrypt again, cast, find.

Drives the page contract (docs/web.md) under the site's strict CSP, with no
console error, and saves the ballot page to test-artifacts/ballot-360.png.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_browser_smoke import ARTIFACTS, chromium
from test_browser_smoke import pytestmark as browser_marks
from voter_fixtures import build_open_election

from tellers.crypto.credentials import ALPHABET
from tellers.crypto.group import Point, Scalar
from tellers.web.store.models import BoardEvent
from tellers.web.store.parties import short_fingerprint

__all__: list[str] = []

pytestmark = browser_marks


@pytest.mark.django_db(transaction=True)
def test_member_votes_in_chromium(live_server: Any) -> None:
    built = build_open_election("browser-vote")
    voter = built.voters[0]
    typo = voter.code[:-1] + next(c for c in ALPHABET if c != voter.code[-1])
    base = f"{live_server.url}/vote/browser-vote"

    problems: list[str] = []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 360, "height": 740})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{base}/", wait_until="networkidle")
        page.locator("html[data-tellers-crypto=ready]").wait_for(state="attached")

        page.fill("#code", typo.lower())
        page.fill("#id_member_number", voter.member_number)
        page.click("#sign-in")
        page.locator("#code-error").wait_for(state="visible")
        assert "probably a typo" in page.inner_text("#code-error")

        page.fill("#code", voter.code)
        page.click("#sign-in")
        page.wait_for_url(f"{base}/ballot/")
        page.locator("html[data-tellers-crypto=ready]").wait_for(state="attached")
        # The browser recomputed the fingerprint and shows it for the member to compare.
        shown = page.inner_text("#election-fingerprint")
        assert shown == short_fingerprint(built.election) and len(shown) == 19

        page.check('input[name="contest-general-secretary"][value="patel"]')
        page.check('input[name="contest-executive-north"][value="ali"]')
        page.check('input[name="contest-strike"][value="yes"]')
        page.click("#encrypt")
        page.locator("#tracker-box").wait_for(state="visible")
        audited_tracker = page.inner_text("#tracker")
        assert len(audited_tracker) == 64
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "ballot-360.png"), full_page=True)

        page.click("#audit")
        page.locator("#audit-result").wait_for(state="visible")
        said = page.inner_text("#audit-result")
        assert "Raj Patel" in said and "Ali Hassan" in said and "Yes" in said
        assert page.locator("#tracker-box").is_hidden()

        page.click("#encrypt")
        page.locator("#tracker-box").wait_for(state="visible")
        cast_tracker = page.inner_text("#tracker")
        assert cast_tracker != audited_tracker
        page.click("#cast")
        page.wait_for_url(f"{base}/receipt/{cast_tracker}/")
        assert page.inner_text("#tracker") == cast_tracker
        stored = page.evaluate("JSON.stringify(Object.keys(sessionStorage))")
        assert stored == "[]", "the code stays in the browser after casting"

        page.goto(f"{live_server.url}/e/browser-vote/board/?tracker={cast_tracker[:10]}")
        page.locator("#tracker-found").wait_for(state="visible")
    assert problems == []
    types = dict(BoardEvent.objects.filter(election=built.election).values_list("tracker", "type"))
    assert types[audited_tracker] == "ballot-audited"
    assert types[cast_tracker] == "ballot-accepted"


@pytest.mark.django_db(transaction=True)
def test_the_page_refuses_to_encrypt_under_a_key_the_fingerprint_does_not_bind(
    live_server: Any,
) -> None:
    """Attack 9: a server that sends its own election key (to read the ballot) is caught by
    the member's browser, which recomputes the fingerprint before it encrypts anything."""
    built = build_open_election("browser-key")
    voter = built.voters[0]
    base = f"{live_server.url}/vote/browser-key"
    own_key = Point.base_times(Scalar.random()).hex()

    def swap_key(route: Any) -> None:
        response = route.fetch()
        body = response.text().replace(built.election.election_key, own_key)
        route.fulfill(response=response, body=body)

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 360, "height": 740})
        page.goto(f"{base}/", wait_until="networkidle")
        page.fill("#code", voter.code)
        page.fill("#id_member_number", voter.member_number)
        page.click("#sign-in")
        page.wait_for_url(f"{base}/ballot/")
        page.route(f"{base}/ballot/", swap_key)
        page.reload()
        page.locator("html[data-tellers-crypto=ready]").wait_for(state="attached")
        assert own_key in page.content()
        assert page.locator("#encrypt").is_disabled()
        assert "does not match its fingerprint" in page.inner_text("#ballot-status")
        page.unroute(f"{base}/ballot/")
        page.click("text=Sign out")
        page.wait_for_load_state()
        assert page.evaluate("JSON.stringify(Object.keys(sessionStorage))") == "[]"
    assert not BoardEvent.objects.filter(election=built.election, type="ballot-accepted").exists()
