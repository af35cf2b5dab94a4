"""The member's pages over HTTP, CSRF enforced: sign-in, the ballot page, cast, audit, receipt.

The credential code never reaches the server: the sign-in posts the public
credential and a signature of the session's challenge. Malformed or
unauthorised requests are refused plainly; a refusal the board's rules
record is on the board, anything else leaves it untouched.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from voter_fixtures import (
    BuiltElection,
    audit_request,
    build_open_election,
    make_ballot,
    post_json,
    sign_in,
)
from webtesting import csrf_client

from tellers import canonical
from tellers.web.store.models import BoardEvent, Election

__all__: list[str] = []


@pytest.fixture
def built(db: None) -> BuiltElection:
    return build_open_election("vote-web")


def _events(built: BuiltElection) -> list[str]:
    return list(
        BoardEvent.objects.filter(election=built.election)
        .order_by("seq")
        .values_list("type", flat=True)
    )


def test_sign_in_page_never_names_the_code_field(built: BuiltElection) -> None:
    page = csrf_client().get("/vote/vote-web/").content.decode()
    code = re.search(r"<input id=\"code\"[^>]*>", page)
    assert code is not None and "name=" not in code.group(0)
    assert 'name="member_number" id="id_member_number"' in page or (
        'id="id_member_number"' in page and 'name="member_number"' in page
    )
    assert 'id="sign-in"' in page
    assert "<script>" not in page


def test_sign_in_then_ballot_page(built: BuiltElection) -> None:
    client = csrf_client()
    response: Any = sign_in(client, built, built.voters[0])
    assert response.status_code == 302 and response["Location"] == "/vote/vote-web/ballot/"
    page = client.get("/vote/vote-web/ballot/").content.decode()
    for contest in ("general-secretary", "executive-north", "strike"):
        assert f'data-contest="{contest}"' in page
    assert 'type="radio" name="contest-general-secretary" value="patel"' in page
    assert 'type="checkbox" name="contest-executive-north" value="ali"' in page
    assert "Fair pensions, safe workplaces." in page  # the election address
    assert 'id="encrypt"' in page and 'id="cast"' in page and 'id="audit"' in page
    assert 'id="ballot-data"' in page and "already-voted" not in page
    # A south member has no north contest.
    south = csrf_client()
    sign_in(south, built, built.voters[1])
    assert (
        'data-contest="executive-north"' not in south.get("/vote/vote-web/ballot/").content.decode()
    )


def test_ballot_page_needs_sign_in(built: BuiltElection) -> None:
    response = csrf_client().get("/vote/vote-web/ballot/")
    assert response.status_code == 302 and response["Location"] == "/vote/vote-web/"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"member_number": "M99999"}, "do not match"),
        ({"voter": 1}, "do not match"),  # another member's number with this credential
        ({"signature": "00" * 64}, "page has expired"),
    ],
)
def test_bad_sign_in_is_refused_plainly(
    built: BuiltElection, change: dict[str, Any], message: str
) -> None:
    client = csrf_client()
    voter = built.voters[0]
    if "signature" in change:
        client.get("/vote/vote-web/")
        response = client.post(
            "/vote/vote-web/",
            {
                "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
                "credential": voter.credential.hex(),
                "signature": change["signature"],
                "member_number": voter.member_number,
            },
        )
    else:
        number = change.get("member_number") or built.voters[change.get("voter", 0)].member_number
        response = sign_in(client, built, voter, member_number=number)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert client.get("/vote/vote-web/ballot/").status_code == 302


def test_sign_in_attempts_are_limited(built: BuiltElection) -> None:
    voter = built.voters[0]
    for _ in range(5):
        response: Any = sign_in(csrf_client(), built, voter, member_number="WRONG")
        assert response.status_code == 400
    # The right number now waits too: the credential and the client are both limited.
    response = sign_in(csrf_client(), built, voter)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_member_number_ignores_spaces_and_case(built: BuiltElection) -> None:
    voter = built.voters[0]
    typed = " " + voter.member_number.lower()[:3] + " " + voter.member_number[3:] + " "
    assert sign_in(csrf_client(), built, voter, member_number=typed).status_code == 302


def _signed_in(built: BuiltElection, index: int = 0) -> Any:
    client = csrf_client()
    assert sign_in(client, built, built.voters[index]).status_code == 302
    return client


def test_cast_and_receipt(built: BuiltElection) -> None:
    client = _signed_in(built)
    raw, _, _, _ = make_ballot(built, built.voters[0])
    response = post_json(client, "/vote/vote-web/cast/", raw)
    data = response.json()
    assert response.status_code == 200 and data["accepted"]
    assert data["receipt_url"] == f"/vote/vote-web/receipt/{data['tracker']}/"
    receipt = client.get(data["receipt_url"]).content.decode()
    assert f'<output id="tracker">{data["tracker"]}</output>' in receipt
    assert f"/e/vote-web/board/?tracker={data['tracker']}" in receipt
    # Cast: the member is signed out, and the ballot page is no longer theirs to reach.
    assert client.get("/vote/vote-web/ballot/").status_code == 302
    again = post_json(client, "/vote/vote-web/cast/", make_ballot(built, built.voters[0])[0])
    assert again.status_code == 403 and "Sign in again" in again.json()["message"]
    assert sign_in(client, built, built.voters[0]).status_code == 302
    page = client.get("/vote/vote-web/ballot/").content.decode()
    assert 'id="already-voted"' in page and data["tracker"] in page
    assert 'id="cast"' in page  # revote "last": may vote again


@pytest.mark.parametrize("policy", ["first", "forbidden"])
def test_no_cast_button_once_voted_unless_revote_last(db: None, policy: str) -> None:
    built = build_open_election(f"policy-{policy}", revote=policy)
    client = _signed_in(built)
    raw = make_ballot(built, built.voters[0])[0]
    assert post_json(client, f"/vote/{built.election.slug}/cast/", raw).status_code == 200
    assert sign_in(client, built, built.voters[0]).status_code == 302
    page = client.get(f"/vote/{built.election.slug}/ballot/").content.decode()
    assert 'id="already-voted"' in page and "Your ballot is recorded" in page
    assert 'id="cast"' not in page
    again = post_json(
        client, f"/vote/{built.election.slug}/cast/", make_ballot(built, built.voters[0])[0]
    )
    assert again.status_code == 422
    assert again.json()["reason"] in ("first-counts", "revote-forbidden")


def test_revote_last_through_the_web(built: BuiltElection) -> None:
    client = _signed_in(built)
    first = post_json(client, "/vote/vote-web/cast/", make_ballot(built, built.voters[0])[0]).json()
    assert sign_in(client, built, built.voters[0]).status_code == 302
    second = post_json(
        client, "/vote/vote-web/cast/", make_ballot(built, built.voters[0])[0]
    ).json()
    assert second["accepted"] and second["supersedes"] == first["tracker"]


def test_audit_shows_the_choices_and_the_ballot_cannot_be_cast(built: BuiltElection) -> None:
    client = _signed_in(built)
    choices = {"general-secretary": ["jones"], "executive-north": [], "strike": ["no"]}
    raw, raw_reveal, _, _ = make_ballot(built, built.voters[0], choices)
    unsigned = b'{"ballot":' + raw + b',"reveal":' + raw_reveal + b"}"
    not_a_request = post_json(client, "/vote/vote-web/audit/", unsigned)
    assert not_a_request.status_code == 422 and not_a_request.json()["reason"] == "malformed"
    signature = audit_request(built, built.voters[0], raw, raw_reveal).hex()
    wrong = (
        b'{"ballot":' + raw + b',"reveal":' + raw_reveal + b',"signature":"' + b"00" * 64 + b'"}'
    )
    refused = post_json(client, "/vote/vote-web/audit/", wrong)
    assert refused.status_code == 409 and _events(built) == ["election-opened", "ballot-refused"]
    envelope = unsigned[:-1] + b',"signature":"' + signature.encode() + b'"}'
    response = post_json(client, "/vote/vote-web/audit/", envelope)
    data = response.json()
    assert data["audited"] is True
    assert [c["chosen"] for c in data["choices"]] == ["Siân Jones", "no choice (blank)", "No"]
    cast = post_json(client, "/vote/vote-web/cast/", raw)
    assert cast.json()["reason"] == "replay"
    assert _events(built) == [
        "election-opened",
        "ballot-refused",
        "ballot-audited",
        "ballot-refused",
    ]


def test_refusals_that_leave_the_board_untouched(built: BuiltElection) -> None:
    raw = make_ballot(built, built.voters[0])[0]
    anonymous = csrf_client()
    anonymous.get("/vote/vote-web/")
    assert post_json(anonymous, "/vote/vote-web/cast/", raw).status_code == 403

    client = _signed_in(built)
    missing_csrf = post_json(client, "/vote/vote-web/cast/", raw, csrf=False)
    assert missing_csrf.status_code == 403
    assert b"This form has expired" in missing_csrf.content

    oversized = post_json(client, "/vote/vote-web/cast/", b" " * (300 * 1024) + raw)
    assert oversized.status_code == 413

    someone_else = make_ballot(built, built.voters[2])[0]
    other = post_json(client, "/vote/vote-web/cast/", someone_else)
    assert other.status_code == 403 and "another voting code" in other.json()["message"]

    Election.objects.filter(pk=built.election.pk).update(status="closed")
    closed = post_json(client, "/vote/vote-web/cast/", raw)
    assert closed.status_code == 409 and closed.json()["reason"] == "not-open"
    assert _events(built) == ["election-opened"]


def test_refusals_the_rules_record(built: BuiltElection) -> None:
    client = _signed_in(built)
    raw = make_ballot(built, built.voters[0])[0]
    forged = canonical.loads(raw)
    forged["contests"][0]["selections"][0]["beta"] = forged["contests"][0]["selections"][1]["beta"]
    assert (
        post_json(client, "/vote/vote-web/cast/", canonical.dumps(forged)).json()["reason"]
        == "bad-signature"
    )
    other = make_ballot(built, built.voters[0], fingerprint=bytes(32))[0]
    assert post_json(client, "/vote/vote-web/cast/", other).json()["reason"] == "wrong-election"
    assert post_json(client, "/vote/vote-web/cast/", b"{oops").json()["reason"] == "malformed"
    not_an_audit = post_json(client, "/vote/vote-web/audit/", raw)  # a ballot, not a request
    assert not_an_audit.json()["reason"] == "malformed"
    assert post_json(client, "/vote/vote-web/cast/", raw).json()["accepted"]
    assert sign_in(client, built, built.voters[0]).status_code == 302  # casting signed out
    assert post_json(client, "/vote/vote-web/cast/", raw).json()["reason"] == "replay"
    assert _events(built) == ["election-opened"] + ["ballot-refused"] * 4 + [
        "ballot-accepted",
        "ballot-refused",
    ]
