"""The language chooser in real Chromium: it keeps the member's place, works without
JavaScript, never sends the voting code, and leaves no session behind; and the sentences the
page's script writes (a mistyped code, a contest left blank, the summary) are in the page's
language.

One browser serves the module; each test builds its own election.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from a11y import console_problems, orm_beside_playwright
from django.contrib.sessions.models import Session
from test_browser_smoke import chromium
from test_browser_smoke import pytestmark as browser_marks
from voter_fixtures import Voter, build_open_election, make_ballot

from tellers.web.store import board

__all__: list[str] = []

pytestmark = browser_marks


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with orm_beside_playwright(), chromium() as instance:
        yield instance


def _page(browser: Any, *, locale: str = "en-GB", javascript: bool = True) -> Any:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale=locale, java_script_enabled=javascript
    )
    return context.new_page()


def _ready(page: Any) -> None:
    page.locator("html[data-tellers-crypto=ready]").wait_for(state="attached")


def _choose(page: Any, name: str) -> None:
    """Press the chooser's button for the language called ``name`` and wait for the page."""
    with page.expect_navigation():
        page.locator("form.languages").get_by_role("button", name=name).click()


def _sign_in(page: Any, base: str, voter: Voter) -> None:
    page.goto(f"{base}/")
    _ready(page)
    page.fill("#code", voter.code)
    page.fill("#id_member_number", voter.member_number)
    page.click("#sign-in")
    page.wait_for_url(f"{base}/ballot/")
    _ready(page)


@pytest.mark.django_db(transaction=True)
def test_switching_language_on_the_ballot_keeps_the_member_there_and_voting(
    live_server: Any, browser: Any
) -> None:
    """Signed in on the ballot page, the member chooses Cymraeg: still the ballot page, now in
    Welsh, and the vote goes on (the code is still in this tab), through to a Welsh receipt."""
    built = build_open_election("lang-ballot")
    base = f"{live_server.url}/vote/lang-ballot"
    page = _page(browser)
    problems = console_problems(page)
    _sign_in(page, base, built.voters[0])
    assert page.get_attribute("html", "lang") == "en-gb"
    chooser = page.locator("form.languages")
    assert chooser.get_attribute("aria-labelledby") == "language-label"
    assert page.inner_text("#language-label") == "Language"
    assert page.locator('form.languages [aria-current="true"]').inner_text() == "English"
    for code, name in (("cy", "Cymraeg"), ("pl", "Polski")):
        button = chooser.get_by_role("button", name=name)
        assert button.get_attribute("lang") == code

    _choose(page, "Cymraeg")
    assert page.url == f"{base}/ballot/"
    assert page.get_attribute("html", "lang") == "cy"
    _ready(page)
    assert page.inner_text("h1").startswith("Eich pleidlais: ")
    assert page.inner_text("#language-label") == "Iaith"
    assert page.locator('form.languages [aria-current="true"]').inner_text() == "Cymraeg"
    page.check('input[name="contest-general-secretary"][value="patel"]')
    page.check('input[name="contest-strike"][value="yes"]')
    page.click("#encrypt")  # the executive contest left blank: asked about, in Welsh
    page.locator("#blank-question").wait_for(state="visible")
    assert page.inner_text("#blank-heading") == "Ydych chi'n bwriadu pleidleisio'n wag?"
    page.click("#blank-yes")
    page.locator("#tracker-box").wait_for(state="visible")
    assert page.inner_text('#summary dd[data-contest="executive-north"]') == (
        "Dim dewis (pleidlais wag)"
    )
    tracker = page.inner_text("#tracker")
    page.click("#cast")
    page.wait_for_url(f"{base}/receipt/{tracker}/")
    assert page.get_attribute("html", "lang") == "cy"
    assert page.inner_text("h1") == "Mae eich pleidlais wedi'i bwrw"
    assert board.counted_count(built.election) == 1
    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_the_board_look_up_survives_a_switch_with_javascript_off_and_no_session(
    live_server: Any, browser: Any
) -> None:
    """A tracker looked up on the board, in a browser with JavaScript off: choosing Polski comes
    back to the same look-up, in Polish; choosing a language makes no session row."""
    built = build_open_election("lang-board")
    got = board.cast(built.election, make_ballot(built, built.voters[1])[0])
    assert got.tracker is not None
    url = f"{live_server.url}/e/lang-board/board/?tracker={got.tracker[:12]}"
    sessions = Session.objects.count()
    page = _page(browser, javascript=False)
    page.goto(url)
    assert page.locator("#tracker-found").is_visible()
    _choose(page, "Polski")
    assert page.url == url
    assert page.get_attribute("html", "lang") == "pl"
    assert page.inner_text("h1").startswith("Tablica ogłoszeń: ")
    assert page.locator(f'#tracker-found [data-tracker="{got.tracker}"]').is_visible()
    assert page.input_value("#tracker") == got.tracker[:12]
    _choose(page, "English")
    assert page.url == url and page.get_attribute("html", "lang") == "en-gb"
    assert Session.objects.count() == sessions  # a cookie, never a session row
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["django_language"]["value"] == "en-gb"
    assert cookies["django_language"]["httpOnly"] is True
    assert "sessionid" not in cookies


