"""WCAG 2.2 AA in real Chromium: axe-core on every public and member page in every state, and
the checks axe cannot make (docs/accessibility.md says what is covered and what is not).

Every state is checked with ``a11y.assert_accessible`` (axe's WCAG 2.0/2.1/2.2 A and AA
rules, one main landmark, an h1 first, a language, a title) in English, Welsh and Polish
(the browser's own language setting, as a member's phone sends it), and kept as a 360 px
screenshot in test-artifacts/ (``<page>-<en|cy|pl>-360.png``). Beside axe: a whole vote with the
keyboard alone, at phone width and at 400 % zoom; a visible focus on every stop; targets
of at least 24 by 24 px; no loss of content or controls at 200 % and 400 % zoom; live
regions where the page changes under the member.

One browser serves the module; each test builds its own election.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from a11y import (
    assert_accessible,
    axe_violations,
    console_problems,
    focus_problem,
    focus_walk,
    orm_beside_playwright,
    overflow,
    screenshot,
    small_targets,
    tab_to,
)
from test_browser_smoke import chromium
from test_browser_smoke import pytestmark as browser_marks
from voter_fixtures import (
    BuiltElection,
    Voter,
    build_open_election,
    close_and_publish,
    make_ballot,
    publish_ranked,
    ranked_manifest,
)

from tellers.web.store import board
from tellers.web.store.models import Election

__all__: list[str] = []

pytestmark = browser_marks
LOCALES = {"en": "en-GB", "cy": "cy-GB", "pl": "pl-PL"}
"""Each language's screenshot name and the browser locale that asks for it (Accept-Language)."""
PAGE_LANG = {"en-GB": "en-gb", "cy-GB": "cy", "pl-PL": "pl"}
in_each_language = pytest.mark.parametrize("language", list(LOCALES))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with orm_beside_playwright(), chromium() as instance:
        yield instance


def _page(browser: Any, width: int = 360, scale: float = 1, language: str = "en") -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": 740},
        device_scale_factor=scale,
        locale=LOCALES[language],
    )
    return context.new_page()


def _ready(page: Any) -> None:
    page.locator("html[data-tellers-crypto=ready]").wait_for(state="attached")


def _unexpected(problems: list[str]) -> list[str]:
    """Console errors other than a response's status (the error pages are such responses)."""
    return [p for p in problems if not p.startswith("Failed to load resource")]


def _check(page: Any, name: str, *, shot: bool = True) -> None:
    locale = page.evaluate("navigator.language")  # the context's, which the page must follow
    assert page.get_attribute("html", "lang") == PAGE_LANG[locale], name
    assert_accessible(page, name)
    assert small_targets(page) == [], name
    if shot:
        language = next(k for k, v in LOCALES.items() if v == locale)
        screenshot(page, name, language)


def _sign_in(page: Any, base: str, voter: Voter) -> None:
    page.goto(f"{base}/")
    _ready(page)
    page.fill("#code", voter.code)
    page.fill("#id_member_number", voter.member_number)
    page.click("#sign-in")
    page.wait_for_url(f"{base}/ballot/")
    _ready(page)


