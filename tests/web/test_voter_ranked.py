"""A member votes a ranked contest in real Chromium at 360 px, by keyboard and by touch
(ranked.md §2): adds preferences in order, moves and removes them, cannot rank a candidate
twice or give more than W preferences, sees the order in words before and after encrypting,
checks (audits) one ballot, casts another and finds it accepted on the board. axe reports no
violation on the page in any of these states.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from a11y import (
    assert_accessible,
    console_problems,
    focus_problem,
    orm_beside_playwright,
    overflow,
    screenshot,
    small_targets,
    tab_to,
)
from test_browser_smoke import chromium
from test_browser_smoke import pytestmark as browser_marks
from voter_fixtures import BuiltElection, build_open_election, ranked_manifest

from tellers import canonical
from tellers.ballot import check_ballot
from tellers.record.v2 import ballot_from_json
from tellers.web.store.models import BoardEvent

__all__: list[str] = []

pytestmark = browser_marks


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with orm_beside_playwright(), chromium() as instance:
        yield instance


def _open(slug: str) -> BuiltElection:
    return build_open_election(slug, manifest=ranked_manifest(slug))


def _signed_in(browser: Any, base: str, built: BuiltElection, *, touch: bool = False) -> Any:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, has_touch=touch, is_mobile=touch
    )
    page = context.new_page()
    voter = built.voters[1]  # south: the General Secretary, the executive and the strike
    page.goto(f"{base}/")
    page.locator("html[data-tellers-crypto=ready]").wait_for(state="attached")
    page.fill("#code", voter.code)
    page.fill("#id_member_number", voter.member_number)
    page.click("#sign-in")
    page.wait_for_url(f"{base}/ballot/")
    page.locator("html[data-tellers-crypto=ready]").wait_for(state="attached")
    return page


def _toggle(choice: str) -> str:
    return f"#b-national-executive-{choice}"


def _order(page: Any) -> list[str]:
    found = page.locator(
        'fieldset[data-contest="national-executive"] .ranking-order .candidate-name'
    ).all_inner_texts()
    return [str(name) for name in found]


def _status(page: Any) -> str:
    return str(page.text_content('fieldset[data-contest="national-executive"] .ranking-status'))


def _summary(page: Any) -> str:
    return str(page.text_content('#summary dd[data-contest="national-executive"]'))


def _accepted(built: BuiltElection, tracker: str) -> None:
    event = BoardEvent.objects.get(election=built.election, tracker=tracker)
    assert event.type == "ballot-accepted"
    voter = built.voters[1]
    ballot = ballot_from_json(canonical.loads(event.body.encode())["ballot"])
    assert [c.contest_id for c in ballot.contests][1] == "national-executive"
    assert len(ballot.contests[1].preferences) == 3
    check_ballot(built.manifest, built.fingerprint, built.key, ballot, voter.constituency)


@pytest.mark.django_db(transaction=True)
def test_a_member_ranks_by_keyboard_changes_the_order_audits_and_casts(
    live_server: Any, browser: Any
) -> None:
    built = _open("ranked-keys")
    base = f"{live_server.url}/vote/ranked-keys"
    page = _signed_in(browser, base, built)
    problems = console_problems(page)
    assert_accessible(page, "ranked, nothing ranked")
    assert "No preferences given yet" in page.inner_text(".ranking")

    def press(selector: str, key: str = "Enter") -> None:
        tab_to(page, selector)
        assert focus_problem(page) is None, selector
        page.keyboard.press(key)

    press("#c-general-secretary-okafor", "Space")  # a radio group is one Tab stop
    assert page.inner_text(_toggle("cedar")) == "Add as preference 1"
    press(_toggle("cedar"))
    assert _order(page) == ["Cara Cedar"]
    assert "Cara Cedar is now preference 1" in _status(page)
    # The button stays where it was and says what it now does: the focus is not lost.
    assert page.evaluate("document.activeElement.id") == "b-national-executive-cedar"
    assert page.inner_text(_toggle("cedar")) == "Remove (preference 1)"
    assert page.inner_text(_toggle("ash")) == "Add as preference 2"
    page.keyboard.press("Shift+Tab")  # back up the list to Ash
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "b-national-executive-ash"
    page.keyboard.press("Space")
    press(_toggle("damson"))
    assert _order(page) == ["Cara Cedar", "Ash Adeyemi", "Dee Damson"]
    # W = 3: the fourth candidate cannot be added, and pressing says why.
    assert page.get_attribute(_toggle("birch"), "aria-disabled") == "true"
    assert page.inner_text(_toggle("birch")) == "All 3 preferences given"
    tab_to(page, _toggle("birch"), key="Shift+Tab")
    page.keyboard.press("Enter")
    assert "Remove one before adding another" in _status(page)
    assert _order(page) == ["Cara Cedar", "Ash Adeyemi", "Dee Damson"]
    assert_accessible(page, "ranked, all preferences given")
    assert small_targets(page) == []

    # Move Ash up to first; the focus stays on Ash's Move up.
    tab_to(page, '.ranking-order li[data-choice="ash"] button[data-move="-1"]', key="Shift+Tab")
    assert focus_problem(page) is None
    page.keyboard.press("Enter")
    assert _order(page) == ["Ash Adeyemi", "Cara Cedar", "Dee Damson"]
    focused = page.evaluate(
        "[document.activeElement.closest('li').dataset.choice, document.activeElement.dataset.move]"
    )
    assert focused == ["ash", "-1"]
    assert (
        page.get_attribute(
            '.ranking-order li[data-choice="ash"] button[data-move="-1"]', "aria-disabled"
        )
        == "true"
    )
    # Remove Dee Damson: Birch can be added again.
    press(_toggle("damson"))
    assert _order(page) == ["Ash Adeyemi", "Cara Cedar"]
    assert "Your preferences: 1. Ash Adeyemi  2. Cara Cedar" in _status(page)
    assert page.inner_text(_toggle("birch")) == "Add as preference 3"
    press("#c-strike-yes", "Space")

    press("#encrypt")
    page.locator("#tracker-box").wait_for(state="visible")
    assert _summary(page) == "1. Ash Adeyemi  2. Cara Cedar"
    assert overflow(page) == []
    assert_accessible(page, "ranked, encrypted")
    screenshot(page, "ballot-ranked")
    audited = page.inner_text("#tracker")
    press("#audit")
    page.locator("#audit-result").wait_for(state="visible")
    assert "National Executive: 1. Ash Adeyemi  2. Cara Cedar" in page.text_content(
        "#audit-choices"
    )

    # A change after encrypting forgets the encrypted ballot, as for any other contest.
    press(_toggle("birch"))
    assert _order(page) == ["Ash Adeyemi", "Cara Cedar", "Bo Birch"]
    press("#encrypt")
    page.locator("#tracker-box").wait_for(state="visible")
    assert _summary(page) == "1. Ash Adeyemi  2. Cara Cedar  3. Bo Birch"
    tracker = page.inner_text("#tracker")
    assert tracker != audited
    press("#cast")
    page.wait_for_url(f"{base}/receipt/{tracker}/")
    page.goto(f"{live_server.url}/e/ranked-keys/board/?tracker={tracker[:10]}")
    page.locator("#tracker-found").wait_for(state="visible")
    # The public list of checked ballots reads the audited ranking back in order.
    page.goto(f"{live_server.url}/e/ranked-keys/audited/")
    said = str(page.text_content(f'li[data-tracker="{audited}"]'))
    assert "National Executive: 1. Ash Adeyemi, 2. Cara Cedar" in said
    assert problems == []
    _accepted(built, tracker)
    assert BoardEvent.objects.get(election=built.election, tracker=audited).type == (
        "ballot-audited"
    )


@pytest.mark.django_db(transaction=True)
def test_a_member_ranks_by_touch_and_casts_an_empty_ranking_only_when_they_mean_it(
    live_server: Any, browser: Any
) -> None:
    built = _open("ranked-touch")
    base = f"{live_server.url}/vote/ranked-touch"
    page = _signed_in(browser, base, built, touch=True)
    problems = console_problems(page)
    page.tap("#c-general-secretary-okafor")
    page.tap("#c-strike-no")
    page.tap(_toggle("birch"))
    page.tap(_toggle("damson"))
    assert _order(page) == ["Bo Birch", "Dee Damson"]
    page.tap('.ranking-order li[data-choice="damson"] button[data-move="-1"]')
    assert _order(page) == ["Dee Damson", "Bo Birch"]
    page.tap(_toggle("birch"))
    page.tap(_toggle("damson"))
    assert _order(page) == []
    assert page.is_visible(".ranking-none")
    # No preference given: the page asks before encrypting a blank ranking.
    page.tap("#encrypt")
    page.locator("#blank-question").wait_for(state="visible")
    assert "National Executive" in page.inner_text("#blank-contests")
    page.tap("#blank-no")
    assert page.evaluate("document.activeElement.id") == "b-national-executive-ash"
    page.tap(_toggle("cedar"))
    page.tap("#encrypt")
    page.locator("#tracker-box").wait_for(state="visible")
    assert _summary(page) == "1. Cara Cedar"
    tracker = page.inner_text("#tracker")
    assert overflow(page) == []
    page.tap("#cast")
    page.wait_for_url(f"{base}/receipt/{tracker}/")
    assert problems == []
    _accepted(built, tracker)


@pytest.mark.django_db(transaction=True)
def test_an_empty_ranking_is_summarised_in_words_and_cast(live_server: Any, browser: Any) -> None:
    built = _open("ranked-blank")
    base = f"{live_server.url}/vote/ranked-blank"
    page = _signed_in(browser, base, built)
    page.check("#c-general-secretary-patel")
    page.check("#c-strike-yes")
    page.click("#encrypt")
    page.locator("#blank-question").wait_for(state="visible")
    assert_accessible(page, "ranked, asked about a blank ranking")
    page.click("#blank-yes")
    page.locator("#tracker-box").wait_for(state="visible")
    assert _summary(page) == "No preferences given"
    tracker = page.inner_text("#tracker")
    page.click("#cast")
    page.wait_for_url(f"{base}/receipt/{tracker}/")
    _accepted(built, tracker)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("locale", "lang"), [("cy-GB", "cy"), ("pl-PL", "pl")])
def test_the_ranked_contest_in_welsh_and_polish(
    live_server: Any, browser: Any, locale: str, lang: str
) -> None:
    slug = f"ranked-{lang}"
    built = _open(slug)
    base = f"{live_server.url}/vote/{slug}"
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=locale)
    page = context.new_page()
    voter = built.voters[1]
    page.goto(f"{base}/")
    page.locator("html[data-tellers-crypto=ready]").wait_for(state="attached")
    page.fill("#code", voter.code)
    page.fill("#id_member_number", voter.member_number)
    page.click("#sign-in")
    page.wait_for_url(f"{base}/ballot/")
    page.locator("html[data-tellers-crypto=ready]").wait_for(state="attached")
    assert page.get_attribute("html", "lang") == lang
    english = "Add as preference 1"
    assert page.inner_text(_toggle("ash")) != english
    page.click(_toggle("ash"))
    assert "Add as preference" not in page.inner_text(_toggle("birch"))
    assert_accessible(page, f"ranked, one preference, {lang}")
    assert overflow(page) == []
    screenshot(page, "ballot-ranked", lang)
