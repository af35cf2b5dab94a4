"""WCAG 2.2 AA on the nominations pages in Chromium at 360 px (as test_accessibility_staff):
the officer's, open and closed, the election form, and the public log and addresses."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from a11y import assert_accessible, orm_beside_playwright, overflow, screenshot, small_targets
from test_accessibility_staff import _as
from test_browser_smoke import chromium
from test_browser_smoke import pytestmark as browser_marks
from webtesting import csrf_client, sign_in_with_code

from tellers.nominations import Period, Rules
from tellers.web.nominations import service
from tellers.web.store import steps

__all__: list[str] = []

pytestmark = browser_marks


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with orm_beside_playwright(), chromium() as instance:
        yield instance


def _check(page: Any, url: str, name: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    assert_accessible(page, name)
    assert small_targets(page) == [], name
    assert overflow(page) == [], name
    screenshot(page, name)


def _photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (90, 120), (20, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def _period(contest: str, monkeypatch: pytest.MonkeyPatch, close: bool) -> Any:
    monkeypatch.setattr(steps, "now", lambda: datetime.fromisoformat("2026-03-02T09:00:00+00:00"))
    bodies = "body_id,name,kind,region\n" + "".join(
        f"B{r}{i},{region} branch {i},branch,{region}\n"
        for r, region in enumerate(("North West", "London", "Wales"))
        for i in range(3)
    )
    period = service.open_period(
        election_id="gs-2026", contest=contest, office="General Secretary",
        organisation="Example Union",
        period=Period("2026-03-02T09:00:00+00:00", "2026-03-30T17:00:00+00:00",
                      "2026-03-27T17:00:00+00:00"),
        rules=Rules(min_nominations=2, more_than_regions=1, photo_allowed=True),
        bodies_csv=bodies.encode(), filename="bodies.csv", actor=None,
    )  # fmt: skip
    monkeypatch.setattr(steps, "now", lambda: datetime.fromisoformat("2026-03-10T09:00:00+00:00"))
    for cid, name, nominated in (
        ("ward", "Sharon Ward", ("B00", "B10")),
        ("adams", "Tom Adams", ("B20", "B11", "B01")),
    ):
        service.register(period, cid, name, None)
        for body in nominated:
            n = service.receive(period, cid, body, None, None)
            if body != "B01":
                service.rule(period, n, True, "", None)
    service.receive(period, "ward", "XX9", None, None)  # left pending: its finding shows
    service.submit_address(
        period, "ward", "Sharon Ward.\n\nA union run by its members.", _photo(), None
    )
    service.submit_address(period, "adams", "Tom Adams: organise every workplace.", None, None)
    if close:
        service.rule(period, 5, False, "the form was not signed", None)
        service.rule(period, 6, False, "", None)
        monkeypatch.setattr(
            steps, "now", lambda: datetime.fromisoformat("2026-03-31T09:00:00+00:00")
        )
        service.close(period, "", None)
    period.refresh_from_db()
    return period


@pytest.mark.django_db(transaction=True)
def test_nominations_pages(
    live_server: Any, browser: Any, cast: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    running = _period("general-secretary", monkeypatch, close=False)
    closed = _period("president", monkeypatch, close=True)
    base = live_server.url
    officer = csrf_client()
    sign_in_with_code(officer, cast["officer"])
    page = _as(browser, base, officer)
    _check(page, f"{base}/officer/nominations/", "nominations-officer-list")
    _check(page, f"{base}/officer/nominations/new/", "nominations-officer-new")
    _check(page, f"{base}/officer/nominations/{running.pk}/", "nominations-officer-open")
    _check(page, f"{base}/officer/nominations/{closed.pk}/", "nominations-officer-closed")
    _check(page, f"{base}/officer/new/form/?nominations={closed.pk}", "officer-new-form")
    public = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    _check(public, f"{base}/nominations/", "nominations-public-list")
    _check(public, f"{base}/e/gs-2026/nominations/general-secretary/", "nominations-public-open")
    _check(public, f"{base}/e/gs-2026/nominations/president/", "nominations-public-closed")
    _check(public, f"{base}/e/gs-2026/nominations/president/addresses/", "nominations-addresses")