@pytest.mark.django_db(transaction=True)
def test_the_axe_runner_finds_violations_under_the_sites_csp(
    live_server: Any, browser: Any
) -> None:
    """Not a vacuous check: axe, injected under the page's own CSP, reports a missing text
    alternative and an unlabelled field put on a page that has neither otherwise."""
    page = _page(browser)
    response = page.goto(f"{live_server.url}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert axe_violations(page) == []
    page.evaluate(
        """() => { const img = document.createElement("img"); img.src = "data:,";
                   const field = document.createElement("input");
                   document.querySelector("main").append(img, field); }"""
    )
    found = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label"} <= found


@pytest.mark.django_db(transaction=True)
@in_each_language
def test_every_member_page_in_every_state(live_server: Any, browser: Any, language: str) -> None:
    built = build_open_election("a11y-vote")
    voter = built.voters[0]  # north: three contests
    base = f"{live_server.url}/vote/a11y-vote"
    page = _page(browser, language=language)
    problems = console_problems(page)

    page.goto(f"{base}/")
    _ready(page)
    _check(page, "start")
    page.fill("#code", voter.code[:-1] + ("0" if voter.code[-1] != "0" else "1"))
    page.fill("#id_member_number", voter.member_number)
    page.click("#sign-in")
    page.locator("#code-error").wait_for(state="visible")
    assert page.get_attribute("#code-error", "role") == "alert"
    assert page.get_attribute("#code", "aria-invalid") == "true"
    _check(page, "start-code-error")
    page.fill("#code", voter.code)
    page.fill("#id_member_number", "M99999")
    page.click("#sign-in")
    page.locator("#sign-in-errors [role=alert]").wait_for()
    _check(page, "start-refused")

    page.fill("#id_member_number", voter.member_number)
    page.click("#sign-in")
    page.wait_for_url(f"{base}/ballot/")
    _ready(page)
    _check(page, "ballot")
    page.click("#encrypt")  # the yes/no question may not be left blank
    page.locator("#ballot-status").wait_for(state="visible")
    assert page.get_attribute("#ballot-status", "role") == "alert"
    _check(page, "ballot-error")
    page.check('input[name="contest-strike"][value="yes"]')
    page.click("#encrypt")
    page.locator("#blank-question").wait_for(state="visible")
    _check(page, "ballot-blank-question")
    page.check('input[name="contest-general-secretary"][value="patel"]')
    page.check('input[name="contest-executive-north"][value="ali"]')
    page.click("#encrypt")
    page.locator("#tracker-box").wait_for(state="visible")
    _check(page, "ballot-summary")
    page.click("#audit")
    page.locator("#audit-result").wait_for(state="visible")
    _check(page, "ballot-audited")
    page.click("#encrypt")
    page.locator("#tracker-box").wait_for(state="visible")
    first = page.inner_text("#tracker")
    page.click("#cast")
    page.wait_for_url(f"{base}/receipt/{first}/")
    _check(page, "receipt")

    _sign_in(page, base, voter)  # a re-vote ("last counts")
    assert page.locator("#already-voted").is_visible()
    _check(page, "ballot-revote")
    page.check('input[name="contest-general-secretary"][value="jones"]')
    page.check('input[name="contest-executive-north"][value="brown"]')
    page.check('input[name="contest-strike"][value="no"]')
    page.click("#encrypt")
    page.locator("#tracker-box").wait_for(state="visible")
    second = page.inner_text("#tracker")
    page.click("#cast")
    page.wait_for_url(f"{base}/receipt/{second}/")
    assert page.locator("#supersedes").is_visible()
    _check(page, "receipt-revote")
    page.goto(f"{base}/receipt/{first}/")
    assert page.locator("#replaced").is_visible()
    _check(page, "receipt-replaced")
    page.goto(f"{base}/receipt/{'0' * 64}/")
    _check(page, "receipt-not-found")

    board_url = f"{live_server.url}/e/a11y-vote/board/"
    page.goto(f"{board_url}?tracker={second[:10]}")
    assert page.get_attribute("#tracker-found", "role") == "status"
    _check(page, "board-found")
    page.goto(f"{board_url}?tracker={first}")
    assert page.locator("#tracker-found [data-status=replaced]").is_visible()
    _check(page, "board-replaced")
    page.goto(f"{board_url}?tracker={'0' * 12}")
    assert page.get_attribute("#tracker-not-found", "role") == "alert"
    _check(page, "board-not-found")
    page.goto(f"{board_url}?tracker=abc")
    _check(page, "board-too-short")
    page.goto(board_url)
    _check(page, "board")
    page.goto(f"{live_server.url}/e/a11y-vote/audited/")
    _check(page, "audited")
    page.goto(f"{live_server.url}/e/a11y-vote/")
    _check(page, "election")
    page.goto(f"{live_server.url}/e/a11y-vote/result/")
    _check(page, "result-not-yet")
    page.goto(f"{live_server.url}/")
    _check(page, "home")
    assert _unexpected(problems) == []


def _published(slug: str) -> BuiltElection:
    built = build_open_election(slug, members=6)
    picks = ["okafor", "okafor", "patel", "jones", "okafor"]
    for voter, pick in zip(built.voters, picks, strict=False):
        choices = {"general-secretary": [pick], "strike": ["yes" if pick == "okafor" else "no"]}
        if voter.constituency == "north":
            choices["executive-north"] = ["ali", "cole"]
        board.cast(built.election, make_ballot(built, voter, choices)[0])
    close_and_publish(built)
    return built


@pytest.mark.django_db(transaction=True)
@in_each_language
def test_the_result_closed_and_error_pages(live_server: Any, browser: Any, language: str) -> None:
    _published("a11y-result")
    closed = build_open_election("a11y-closed")
    Election.objects.filter(pk=closed.election.pk).update(status="closed")
    Election.objects.create(
        slug="a11y-broken",
        title="Broken",
        status="published",
        manifest={"not": "a manifest"},
        result={"contests": [{"id": "x"}]},
    )
    page = _page(browser, language=language)
    problems = console_problems(page)
    page.goto(f"{live_server.url}/e/a11y-result/result/")
    assert page.locator("figure.chart").count() == 3
    _check(page, "result")
    page.goto(f"{live_server.url}/e/a11y-result/")
    _check(page, "election-published")
    page.goto(f"{live_server.url}/vote/a11y-closed/")
    assert page.locator("#voting-closed").is_visible()
    _check(page, "closed")
    page.goto(f"{live_server.url}/vote/a11y-result/")
    _check(page, "closed-published")
    assert page.goto(f"{live_server.url}/no-such-page/").status == 404
    _check(page, "404")
    assert page.goto(f"{live_server.url}/e/a11y-closed/record/").status == 404
    _check(page, "record-not-yet")
    assert page.goto(f"{live_server.url}/e/a11y-broken/result/").status == 500
    _check(page, "500")
    assert _unexpected(problems) == []


def _published_ranked(slug: str) -> BuiltElection:
    built = build_open_election(slug, manifest=ranked_manifest(slug), members=6)
    rankings = [["ash", "cedar"], ["birch"], ["cedar", "ash", "damson"], ["ash"], ["damson"], []]
    for voter, ranking in zip(built.voters, rankings, strict=True):
        choices = {"general-secretary": ["patel"], "national-executive": ranking, "strike": ["no"]}
        if voter.constituency == "north":
            choices["executive-north"] = ["ali"]
        board.cast(built.election, make_ballot(built, voter, choices)[0])
    publish_ranked(built)
    return built


@pytest.mark.django_db(transaction=True)
@in_each_language
def test_a_ranked_result_and_its_count_stage_by_stage(
    live_server: Any, browser: Any, language: str
) -> None:
    """The stage-by-stage sheet is wider than a phone: it scrolls inside its own region,
    which the keyboard reaches and which shows its focus, and the page itself does not."""
    _published_ranked("a11y-ranked")
    page = _page(browser, language=language)
    page.goto(f"{live_server.url}/e/a11y-ranked/result/")
    region = page.locator("section.ranked-count .scroll")
    assert region.count() == 1
    assert page.locator("section.ranked-count .elected").get_attribute("data-elected")
    assert "Ash Adeyemi" in (page.locator("pre.sheet").text_content() or "")
    _check(page, "result-ranked")
    assert overflow(page) == []
    tab_to(page, "section.ranked-count .scroll")
    assert focus_problem(page) is None
    assert region.evaluate("(el) => el.scrollWidth > el.clientWidth")  # columns kept
    page.keyboard.press("ArrowRight")  # the keyboard scrolls the sheet (perhaps smoothly)
    page.wait_for_function(
        "() => document.querySelector('section.ranked-count .scroll').scrollLeft > 0",
        timeout=5000,
    )


@pytest.mark.django_db(transaction=True)
@in_each_language
def test_the_403_page(live_server: Any, browser: Any, language: str) -> None:
    from django.contrib.auth.models import User
    from django.test import Client

    outsider = User.objects.create_user("outsider", "outsider@example.org", "x" * 20)
    client = Client()
    client.force_login(outsider)  # signed in, no role: the scrutineer's pages refuse it
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=LOCALES[language])
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    assert page.goto(f"{live_server.url}/scrutiny/").status == 403
    _check(page, "403")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("width", "scale"), [(360, 1), (320, 4)], ids=["phone", "zoom-400"])
