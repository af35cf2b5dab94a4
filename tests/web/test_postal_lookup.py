"""The paper look-up, /e/<slug>/paper/: a member types the number and confirmation code printed
on their voting paper and sees what the board says of it.

Through Django's test client, every status a paper can have: issued and not received yet,
voided with its replacement, a voided paper that came back (refused), counted with the codes
recorded for each question, counted then superseded by an online ballot, and after the close
not received and audited; a wrong check digit, a wrong confirmation code and an unknown
number (the same answer); a board published only after the close; the Welsh and Polish
pages. Then in real Chromium at 360 px: the member's look-up, its two errors and axe-core.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from a11y import (
    assert_accessible,
    console_problems,
    orm_beside_playwright,
    overflow,
    screenshot,
    small_targets,
)
from postal_fixtures import (
    BuiltHybrid,
    build_hybrid_election,
    close_audit_and_publish,
    paper_return,
    void_and_replace,
)
from test_browser_smoke import chromium
from test_browser_smoke import pytestmark as browser_marks
from test_translations import NEVER_TRANSLATED, election_words, page_texts, untranslated
from voter_fixtures import make_ballot
from webtesting import csrf_client

from tellers import canonical
from tellers.postal.content import paper_label
from tellers.web.store import board, postal
from tellers.web.store.paper_status import normalise_confirmation

__all__: list[str] = []


@dataclass(frozen=True, slots=True)
class Papers:
    """The look-up's cast: a paper in each state, as (label, confirmation code)."""

    hybrid: BuiltHybrid
    counted: tuple[str, str]
    voided: tuple[str, str]
    replacement: tuple[str, str]
    superseded: tuple[str, str]
    waiting: tuple[str, str]


def _printed(hybrid: BuiltHybrid, number: int) -> tuple[str, str]:
    return paper_label(number), hybrid.confirmation(number)


def papers(slug: str, public_board: str = "live") -> Papers:
    """Voter 0's paper counted; voter 1's voided and replaced, the original then coming
    back; voter 2's counted, then superseded by their online ballot; voter 3's not back."""
    hybrid = build_hybrid_election(slug, members=4, public_board=public_board)
    e, b = hybrid.election, hybrid.built
    counted = hybrid.papers[0]
    old, new = void_and_replace(hybrid, 1)
    lines = [
        paper_return(hybrid, counted, {"general-secretary": ["patel"], "strike": ["no"]}),
        paper_return(hybrid, old),
        paper_return(hybrid, hybrid.papers[2]),
    ]
    summary = postal.record_returns(e, b"".join(canonical.dumps(x) + b"\n" for x in lines), None)
    assert summary.refused == {"voided": 1} and summary.counted == 2
    choices = {"general-secretary": ["jones"], "executive-north": ["ali"], "strike": ["yes"]}
    assert board.cast(e, make_ballot(b, b.voters[2], choices)[0]).accepted
    return Papers(
        hybrid,
        _printed(hybrid, counted),
        _printed(hybrid, old),
        _printed(hybrid, new),
        _printed(hybrid, hybrid.papers[2]),
        _printed(hybrid, hybrid.papers[3]),
    )


def _look(slug: str, number: str, code: str, **more: str) -> tuple[int, str]:
    response = csrf_client().get(f"/e/{slug}/paper/", {"number": number, "code": code}, **more)
    return response.status_code, response.content.decode()


def _outcomes(page: str) -> list[str]:
    import re

    return re.findall(r'data-outcome="([a-z]+)"', page)


def test_a_typed_confirmation_code_is_read_as_printed() -> None:
    printed = "ABCD-EFGH-JKMN-PQRS"
    for typed in (printed, "abcdefghjkmnpqrs", " abcd efgh-JKMN pqrs "):
        assert normalise_confirmation(typed) == printed
    assert normalise_confirmation("ABCD-EFGH-JKMN-PQRO") == "ABCD-EFGH-JKMN-PQR0"
    assert normalise_confirmation("ABCD-EFGH-JKMN-PQR") is None
    assert normalise_confirmation("ABCD-EFGH-JKMN-PQRU") is None  # U is not in the alphabet


