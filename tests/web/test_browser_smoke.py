"""Real Chromium (Debian's, by executable_path) loads the public election page.

Checks the Content-Security-Policy header, that the crypto bundle loads and
runs under it with no console error, and saves a 360 px wide screenshot to
test-artifacts/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tellers.web.store.models import Election, Trustee

__all__: list[str] = []

CHROMIUM = os.environ.get("TELLERS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BUNDLE = Path(__file__).resolve().parents[2] / "src/tellers/web/static/tellers/tellers.js"

pytestmark = [
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"no Chromium at {CHROMIUM}: run scripts/setup-test-env to install Debian's",
    ),
    pytest.mark.skipif(
        not BUNDLE.exists(), reason="no browser bundle: run scripts/setup-test-env to build it"
    ),
]


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright. Playwright runs an event loop in this
    thread while open, so the test touches the database before, never inside."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.mark.django_db(transaction=True)
def test_public_election_page_in_chromium(live_server: Any) -> None:
    election = Election.objects.create(
        slug="smoke",
        title="Executive Council 2026 — North West",
        status=Election.Status.OPEN,
        scrutineer_name="Independent Ballot Services Ltd",
    )
    for i, name in enumerate(["Amira Khan", "Brian O'Neill", "Chen Wei"], start=1):
        Trustee.objects.create(
            election=election, index=i, name=name, email=f"t{i}@example.org", token_hash=f"{i:064x}"
        )

    title = election.title
    problems: list[str] = []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 360, "height": 740})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        response = page.goto(f"{live_server.url}/e/smoke/", wait_until="networkidle")

        assert response is not None and response.status == 200
        assert "script-src 'self'" in response.headers["content-security-policy"]
        # A selector, not a JS predicate: the page's CSP forbids eval, even Playwright's.
        page.locator("html[data-tellers-crypto=ready]").wait_for(state="attached")
        assert page.get_by_role("heading", level=1).inner_text() == title
        # Nothing wider than the phone's screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "public-election-360.png"), full_page=True)
    assert problems == []
