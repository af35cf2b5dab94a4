"""Abuse of the member's side of the site, each attack performed against it (issue 10).

Every test sends what an attacker (or a careless script) would, through the
site's own views with CSRF enforced, and shows what now happens: a member
cannot be locked out by someone who lacks their code, a sign-in cannot be
replayed, an anonymous visit stores nothing, one member can neither flood
the board nor grow it at will, and no submission, however mangled, is
answered with a server error. The ones that touch the database run on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core import signing
from django.test import Client
from voter_fixtures import (
    BuiltElection,
    audit_request,
    build_open_election,
    make_ballot,
    page_challenge,
    post_json,
    sign_in,
)
from webtesting import csrf_client, postgres_param

from tellers import canonical
from tellers.crypto.credentials import derive_signing_key
from tellers.crypto.group import bip340_sign
from tellers.web.store.models import BoardEvent
from tellers.web.voter import signin, throttle
from tellers.web.voter.signin import sign_in_message

__all__: list[str] = []

DATABASES = ["default", "pg"]
ALIASES = [pytest.param("default", id="sqlite"), postgres_param()]


@pytest.fixture
def built(db: None) -> BuiltElection:
    return build_open_election("abuse")


def _events(built: BuiltElection) -> list[tuple[str, dict[str, Any]]]:
    rows = BoardEvent.objects.filter(election=built.election).order_by("seq")
    return [(e.type, canonical.loads(e.body)) for e in rows]


def _client_at(address: str) -> Client:
    """A browser at ``address`` (REMOTE_ADDR: what the site sees, behind a proxy or not)."""
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=address)


def _post_sign_in(client: Any, built: BuiltElection, **fields: str) -> Any:
    url = f"/vote/{built.election.slug}/"
    return client.post(url, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value, **fields})


def _signed_in(built: BuiltElection, index: int = 0) -> Any:
    client = csrf_client()
    assert sign_in(client, built, built.voters[index]).status_code == 302
    return client


# Sign-in -------------------------------------------------------------------------


def test_garbage_signatures_naming_a_credential_do_not_lock_its_member_out(
    built: BuiltElection,
) -> None:
    """Today's attack: five sign-ins naming a member's public credential (published on the
    list) with signatures the attacker cannot make. They count against the attacker's address
    only; the member, from their own address, signs in."""
    victim = built.voters[0]
    attacker = _client_at("203.0.113.7")
    for _ in range(signin.LIMIT + 2):
        attacker.get(f"/vote/{built.election.slug}/")
        refused = _post_sign_in(
            attacker,
            built,
            credential=victim.credential.hex(),
            signature="ab" * 64,
            member_number=victim.member_number,
        )
        assert refused.status_code in (400, 429)
    assert refused.status_code == 429  # the attacker's own address is stopped
    member = _client_at("198.51.100.20")
    assert sign_in(member, built, victim).status_code == 302


def test_a_wrong_membership_number_with_the_right_code_counts_against_the_credential(
    built: BuiltElection,
) -> None:
    """Someone holding a member's code (a stolen letter) guessing the membership number: the
    signature shows the code was known, so the credential itself is limited, from any address."""
    voter = built.voters[0]
    for n in range(signin.LIMIT):
        client = _client_at(f"192.0.2.{n + 1}")
        assert sign_in(client, built, voter, member_number="WRONG").status_code == 400
    elsewhere = _client_at("192.0.2.200")
    response = sign_in(elsewhere, built, voter)
    assert response.status_code == 429 and "Too many attempts" in response.content.decode()


def test_a_sign_in_cannot_be_replayed(built: BuiltElection) -> None:
    """A sign-in captured whole (its challenge cookie and its signature) signs nobody in a
    second time: each challenge is answered once."""
    voter = built.voters[0]
    client = csrf_client()
    challenge = page_challenge(client.get(f"/vote/{built.election.slug}/").content.decode())
    key = derive_signing_key(built.manifest.election_id.encode(), voter.code)
    fields = {
        "credential": voter.credential.hex(),
        "signature": bip340_sign(key, sign_in_message(challenge), bytes(32)).hex(),
        "member_number": voter.member_number,
    }
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    assert _post_sign_in(client, built, **fields).status_code == 302
    replay = csrf_client()
    for name, value in cookies.items():
        replay.cookies[name] = value
    refused = _post_sign_in(replay, built, **fields)
    assert refused.status_code == 400 and "This page has expired" in refused.content.decode()
    assert replay.get(f"/vote/{built.election.slug}/ballot/").status_code == 302


def test_a_challenge_older_than_its_age_or_not_the_sites_signs_nobody_in(
    built: BuiltElection,
) -> None:
    voter = built.voters[0]
    key = derive_signing_key(built.manifest.election_id.encode(), voter.code)
    name = f"tellers-challenge-{built.election.pk}"

    class Earlier(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - signin.CHALLENGE_AGE - 60)

    made = [
        Earlier(salt=name + signin._SALT).sign("ab" * 32),  # the site's key, but too old
        signing.TimestampSigner(key="not the site's", salt=name + signin._SALT).sign("cd" * 32),
    ]
    for cookie in made:
        client = csrf_client()
        client.get(f"/vote/{built.election.slug}/")
        client.cookies[name] = cookie
        value = cookie.split(":")[0]
        signature = bip340_sign(key, sign_in_message(value), bytes(32)).hex()
        refused = _post_sign_in(
            client,
            built,
            credential=voter.credential.hex(),
            signature=signature,
            member_number=voter.member_number,
        )
        assert refused.status_code == 400 and "This page has expired" in refused.content.decode()


def test_an_anonymous_visit_stores_no_session(built: BuiltElection) -> None:
    """Every page a member or a passer-by can reach without signing in, and a refused sign-in:
    no session row (the challenge travels as a signed cookie)."""
    client = csrf_client()
    slug = built.election.slug
    for url in ("/", f"/e/{slug}/", f"/e/{slug}/board/", f"/vote/{slug}/", "/nowhere/"):
        client.get(url)
    _post_sign_in(client, built, credential="ab" * 32, signature="cd" * 64, member_number="M1")
    assert Session.objects.count() == 0
    assert sign_in(client, built, built.voters[0]).status_code == 302
    assert Session.objects.count() == 1


# Casting ---------------------------------------------------------------------------


def test_casting_signs_the_member_out(built: BuiltElection) -> None:
    client = _signed_in(built)
    assert post_json(client, "/vote/abuse/cast/", make_ballot(built, built.voters[0])[0]).json()[
        "accepted"
    ]
    assert Session.objects.count() == 0  # nothing else was in it: deleted, not just emptied
    later = post_json(client, "/vote/abuse/cast/", make_ballot(built, built.voters[0])[0])
    assert later.status_code == 403
    assert [kind for kind, _ in _events(built)] == ["election-opened", "ballot-accepted"]


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("use_db", ALIASES, indirect=True)
def test_one_member_cannot_flood_the_board(use_db: str) -> None:
    """A script sending submissions as fast as it can is stopped after ``LIMIT`` in a window,
    casts and audits together; the board is not touched after that, and another member is not
    held up."""
    built = build_open_election("flood")
    client = _signed_in(built)
    for _ in range(throttle.LIMIT):
        assert post_json(client, "/vote/flood/audit/", b"{}").status_code == 422
    stopped = post_json(client, "/vote/flood/cast/", make_ballot(built, built.voters[0])[0])
    assert stopped.status_code == 429 and stopped.json()["reason"] == "too-many"
    assert post_json(client, "/vote/flood/audit/", b"{}").status_code == 429
    assert len(_events(built)) == 1 + throttle.LIMIT
    other = _signed_in(built, 1)
    assert post_json(other, "/vote/flood/cast/", make_ballot(built, built.voters[1])[0]).json()[
        "accepted"
    ]


def test_a_member_signed_in_twice_shares_one_limit(built: BuiltElection) -> None:
    """The limit is the credential's, whichever session the submissions come in."""
    first, second = _signed_in(built), _signed_in(built)
    for _ in range(throttle.LIMIT // 2):
        post_json(first, "/vote/abuse/audit/", b"{}")
        post_json(second, "/vote/abuse/audit/", b"{}")
    assert post_json(first, "/vote/abuse/audit/", b"{}").status_code == 429
    assert post_json(second, "/vote/abuse/audit/", b"{}").status_code == 429


def _misshapen(built: BuiltElection, voter_index: int, copies: int) -> bytes:
    """The member's own ballot, signed by them, with one contest's selections repeated."""
    from dataclasses import replace

    from tellers.ballot import ballot_message
    from tellers.record.v2 import ballot_from_json, ballot_to_json

    voter = built.voters[voter_index]
    ballot = ballot_from_json(canonical.loads(make_ballot(built, voter)[0]))
    first = ballot.contests[0]
    contests = (replace(first, selections=first.selections * copies), *ballot.contests[1:])
    key = derive_signing_key(built.manifest.election_id.encode(), voter.code)
    message = ballot_message(ballot.fingerprint, ballot.credential, contests)
    signature = bip340_sign(key, message, bytes(32))
    return canonical.dumps(ballot_to_json(replace(ballot, contests=contests, signature=signature)))


def test_one_member_cannot_grow_the_board_at_will(built: BuiltElection) -> None:
    """Today's attack: ballots signed by the member but of any size grew the public board by
    10 MB in 5 s. Misshapen now means malformed, kept as its reason only."""
    client = _signed_in(built)
    sent = 0
    for _ in range(throttle.LIMIT):
        raw = _misshapen(built, 0, 150)
        sent += len(raw)
        answer = post_json(client, "/vote/abuse/cast/", raw)
        assert answer.status_code == 422 and answer.json()["reason"] == "malformed"
    kept = sum(len(e.body) for e in BoardEvent.objects.filter(election=built.election))
    assert sent > 4_000_000 and kept < 20_000, (sent, kept)


DEEP = b"[" * 100_000 + b"]" * 100_000
CAST_BODIES = {
    "deeply-nested": DEEP,
    "nested-past-the-limit": b'{"contests":' + b"[" * 40 + b"]" * 40 + b"}",
    "lone-surrogate": b'{"credential":"\\ud800"}',
    "nul-in-a-string": b'{"contests":[{"id":"\\u0000"}]}',
    "not-utf-8": b'{"election":"\xff\xfe"}',
    "huge-integer": b'{"contests":' + b"9" * 5000 + b"}",
}


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("use_db", ALIASES, indirect=True)
@pytest.mark.parametrize("case", sorted(CAST_BODIES))
def test_mangled_casts_are_recorded_refusals_never_server_errors(use_db: str, case: str) -> None:
    built = build_open_election(f"mangled-{use_db}")
    client = _signed_in(built)
    answer = post_json(client, f"/vote/{built.election.slug}/cast/", CAST_BODIES[case])
    assert answer.status_code == 422 and answer.json()["reason"] == "malformed"
    kind, body = _events(built)[-1]
    assert (kind, body["reason"], body["ballot"], body["request"]) == (
        "ballot-refused", "malformed", None, "cast"
    )  # fmt: skip


def _audit_bodies(built: BuiltElection) -> dict[str, bytes]:
    raw, reveal, _, _ = make_ballot(built, built.voters[0])

    def envelope(ballot: bytes, revealed: bytes) -> bytes:
        try:  # the member's own signature, wherever the request is readable enough to sign
            signature = audit_request(built, built.voters[0], ballot, revealed).hex().encode()
        except ValueError:
            signature = b"00" * 64
        return b'{"ballot":%s,"reveal":%s,"signature":"%s"}' % (ballot, revealed, signature)

    return {
        "deeply-nested-envelope": DEEP,
        "deeply-nested-reveal": envelope(raw, b"[" * 30 + b"]" * 30),
        "lone-surrogate-in-the-reveal": envelope(raw, b'[{"id":"\\udc00"}]'),
        "lone-surrogate-in-the-ballot": envelope(
            raw.replace(b'"id":"', b'"id":"\\ud800', 1), reveal
        ),
        "not-a-request": b'{"ballot":1}',
        "reveal-of-another-shape": envelope(raw, b"[]"),
    }


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("use_db", ALIASES, indirect=True)
def test_mangled_audits_are_recorded_refusals_never_server_errors(use_db: str) -> None:
    built = build_open_election(f"mangled-audit-{use_db}")
    client = _signed_in(built)
    bodies = _audit_bodies(built)
    for case, body in bodies.items():
        answer = post_json(client, f"/vote/{built.election.slug}/audit/", body)
        assert answer.status_code == 422 and answer.json()["reason"] == "malformed", case
    refusals = [b for kind, b in _events(built) if kind == "ballot-refused"]
    assert len(refusals) == len(bodies)
    assert all(b["ballot"] is None and b["audit"] is None for b in refusals)