@pytest.mark.django_db
def test_every_status_of_a_paper() -> None:
    cast = papers("paper-look")
    slug = "paper-look"
    status, page = _look(slug, *cast.counted)
    assert status == 200 and 'id="paper-found"' in page
    assert _outcomes(page) == ["counted"] and "It was counted." in page
    assert "Received on" in page
    paper = cast.hybrid.paper(cast.hybrid.papers[0])
    manifest = cast.hybrid.built.manifest
    for pc in paper.contests:  # the code of each mark made, with its question's title
        contest = manifest.contests[pc.index]
        pick = {"general-secretary": "patel", "strike": "no"}.get(contest.id, contest.choices[0].id)
        code = pc.codes[contest.choice_index(pick)]
        assert (
            f"<dt>{contest.title}</dt>" in page
            and f'<code class="short-code">{code}</code>' in page
        )
    assert "Compare them with the codes printed beside the boxes you marked" in page

    _, page = _look(slug, cast.voided[0], cast.voided[1].lower().replace("-", ""))
    assert 'id="paper-voided"' in page and "reported as not received" in page
    assert f"Paper {cast.replacement[0]} was sent to you in its place" in page
    assert _outcomes(page) == ["refused"] and 'data-reason="voided"' in page
    assert "voided (replaced, lost or spoilt) before it came back" in page

    _, page = _look(slug, *cast.replacement)
    assert f"Issued in place of paper {cast.voided[0]}." in page
    assert 'id="paper-not-received"' in page and "Not received yet." in page
    assert "ask the scrutineer for a replacement before" in page

    _, page = _look(slug, *cast.superseded)
    assert _outcomes(page) == ["superseded"] and "your online ballot counts instead" in page

    _, page = _look(slug, *cast.waiting)
    assert "Not received yet." in page and _outcomes(page) == []
    assert 'id="paper-figures"' in page and "Papers issued: 5. Papers received so far: 3." in page

    listing = csrf_client().get(f"/e/{slug}/board/").content.decode()
    for words in ("the list of voting papers", "a voting paper cancelled",
                  "a replacement voting paper", "a voting paper received and accepted",
                  "a voting paper refused"):  # fmt: skip
        assert words in listing, words

    close_audit_and_publish(cast.hybrid)
    listing = csrf_client().get(f"/e/{slug}/board/").content.decode()
    assert "unused voting papers opened for checking" in listing
    _, page = _look(slug, *cast.waiting)
    assert "did not come back before voting closed" in page and "Its codes were published" in page
    _, page = _look(slug, *cast.counted)
    assert _outcomes(page) == ["counted"]


@pytest.mark.django_db
def test_errors_and_no_such_paper() -> None:
    cast = papers("paper-errors")
    slug = "paper-errors"
    label, code = cast.counted
    digits, check = label.split("-")
    wrong = f"{digits}-{(int(check) + 1) % 10}"
    status, page = _look(slug, wrong, code)
    assert status == 200 and 'id="number-error"' in page and "does not match" in page
    assert 'aria-invalid="true"' in page and "number-hint number-error" in page
    assert 'id="paper-errors"' in page and 'role="alert"' in page and 'id="paper-found"' not in page

    _, page = _look(slug, label, "")
    assert 'id="code-error"' in page and 'id="number-error"' not in page
    _, page = _look(slug, "12", code)
    assert "seven digits, a hyphen and one more digit, for example 0001234-0" in page

    other = cast.waiting[1]  # a real code, of another paper
    _, wrong_code = _look(slug, label, other)
    _, unknown = _look(slug, paper_label(999), code)
    assert 'id="paper-not-found"' in wrong_code and 'id="paper-not-found"' in unknown

    def strip(html: str) -> str:
        html = html[html.index("<main") :]  # the header holds a form with its own token
        for typed in (label, paper_label(999), other, code):
            html = html.replace(typed, "")
        return html

    assert strip(wrong_code) == strip(unknown)  # nothing tells them apart

    _, page = _look(slug, label.replace("-", ""), code)  # without the hyphen
    assert 'id="paper-found"' in page
    assert csrf_client().get(f"/e/{slug}/paper/").status_code == 200


@pytest.mark.django_db
def test_a_board_published_after_the_close_and_an_online_only_ballot() -> None:
    from voter_fixtures import build_open_election

    cast = papers("paper-hidden", public_board="after-close")
    _, page = _look("paper-hidden", *cast.counted)
    assert 'id="board-hidden"' in page and 'id="paper-figures"' not in page
    assert _outcomes(page) == ["counted"]  # the member's own paper, at any time
    online = build_open_election("online-only")
    assert csrf_client().get("/e/online-only/paper/").status_code == 404
    assert 'id="paper-link"' not in csrf_client().get("/e/online-only/").content.decode()
    assert 'id="paper-link"' in csrf_client().get("/e/paper-hidden/").content.decode()
    assert online.election.slug == "online-only"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["cy", "pl"])
def test_the_look_up_is_translated(language: str, settings: Any) -> None:
    cast = papers("paper-words")
    words = election_words(cast.hybrid.built) | NEVER_TRANSLATED
    for held in cast.hybrid.holders:  # the short codes are not words
        words |= {code for c in cast.hybrid.paper(held).contests for code in c.codes}
    for state in (cast.counted, cast.voided, cast.replacement, cast.superseded):
        number, code = state
        english = csrf_client()
        english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en-gb"
        en = english.get("/e/paper-words/paper/", {"number": number, "code": code})
        other = csrf_client()
        other.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        page = other.get("/e/paper-words/paper/", {"number": number, "code": code})
        lang, texts = page_texts(page.content.decode())
        assert lang == language
        left = untranslated(page_texts(en.content.decode())[1], texts, words)
        assert left == [], (state, left)


