"""The public pages: find my tracker, the counts, audited ballots, the result once published.

No member-identifying data appears anywhere public.
"""

from __future__ import annotations

import pytest
from voter_fixtures import (
    BuiltElection,
    audit_request,
    build_open_election,
    close_and_publish,
    make_ballot,
)
from webtesting import csrf_client

from tellers.web.store import board

__all__: list[str] = []


@pytest.fixture
def built(db: None) -> BuiltElection:
    return build_open_election("public")


def test_find_my_tracker_by_whole_or_prefix(built: BuiltElection) -> None:
    got = board.cast(built.election, make_ballot(built, built.voters[0])[0])
    board.cast(built.election, b"nonsense")
    assert got.tracker is not None
    client = csrf_client()
    for query in (got.tracker, got.tracker[:10].upper(), " " + got.tracker[:12] + " "):
        page = client.get("/e/public/board/", {"tracker": query}).content.decode()
        assert 'id="tracker-found"' in page and got.tracker in page, query
    missing = client.get("/e/public/board/", {"tracker": "0123456789abcdef"}).content.decode()
    assert 'id="tracker-not-found"' in missing
    short = client.get("/e/public/board/", {"tracker": "abc"}).content.decode()
    assert "at least 8 characters" in short
    page = client.get("/e/public/board/").content.decode()
    assert "Ballots accepted: 1. Checked (audited) and never counted: 0. Refused: 1." in page


def test_audited_ballots_show_their_choices(built: BuiltElection) -> None:
    choices = {
        "general-secretary": ["patel"],
        "executive-north": ["ali", "cole"],
        "strike": ["yes"],
    }
    raw, reveal, _, _ = make_ballot(built, built.voters[0], choices)
    got = board.audit(
        built.election, raw, reveal, audit_request(built, built.voters[0], raw, reveal)
    )
    page = csrf_client().get("/e/public/audited/").content.decode()
    assert got.tracker in page
    assert "General Secretary: Raj Patel" in page
    assert "Executive Council (North): Ali Hassan, Cal Cole" in page


def test_result_only_once_published(built: BuiltElection) -> None:
    for i, voter in enumerate(built.voters):
        choice = {"general-secretary": ["okafor" if i < 3 else "jones"], "strike": ["yes"]}
        if voter.constituency == "north":
            choice["executive-north"] = ["ali"]
        board.cast(built.election, make_ballot(built, voter, choice)[0])
    client = csrf_client()
    assert 'id="result"' not in client.get("/e/public/result/").content.decode()
    close_and_publish(built)
    page = client.get("/e/public/result/").content.decode()
    assert '<table id="result">' in page
    assert (
        '<tr data-choice="okafor"><th scope="row">Grace Okafor — <strong>elected</strong>'
        '</th><td class="votes">3</td>' in page
    )
    assert '<tr data-choice="jones"><th scope="row">Siân Jones</th><td class="votes">1</td>' in page
    assert 'data-threshold="turnout" data-met="yes"' in page
    # A question is carried, never "elected".
    strike = page[page.index('data-contest="strike"') :]
    assert '<tr class="outcome" data-carried="yes"' in strike
    assert "Yes — <strong>elected" not in page
    assert "Ballots counted: 4 of 4" in page


def test_nothing_public_identifies_a_member(built: BuiltElection) -> None:
    board.cast(built.election, make_ballot(built, built.voters[0])[0])
    raw, reveal, _, _ = make_ballot(built, built.voters[1])
    board.audit(built.election, raw, reveal, audit_request(built, built.voters[1], raw, reveal))
    close_and_publish(built)
    client = csrf_client()
    pages = [
        client.get(url).content.decode()
        for url in [
            "/",
            "/e/public/",
            "/e/public/board/",
            "/e/public/audited/",
            "/e/public/result/",
        ]
    ]
    for voter in built.voters:
        for page in pages:
            assert voter.member_number not in page
            assert voter.code not in page
            assert "Member 0" not in page


@pytest.mark.django_db
def test_a_board_published_after_the_close_still_finds_a_members_tracker() -> None:
    """REQUIREMENTS 8: where the manifest says so, nobody sees the board or a count of ballots
    while voting is open; each member can still find their own (whole) tracker."""
    hidden = build_open_election("hidden", public_board="after-close")
    got = board.cast(hidden.election, make_ballot(hidden, hidden.voters[0])[0])
    assert got.tracker is not None
    client = csrf_client()
    election = client.get("/e/hidden/").content.decode()
    assert 'id="board-hidden"' in election and 'id="accepted"' not in election
    listing = client.get("/e/hidden/board/").content.decode()
    assert got.tracker not in listing and "ballot-accepted" not in listing
    assert "Ballots accepted" not in listing
    whole = client.get("/e/hidden/board/", {"tracker": got.tracker}).content.decode()
    assert 'id="tracker-found"' in whole
    prefix = client.get("/e/hidden/board/", {"tracker": got.tracker[:16]}).content.decode()
    assert 'id="tracker-found"' not in prefix and "at least 64 characters" in prefix
    assert got.tracker not in client.get("/e/hidden/audited/").content.decode()
    close_and_publish(hidden)
    after = client.get("/e/hidden/board/").content.decode()
    assert got.tracker in after and "Ballots accepted: 1" in after