def test_a_whole_vote_with_the_keyboard_alone(
    live_server: Any, browser: Any, width: int, scale: float
) -> None:
    """Tab, Space and Enter (and typing), no pointer: sign in, choose, answer the blank
    question, encrypt, cast; each stop shows where the focus is."""
    built = build_open_election(f"keys-{width}")
    voter = built.voters[0]
    base = f"{live_server.url}/vote/keys-{width}"
    page = _page(browser, width, scale)
    problems = console_problems(page)
    page.goto(f"{base}/")
    _ready(page)

    def reach(selector: str) -> None:
        tab_to(page, selector)
        assert focus_problem(page) is None, selector

    reach("#code")
    page.keyboard.type(voter.code)
    reach("#id_member_number")
    page.keyboard.type(voter.member_number)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/ballot/")
    _ready(page)
    reach("#c-general-secretary-okafor")
    page.keyboard.press("Space")
    reach("#c-strike-yes")  # the executive contest is passed by: left blank
    page.keyboard.press("Space")
    reach("#encrypt")
    page.keyboard.press("Enter")
    page.locator("#blank-question").wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "blank-heading"
    reach("#blank-yes")
    page.keyboard.press("Enter")
    page.locator("#tracker-box").wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "summary-heading"
    tracker = page.inner_text("#tracker")
    reach("#cast")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/receipt/{tracker}/")
    assert overflow(page) == []
    assert problems == []
    assert board.counted_count(Election.objects.get(slug=f"keys-{width}")) == 1