@pytest.mark.django_db(transaction=True)
def test_the_demo_prints_papers_to_look_up(tmp_path: Any, settings: Any) -> None:
    """``tellers serve``'s hybrid demo: each paper the console names shows what it says."""
    import re

    from tellers.web.demo import prepare_demo

    settings.DATA_DIR = tmp_path
    note = prepare_demo("http://127.0.0.1:8000")
    assert note is not None and "http://127.0.0.1:8000/e/demo-hybrid/paper/" in note
    printed = re.findall(r"^  ([0-9]{7}-[0-9])  ([0-9A-Z-]{19})  \((.+)\)$", note, re.M)
    expected = {
        "received and counted": ["counted"],
        "voided and replaced; it came back after all and was refused": ["refused"],
        "received, then superseded by an online ballot": ["superseded"],
        "a replacement: not received yet": [],
    }
    assert {what for _, _, what in printed} == set(expected)
    for label, code, what in printed:
        status, page = _look("demo-hybrid", label, code)
        assert status == 200 and 'id="paper-found"' in page, label
        assert _outcomes(page) == expected[what], (label, what)
    assert (tmp_path / "demo-hybrid-papers.csv").stat().st_mode & 0o077 == 0


# In Chromium ------------------------------------------------------------------------------


def in_chromium(test: Any) -> Any:
    """The browser tests' marks (skipped, saying why, without Chromium or the bundle)."""
    for mark in browser_marks:
        test = mark(test)
    return pytest.mark.django_db(transaction=True)(test)


@in_chromium
def test_a_member_checks_their_paper_on_a_phone(live_server: Any, cast: dict[str, Any]) -> None:
    """And the paper look-up in Welsh, Polish and at 400 % zoom, and the scrutineer's
    postal section, each checked with axe."""
    from webtesting import sign_in_with_code

    staff = csrf_client()
    sign_in_with_code(staff, cast["scrutineer"])
    built = papers("paper-phone")
    label, code = built.counted
    digits, check = label.split("-")
    with orm_beside_playwright(), chromium() as browser:
        page = browser.new_page(viewport={"width": 360, "height": 740})
        problems = console_problems(page)
        page.goto(f"{live_server.url}/e/paper-phone/paper/")
        assert_accessible(page, "paper look-up")
        assert overflow(page) == [] and small_targets(page) == []

        page.fill("#number", f"{digits}-{(int(check) + 3) % 10}")
        page.fill("#code", code.lower())
        page.click("#look-up")
        page.locator("#number-error").wait_for()
        assert "does not match" in page.inner_text("#number-error")
        assert page.get_attribute("#number", "aria-invalid") == "true"
        assert page.get_attribute("#paper-errors", "role") == "alert"
        assert_accessible(page, "paper look-up: wrong check digit")
        screenshot(page, "paper-wrong-check-digit")

        page.fill("#number", label)
        page.fill("#code", built.waiting[1])
        page.click("#look-up")
        page.locator("#paper-not-found").wait_for()
        assert page.get_attribute("#paper-result", "role") == "status"
        assert_accessible(page, "paper look-up: no such paper")

        page.fill("#code", code.lower().replace("-", ""))
        page.click("#look-up")
        page.locator("#paper-found").wait_for()
        found = page.inner_text("#paper-found")
        assert "Received on" in found and "It was counted." in found
        codes = page.locator("code.short-code").all_inner_texts()
        assert len(codes) == len(built.hybrid.paper(built.hybrid.papers[0]).contests)
        assert_accessible(page, "paper look-up: counted")
        screenshot(page, "paper-counted")
        assert overflow(page) == [] and small_targets(page) == []
        counted = page.url
        for locale, language in (("cy-GB", "cy"), ("pl-PL", "pl")):
            other = browser.new_context(viewport={"width": 360, "height": 740}, locale=locale)
            translated = other.new_page()
            translated.goto(counted)
            assert translated.get_attribute("html", "lang") == language
            assert_accessible(translated, f"paper look-up: counted, {language}")
            assert overflow(translated) == [], language
            screenshot(translated, "paper-counted", language)
        zoomed = browser.new_context(viewport={"width": 320, "height": 740}, device_scale_factor=4)
        at_400 = zoomed.new_page()  # a 1280 px window at 400 %
        at_400.goto(counted)
        assert overflow(at_400) == [], "400 %"

        page = browser.new_context(viewport={"width": 360, "height": 740})
        page.add_cookies([{"name": "sessionid", "value": staff.cookies["sessionid"].value,
                           "url": live_server.url}])  # fmt: skip
        scrutiny = page.new_page()
        scrutiny.goto(f"{live_server.url}/scrutiny/e/paper-phone/")
        assert scrutiny.locator("#paper-figures").is_visible()
        assert scrutiny.locator("#returns-form").is_visible()
        assert_accessible(scrutiny, "scrutineer's papers")
        assert overflow(scrutiny) == [] and small_targets(scrutiny) == []
        screenshot(scrutiny, "scrutiny-papers")
    assert problems == []