@pytest.mark.django_db(transaction=True)
def test_choosing_a_language_on_the_sign_in_page_never_sends_the_code(
    live_server: Any, browser: Any
) -> None:
    built = build_open_election("lang-start")
    voter = built.voters[0]
    base = f"{live_server.url}/vote/lang-start"
    page = _page(browser)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.post_data or "") if r.method == "POST" else None)
    page.goto(f"{base}/")
    _ready(page)
    page.fill("#code", voter.code)
    page.fill("#id_member_number", voter.member_number)
    _choose(page, "Cymraeg")
    assert page.url == f"{base}/"
    assert page.get_attribute("html", "lang") == "cy"
    assert page.inner_text("label[for=code]") == "Cod pleidleisio"
    assert len(sent) == 1 and "language=cy" in sent[0]
    typed = voter.code.replace("-", "")
    assert typed not in "".join(sent).replace("-", "") and voter.member_number not in sent[0]
    assert page.input_value("#code") == ""  # nothing typed comes back either


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("locale", "language", "problems"),
    [
        (
            "cy-GB",
            "cy",
            {
                "character": "Gwiriwch eich cod pleidleisio. Nid yw'r nod “U” (rhif 1) yn cael ei "
                "ddefnyddio mewn codau pleidleisio, sydd â llythrennau a digidau yn unig.",
                "length": "Gwiriwch eich cod pleidleisio. Mae gan god pleidleisio 24 o lythrennau "
                "a digidau, heb gyfrif bylchau a llinellau toriad; mae gan hwn 5.",
                "check": "Gwiriwch eich cod pleidleisio. Mae'n debyg mai gwall teipio ydyw: nid yw "
                "un nod yn cyd-fynd â'r lleill. Cymharwch ef â'ch llythyr neu e-bost eto.",
                "blank": "Are you prepared to take part in strike action?: gwnewch ddewis.",
            },
        ),
        (
            "pl-PL",
            "pl",
            {
                "character": "Proszę sprawdzić kod do głosowania. Znak „U” (pozycja 1) nie "
                "występuje w kodach do głosowania, które składają się tylko z liter i cyfr.",
                "length": "Proszę sprawdzić kod do głosowania. Kod do głosowania ma 24 litery i "
                "cyfry, nie licząc spacji i myślników; wpisany kod ma ich: 5.",
                "check": "Proszę sprawdzić kod do głosowania. To prawdopodobnie literówka: jeden "
                "znak nie pasuje do pozostałych. Proszę ponownie porównać kod z listem lub "
                "e-mailem.",
                "blank": "Are you prepared to take part in strike action?: proszę dokonać wyboru.",
            },
        ),
    ],
    ids=["cy", "pl"],
)
def test_what_the_script_says_is_in_the_browsers_language(
    live_server: Any, browser: Any, locale: str, language: str, problems: dict[str, str]
) -> None:
    """A phone set to Welsh or Polish (its Accept-Language) gets the site in that language
    with no choosing, and the script's own messages too: a mistyped code, each way, and a
    question that may not be left blank."""
    built = build_open_election(f"lang-js-{language}")
    voter = built.voters[0]
    base = f"{live_server.url}/vote/lang-js-{language}"
    page = _page(browser, locale=locale)
    console = console_problems(page)
    page.goto(f"{base}/")
    _ready(page)
    assert page.get_attribute("html", "lang") == language
    wrong_check = voter.code[:-1] + ("0" if voter.code[-1] != "0" else "1")
    for kind, typed in (("character", "U" + voter.code[1:]), ("length", "ABCDE")):
        page.fill("#code", typed)
        page.click("#sign-in")
        page.locator("#code-error").wait_for(state="visible")
        assert page.inner_text("#code-error") == problems[kind], kind
    page.fill("#code", wrong_check)
    page.click("#sign-in")
    page.wait_for_function(
        "(t) => document.getElementById('code-error').textContent === t", arg=problems["check"]
    )
    page.fill("#code", voter.code)
    page.fill("#id_member_number", voter.member_number)
    page.click("#sign-in")
    page.wait_for_url(f"{base}/ballot/")
    _ready(page)
    page.click("#encrypt")
    page.locator("#ballot-status").wait_for(state="visible")
    assert page.inner_text("#ballot-status") == problems["blank"]
    assert console == []
