"""WCAG 2.2 AA on the election form's check in Chromium at 360 px (as test_accessibility_staff):
the form filled in the browser as an officer would, and the rules in force it shows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from a11y import assert_accessible, orm_beside_playwright, overflow, screenshot, small_targets
from test_accessibility_staff import _as
from test_browser_smoke import chromium
from test_browser_smoke import pytestmark as browser_marks
from webtesting import csrf_client, sign_in_with_code

from tellers.web.store.models import Election

__all__: list[str] = []

pytestmark = browser_marks


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with orm_beside_playwright(), chromium() as instance:
        yield instance


@pytest.mark.django_db(transaction=True)
def test_the_rules_in_force_shown_by_the_forms_check(
    live_server: Any, browser: Any, cast: dict[str, Any]
) -> None:
    officer = csrf_client()
    sign_in_with_code(officer, cast["officer"])
    page = _as(browser, live_server.url, officer)
    response = page.goto(f"{live_server.url}/officer/new/form/")
    assert response is not None and response.status == 200
    for field, value in (
        ("election_id", "depot-2026"), ("title", "Depot ballot"),
        ("organisation", "Example Union"), ("scrutineer", "Independent Ballots Ltd"),
        ("opens", "2026-02-10 09:00"), ("closes", "2026-02-24 17:00"),
        ("constituencies", "north\nsouth"), ("contest_id", "strike"),
        ("contest_title", "Strike"), ("important_public_services", "north"),
        ("statement", "If you take part in a strike, you may be in breach of your contract."),
    ):  # fmt: skip
        page.fill(f"#id_{field}", value)
    page.select_option("#id_kind", "industrial-action")
    page.select_option("#id_method", "yes-no")
    page.click("#check")
    page.wait_for_selector("#rules-in-force")
    shown = page.inner_text("#rules-in-force")
    assert "40% of those entitled" in shown and "Trade Union Act 2016 s.3" in shown
    assert not Election.objects.filter(slug="depot-2026").exists()  # checked, not created
    assert_accessible(page, "officer-new-form-rules")
    assert small_targets(page) == []
    assert overflow(page) == []
    screenshot(page, "officer-new-form-rules")