@pytest.mark.django_db(transaction=True)
def test_focus_is_visible_on_every_stop(live_server: Any, browser: Any) -> None:
    built = _published("a11y-focus")
    voting = build_open_election("a11y-focus-vote")
    base = f"{live_server.url}/vote/a11y-focus-vote"
    page = _page(browser)
    for url in ("/", "/e/a11y-focus/", "/e/a11y-focus/result/", "/e/a11y-focus/board/"):
        page.goto(live_server.url + url)
        assert focus_walk(page) == [], url
    page.goto(f"{base}/")
    _ready(page)
    assert focus_walk(page) == [], "sign-in"
    _sign_in(page, base, voting.voters[1])
    page.check('input[name="contest-general-secretary"][value="okafor"]')
    page.check('input[name="contest-strike"][value="no"]')
    page.click("#encrypt")
    page.locator("#tracker-box").wait_for(state="visible")
    assert focus_walk(page) == [], "ballot"
    assert built.election.slug == "a11y-focus"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("width", "scale"), [(640, 2), (320, 4)], ids=["zoom-200", "zoom-400"])
@in_each_language
def test_nothing_is_lost_at_200_and_400_percent_zoom(
    live_server: Any, browser: Any, width: int, scale: float, language: str
) -> None:
    """A 1280 px window zoomed to 200 % and 400 % lays pages out in 640 and 320 CSS px:
    nothing may need sideways scrolling, and every control stays within the width (in
    Welsh and Polish too, whose words run longer)."""
    _published(f"zoom-{width}")
    voting = build_open_election(f"zoom-vote-{width}")
    base = f"{live_server.url}/vote/zoom-vote-{width}"
    page = _page(browser, width, scale, language)
    pages = [
        "/",
        f"/e/zoom-{width}/",
        f"/e/zoom-{width}/result/",
        f"/e/zoom-{width}/board/",
        f"/vote/zoom-{width}/",
        "/no-such-page/",
    ]
    for url in pages:
        page.goto(live_server.url + url)
        assert overflow(page) == [], url
    page.goto(f"{base}/")
    _ready(page)
    assert overflow(page) == [], "sign-in"
    _sign_in(page, base, voting.voters[0])
    page.check('input[name="contest-strike"][value="yes"]')
    page.click("#encrypt")
    page.locator("#blank-question").wait_for(state="visible")
    assert overflow(page) == [], "blank question"
    page.click("#blank-yes")
    page.locator("#tracker-box").wait_for(state="visible")
    assert overflow(page) == [], "summary"
    tracker = page.inner_text("#tracker")
    page.click("#cast")
    page.wait_for_url(f"{base}/receipt/{tracker}/")
    assert overflow(page) == [], "receipt"
    page.goto(f"{live_server.url}/e/zoom-vote-{width}/board/?tracker={tracker}")
    assert overflow(page) == [], "tracker found"
