"""The member's pages as a member meets them (issue 10's walk at 360 px), over HTTP and in Chromium.

A refused sign-in keeps what was typed without the code ever reaching the server; a blank
contest is asked about; the choices are summarised before casting; casting signs the member
out and leaves no way back to the choices; a ballot replaced by a re-vote says so on the
board, in the tracker look-up and on the receipt; the error and "voting has closed" pages
are the site's own; the result has a chart beside its table, and a yes/no question is never
"tied for the last seat".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from a11y import console_problems, orm_beside_playwright
from test_browser_smoke import chromium
from test_browser_smoke import pytestmark as browser_marks
from voter_fixtures import BuiltElection, build_open_election, close_and_publish, make_ballot
from webtesting import csrf_client

from tellers.web.public.views import share
from tellers.web.store import board
from tellers.web.store.models import Election

__all__: list[str] = []


def _cast(built: BuiltElection, index: int, choices: dict[str, list[str]]) -> str:
    voter = built.voters[index]
    wanted = {
        k: v for k, v in choices.items() if k != "executive-north" or voter.constituency == "north"
    }
    got = board.cast(built.election, make_ballot(built, voter, wanted)[0])
    assert got.accepted and got.tracker is not None, got
    return got.tracker


# ---- over HTTP -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_replaced_ballot_says_so_on_the_board_in_the_look_up_and_on_its_receipt() -> None:
    built = build_open_election("revote")
    first = _cast(built, 0, {"general-secretary": ["okafor"], "strike": ["yes"]})
    second = _cast(built, 0, {"general-secretary": ["patel"], "strike": ["no"]})
    other = _cast(built, 1, {"general-secretary": ["jones"], "strike": ["yes"]})
    client = csrf_client()

    listing = client.get("/e/revote/board/").content.decode()
    rows = re.findall(
        r'<tr data-type="ballot-accepted" data-status="(\w+)">.*?'
        r'<td class="tracker">([0-9a-f]{64})</td>',
        listing,
        re.S,
    )
    assert {t: status for status, t in rows} == {
        first: "replaced",
        second: "counted",
        other: "counted",
    }
    assert listing.count("replaced, not counted") == 1

    old = client.get("/e/revote/board/", {"tracker": first[:12]}).content.decode()
    assert 'id="tracker-found"' in old
    assert (
        f'data-tracker="{first}" data-status="replaced"' in old and "replaced, not counted" in old
    )
    new = client.get("/e/revote/board/", {"tracker": second}).content.decode()
    found = new[new.index('id="tracker-found"') :]
    found = found[: found.index("</div>")]
    assert f'data-tracker="{second}" data-status="counted"' in found
    assert "replaced, not counted" not in found

    replaced = client.get(f"/vote/revote/receipt/{first}/").content.decode()
    assert 'id="replaced"' in replaced and "Replaced, not counted." in replaced
    replacing = client.get(f"/vote/revote/receipt/{second}/").content.decode()
    assert 'id="replaced"' not in replacing
    assert 'id="supersedes"' in replacing and first in replacing
    plain = client.get(f"/vote/revote/receipt/{other}/").content.decode()
    assert 'id="replaced"' not in plain and 'id="supersedes"' not in plain


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["closed", "tallying", "published"])
def test_after_the_close_the_voting_link_says_voting_has_closed(status: str) -> None:
    built = build_open_election(f"shut-{status}")
    Election.objects.filter(pk=built.election.pk).update(status=status)
    client = csrf_client()
    page = client.get(f"/vote/shut-{status}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<h1>Voting has closed</h1>" in html and 'id="voting-closed"' in html
    assert 'id="sign-in-form"' not in html
    assert f'href="/e/shut-{status}/board/"' in html
    ballot = client.get(f"/vote/shut-{status}/ballot/")
    assert ballot.status_code == 302 and ballot["Location"] == f"/vote/shut-{status}/"


@pytest.mark.django_db
def test_the_ballot_and_sign_in_pages_are_never_stored_by_the_browser() -> None:
    built = build_open_election("nostore")
    from voter_fixtures import sign_in

    client = csrf_client()
    assert "no-store" in client.get("/vote/nostore/")["Cache-Control"]
    sign_in(client, built, built.voters[0])
    ballot = client.get("/vote/nostore/ballot/")
    assert ballot.status_code == 200 and "no-store" in ballot["Cache-Control"]


@pytest.mark.django_db
def test_error_pages_are_the_sites_own(client_for: Any) -> None:
    anonymous = client_for(None)
    missing = anonymous.get("/no-such-page/")
    assert missing.status_code == 404
    html = missing.content.decode()
    assert "<h1>Page not found</h1>" in html and "tellers/site.css" in html and 'id="main"' in html
    assert anonymous.get("/vote/no-such-election/").content.decode().count("Page not found") >= 1

    forbidden = client_for("outsider").get("/scrutiny/")
    assert forbidden.status_code == 403
    assert "<h1>You cannot see this page</h1>" in forbidden.content.decode()


@pytest.mark.django_db
def test_the_500_page_needs_no_database(django_db_blocker: Any) -> None:
    """The server-error page is drawn with the database out of reach (it may be what failed)."""
    from django.test import RequestFactory
    from django.views.defaults import server_error

    with django_db_blocker.block():
        response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in html and "tellers/site.css" in html


@pytest.mark.django_db
def test_a_real_server_error_shows_the_500_page() -> None:
    Election.objects.create(
        slug="broken",
        title="Broken",
        status="published",
        manifest={"not": "a manifest"},
        result={"contests": [{"id": "x"}]},
    )
    client = csrf_client()
    client.raise_request_exception = False
    response = client.get("/e/broken/result/")
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.content.decode()


@pytest.mark.django_db
def test_a_yes_no_tie_is_never_a_tie_for_the_last_seat() -> None:
    built = build_open_election("level")
    _cast(built, 0, {"general-secretary": ["okafor"], "strike": ["yes"]})
    _cast(built, 1, {"general-secretary": ["jones"], "strike": ["no"]})
    close_and_publish(built)
    html = csrf_client().get("/e/level/result/").content.decode()
    strike = html[html.index('<tbody data-contest="strike"') :]
    strike = strike[: strike.index("</tbody>")]
    assert "Yes and No have the same number of votes" in strike
    assert "seat" not in strike
    assert 'data-carried="no"' in strike
    general = html[html.index('<tbody data-contest="general-secretary"') :]
    general = general[: general.index("</tbody>")]
    # A tie between candidates names them, not their identifiers.
    assert "Tied for the seat</th><td>Grace Okafor, Siân Jones</td>" in general
    executive = html[html.index('<tbody data-contest="executive-north"') :]
    executive = executive[: executive.index("</tbody>")]
    assert "Tied for the last seat" in executive


@pytest.mark.django_db
def test_the_result_has_a_chart_beside_its_table() -> None:
    built = build_open_election("chart", members=6)
    for i, pick in enumerate(["okafor", "okafor", "okafor", "patel", "jones"]):
        _cast(built, i, {"general-secretary": [pick], "strike": ["yes"]})
    close_and_publish(built)
    html = csrf_client().get("/e/chart/result/").content.decode()
    assert '<table id="result">' in html  # the table stays the source
    assert " style=" not in html and "<style" not in html  # the CSP forbids inline style
    figure = html[html.index('<figure class="chart" data-contest="general-secretary"') :]
    figure = figure[: figure.index("</figure>")]
    assert "<figcaption" in figure and "share of 5 ballots" in figure
    bars = dict(re.findall(r'<li data-choice="(\w+)" data-percent="(\d+)">', figure))
    assert bars == {"okafor": "60", "patel": "20", "jones": "20", "blank": "0"}
    assert 'width="60%"' in figure and "3 votes (60.0%)" in figure and "1 vote (20.0%)" in figure
    assert figure.count('aria-hidden="true"') == 4  # the bars; their text says the same


def test_shares_are_rounded_exactly() -> None:
    assert share(1, 3) == ("33.3", 33)
    assert share(2, 3) == ("66.7", 67)
    assert share(1, 8) == ("12.5", 13)
    assert share(0, 0) == ("0.0", 0)
    assert share(7, 7) == ("100.0", 100)


# ---- in Chromium -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    for mark in browser_marks:
        if mark.args[0]:
            pytest.skip(mark.kwargs["reason"])
    with orm_beside_playwright(), chromium() as instance:
        yield instance


def _page(browser: Any, width: int = 360) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 740})
    return context.new_page()


def _ready(page: Any) -> None:
    page.locator("html[data-tellers-crypto=ready]").wait_for(state="attached")


def _sign_in(page: Any, base: str, code: str, number: str) -> None:
    page.goto(f"{base}/")
    _ready(page)
    page.fill("#code", code)
    page.fill("#id_member_number", number)
    page.click("#sign-in")
    page.wait_for_url(f"{base}/ballot/")
    _ready(page)


@pytest.mark.django_db(transaction=True)
def test_a_refused_sign_in_keeps_what_was_typed_and_never_sends_the_code(
    live_server: Any, browser: Any
) -> None:
    built = build_open_election("keep-typed")
    voter = built.voters[0]
    base = f"{live_server.url}/vote/keep-typed"
    page = _page(browser)
    problems = console_problems(page)
    sent: list[str] = []
    page.on("request", lambda r: sent.append((r.url or "") + (r.post_data or "")))
    page.goto(f"{base}/")
    _ready(page)
    typed = voter.code.lower()
    page.fill("#code", typed)
    page.fill("#id_member_number", "M99999")
    page.click("#sign-in")
    page.locator("#sign-in-errors .error").wait_for()
    assert "do not match" in page.inner_text("#sign-in-errors")
    assert page.locator("#sign-in-errors [role=alert]").count() == 1
    assert page.url == f"{base}/"
    assert page.input_value("#code") == typed  # kept by the page, not put back by the server
    assert page.input_value("#id_member_number") == "M99999"
    assert page.evaluate("sessionStorage.length") == 0  # a refused code is not kept

    page.fill("#id_member_number", voter.member_number)  # the code as it was left
    page.click("#sign-in")
    page.wait_for_url(f"{base}/ballot/")
    bare = voter.code.replace("-", "")
    assert not [s for s in sent if voter.code in s or bare in s or typed in s or bare.lower() in s]
    assert any('name="credential"' in s for s in sent)  # multipart, as FormData sends it
    # The refusal is a 400, which Chromium logs; nothing else went wrong.
    assert [p for p in problems if "status of 400" not in p] == []


@pytest.mark.django_db(transaction=True)
def test_encrypt_asks_about_a_blank_vote_and_summarises_the_choices(
    live_server: Any, browser: Any
) -> None:
    built = build_open_election("blank-ask")
    voter = built.voters[0]  # north: three contests
    base = f"{live_server.url}/vote/blank-ask"
    page = _page(browser)
    problems = console_problems(page)
    _sign_in(page, base, voter.code, voter.member_number)

    page.check('input[name="contest-strike"][value="no"]')
    page.click("#encrypt")
    page.locator("#blank-question").wait_for(state="visible")
    assert page.locator("#tracker-box").is_hidden()  # nothing encrypted yet
    assert page.inner_text("#blank-contests").split("\n") == [
        "General Secretary",
        "Executive Council (North)",
    ]
    assert page.evaluate("document.activeElement.id") == "blank-heading"
    page.click("#blank-no")
    assert page.locator("#blank-question").is_hidden()
    assert page.evaluate("document.activeElement.id") == "c-general-secretary-okafor"

    page.check('input[name="contest-general-secretary"][value="jones"]')
    page.click("#encrypt")
    page.locator("#blank-question").wait_for(state="visible")
    assert page.inner_text("#blank-contests") == "Executive Council (North)"
    page.click("#blank-yes")
    page.locator("#tracker-box").wait_for(state="visible")
    summary = page.inner_text("#summary").split("\n")
    assert [s for s in summary if s] == [
        "General Secretary",
        "Siân Jones",
        "Executive Council (North)",
        "No choice (a blank vote)",
        "Are you prepared to take part in strike action?",
        "No",
    ]
    assert page.evaluate("document.activeElement.id") == "summary-heading"

    # A blank chosen on purpose ("No choice") is not asked about.
    page.check("#c-general-secretary--blank")
    page.check('input[name="contest-executive-north"][value="ali"]')
    assert page.locator("#tracker-box").is_hidden()  # a change forgets the encrypted ballot
    page.click("#encrypt")
    page.locator("#tracker-box").wait_for(state="visible")
    assert page.locator("#blank-question").is_hidden()
    assert "No choice (a blank vote)" in page.inner_text(
        "#summary dd[data-contest=general-secretary]"
    )
    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_casting_signs_out_and_leaves_no_way_back_to_the_choices(
    live_server: Any, browser: Any
) -> None:
    built = build_open_election("no-way-back")
    voter = built.voters[1]  # south: two contests
    base = f"{live_server.url}/vote/no-way-back"
    page = _page(browser)
    problems = console_problems(page)
    _sign_in(page, base, voter.code, voter.member_number)
    page.check('input[name="contest-general-secretary"][value="patel"]')
    page.check('input[name="contest-strike"][value="yes"]')
    page.click("#encrypt")
    page.locator("#tracker-box").wait_for(state="visible")
    tracker = page.inner_text("#tracker")
    page.click("#cast")
    page.wait_for_url(f"{base}/receipt/{tracker}/")
    assert page.inner_text("#tracker") == tracker
    assert page.locator("#signed-out").is_visible()
    links = page.eval_on_selector_all("a[href]", "(as) => as.map((a) => a.href)")
    assert not [a for a in links if "/ballot/" in a or a.rstrip("/").endswith("/vote/no-way-back")]
    assert page.locator("form.sign-out").count() == 0

    page.go_back()
    page.wait_for_load_state()
    assert "/ballot/" not in page.url
    assert page.locator("#ballot-form").count() == 0
    assert page.evaluate("document.querySelectorAll('input:checked').length") == 0
    assert page.input_value("#code") == ""  # the sign-in page does not keep the code either
    assert page.locator("a[href$='/ballot/']").count() == 0  # nor offers a way to the ballot
    page.goto(f"{base}/ballot/")  # the session is over: the ballot is behind a new sign-in
    assert page.url == f"{base}/"
    assert page.locator("#sign-in-form").count() == 1
    assert page.evaluate("sessionStorage.length") == 0
    assert problems == []
