"""WCAG 2.2 AA in Chromium at 360 px for the statutory documents' pages: the scrutineer's
statements page, the officer's publish step with a statement not satisfied, the result page
showing it, and the s.52 report's HTML twin itself (axe-core, structure, targets, reflow)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from a11y import assert_accessible, orm_beside_playwright, overflow, screenshot, small_targets
from test_browser_smoke import chromium
from test_browser_smoke import pytestmark as browser_marks
from test_report_pages import REASON, declared, statements_form
from webtesting import csrf_client, sign_in_with_code

from tellers.web.reports import service
from tellers.web.store import count
from tellers.web.store.models import Election

__all__: list[str] = []

pytestmark = browser_marks


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with orm_beside_playwright(), chromium() as instance:
        yield instance


def _as(browser: Any, base: str, client: Any) -> Any:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    if client is not None:
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
        )
    return context.new_page()


def _check(page: Any, name: str) -> None:
    assert_accessible(page, name)
    assert small_targets(page) == [], name
    assert overflow(page) == [], name
    screenshot(page, name)


@pytest.mark.django_db(transaction=True)
def test_the_statements_the_publish_step_the_result_and_the_report_are_accessible(
    live_server: Any, browser: Any, cast: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = str(tmp_path)
    built = declared("s52-a11y")
    slug, base = built.election.slug, live_server.url
    scrutineer, officer = csrf_client(), csrf_client()
    sign_in_with_code(scrutineer, cast["scrutineer"])
    sign_in_with_code(officer, cast["officer"])

    page = _as(browser, base, scrutineer)
    assert page.goto(f"{base}/scrutiny/e/{slug}/statements/").status == 200
    _check(page, "s52-statements")
    service.save_statements(Election.objects.get(slug=slug), cast["scrutineer"], statements_form())

    page = _as(browser, base, officer)
    assert page.goto(f"{base}/officer/e/{slug}/").status == 200
    assert REASON in page.locator("#not-satisfied").inner_text()
    assert page.locator("#confirm-not-satisfied").is_visible()
    _check(page, "s52-publish-step")

    count.publish(Election.objects.get(slug=slug), None)
    page = _as(browser, base, None)
    assert page.goto(f"{base}/e/{slug}/result/").status == 200
    assert REASON in page.locator("#not-satisfied").inner_text()
    _check(page, "s52-result")

    _pdf, html = service.s52_files(Election.objects.get(slug=slug))
    # A file of its own, read where it is saved: not under the site's Content-Security-Policy.
    page = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    page.set_content(html)
    assert REASON in page.locator("[role=alert]").first.inner_text()
    _check(page, "s52-report-html")
