"""Casting and auditing through the database board, on the core's rules (SQLite and PostgreSQL).

Every submission to an open election leaves an event, accepted or refused
with the core's reason; an election that is not open refuses without
touching the board; the re-voting policies hold; and 200 concurrent casts
on PostgreSQL are all accepted, none lost or duplicated, the chain intact.
"""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from voter_fixtures import audit_request, build_open_election, make_ballot
from webtesting import postgres_param

from tellers import canonical
from tellers.ballot import ballot_message
from tellers.crypto.credentials import derive_signing_key, issue_credential
from tellers.crypto.group import bip340_sign
from tellers.errors import BallotRejected
from tellers.record.v2 import ballot_to_json
from tellers.web.store import board
from tellers.web.store.models import BoardEvent, Election
from tellers.web.voter.models import CountedBallot

__all__: list[str] = []

DATABASES = ["default", "pg"]
ALIASES = [pytest.param("default", id="sqlite"), postgres_param()]


def _types(election: Election, using: str) -> list[str]:
    return list(
        BoardEvent.objects.using(using)
        .filter(election=election)
        .order_by("seq")
        .values_list("type", flat=True)
    )


def _last_body(election: Election, using: str) -> dict:  # type: ignore[type-arg]
    event = BoardEvent.objects.using(using).filter(election=election).order_by("-seq").first()
    assert event is not None
    return canonical.loads(event.body)  # type: ignore[no-any-return]


@pytest.mark.django_db(databases=DATABASES)
@pytest.mark.parametrize("using", ALIASES)
def test_every_submission_leaves_its_event(using: str) -> None:
    built = build_open_election("rules", using=using)
    e = built.election
    north, south = built.voters[0], built.voters[1]
    raw, _, ballot, _ = make_ballot(built, north)

    got = board.cast(e, raw, using=using)
    assert got.accepted and got.tracker is not None and got.seq == 1
    counted = CountedBallot.objects.using(using).get(election=e, credential=north.credential.hex())
    assert counted.tracker == got.tracker

    replay = board.cast(e, raw, using=using)
    assert (replay.accepted, replay.reason) == (False, "replay")

    # A forged ciphertext: the signature no longer covers the ballot.
    forged = canonical.loads(raw)
    sel = forged["contests"][0]["selections"]
    sel[0]["alpha"], sel[1]["alpha"] = sel[1]["alpha"], sel[0]["alpha"]
    assert board.cast(e, canonical.dumps(forged), using=using).reason == "bad-signature"

    # Swapped, then signed again: the signature holds, the proofs do not.
    contest = ballot.contests[0]
    swapped = dataclasses.replace(
        contest, selections=(contest.selections[1], contest.selections[0], *contest.selections[2:])
    )
    contests = (swapped, *ballot.contests[1:])
    key = derive_signing_key(built.manifest.election_id.encode(), north.code)
    signature = bip340_sign(
        key, ballot_message(ballot.fingerprint, ballot.credential, contests), bytes(32)
    )
    resigned = dataclasses.replace(ballot, contests=contests, signature=signature)
    refused = board.cast(e, canonical.dumps(ballot_to_json(resigned)), using=using)
    assert refused.reason == "bad-proof"

    other = make_ballot(built, south, fingerprint=bytes(32))[0]
    assert board.cast(e, other, using=using).reason == "wrong-election"

    stranger = issue_credential(built.manifest.election_id.encode())
    outsider = dataclasses.replace(north, code=stranger.code, credential=stranger.public)
    assert board.cast(e, make_ballot(built, outsider)[0], using=using).reason == (
        "unknown-credential"
    )

    # A south member's credential with a north ballot's contests.
    wrong = dataclasses.replace(south, constituency="north")
    assert board.cast(e, make_ballot(built, wrong)[0], using=using).reason == "not-entitled"

    assert board.cast(e, b'{"not": "a ballot"', using=using).reason == "malformed"
    body = _last_body(e, using)
    assert body["reason"] == "malformed" and body["tracker"] is None

    assert _types(e, using) == ["election-opened", "ballot-accepted"] + ["ballot-refused"] * 7
    assert board.check_chain(e, using=using) == 9


@pytest.mark.django_db(databases=DATABASES)
@pytest.mark.parametrize("using", ALIASES)
def test_an_election_not_open_refuses_without_touching_the_board(using: str) -> None:
    built = build_open_election("closed", using=using)
    raw, raw_reveal, _, _ = make_ballot(built, built.voters[0])
    Election.objects.using(using).filter(pk=built.election.pk).update(status="closed")
    e = Election.objects.using(using).get(pk=built.election.pk)
    with pytest.raises(BallotRejected, match="not open"):
        board.cast(e, raw, using=using)
    with pytest.raises(BallotRejected, match="not open"):
        board.audit(e, raw, raw_reveal, bytes(64), using=using)
    assert _types(e, using) == ["election-opened"]


@pytest.mark.django_db(databases=DATABASES)
@pytest.mark.parametrize("using", ALIASES)
@pytest.mark.parametrize(
    ("policy", "second"),
    [("last", None), ("first", "first-counts"), ("forbidden", "revote-forbidden")],
)
def test_revote_policies(using: str, policy: str, second: str | None) -> None:
    built = build_open_election(f"revote-{policy}", revote=policy, using=using)
    voter = built.voters[0]
    first = board.cast(built.election, make_ballot(built, voter)[0], using=using)
    again = board.cast(built.election, make_ballot(built, voter)[0], using=using)
    assert first.accepted
    assert again.reason == second
    row = CountedBallot.objects.using(using).get(election=built.election)
    if second is None:
        assert again.accepted and again.supersedes == first.tracker
        assert row.tracker == again.tracker
    else:
        assert row.tracker == first.tracker


@pytest.mark.django_db(databases=DATABASES)
@pytest.mark.parametrize("using", ALIASES)
def test_audit_publishes_and_the_ballot_can_never_be_cast(using: str) -> None:
    built = build_open_election("audit", using=using)
    e = built.election
    raw, raw_reveal, _, _ = make_ballot(built, built.voters[0])
    audited = board.audit(
        e, raw, raw_reveal, audit_request(built, built.voters[0], raw, raw_reveal), using=using
    )
    assert audited.accepted and audited.seq == 1
    assert _last_body(e, using)["reveal"] == canonical.loads(raw_reveal)
    assert board.cast(e, raw, using=using).reason == "replay"

    raw2, _, _, _ = make_ballot(built, built.voters[0])
    _, other_reveal, _, _ = make_ballot(built, built.voters[0])
    signature = audit_request(built, built.voters[0], raw2, other_reveal)
    assert board.audit(e, raw2, other_reveal, signature, using=using).reason == "bad-audit"
    assert CountedBallot.objects.using(using).filter(election=e).count() == 0
    assert _types(e, using) == [
        "election-opened",
        "ballot-audited",
        "ballot-refused",
        "ballot-refused",
    ]


CONCURRENT = 200


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("using", [postgres_param()])
def test_concurrent_casts_lose_and_duplicate_nothing(using: str) -> None:
    built = build_open_election("concurrent-casts", members=CONCURRENT, using=using)
    ballots = [make_ballot(built, v)[0] for v in built.voters]  # pre-encrypted
    e = built.election
    start = threading.Barrier(16)

    def cast(i: int) -> tuple[bool, int, str | None]:
        try:
            if i < 16:
                start.wait()
            got = board.cast(e, ballots[i], using=using)
            return got.accepted, got.seq, got.tracker
        finally:
            connections[using].close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(cast, range(CONCURRENT)))
    assert all(accepted for accepted, _, _ in results)
    assert sorted(seq for _, seq, _ in results) == list(range(1, CONCURRENT + 1))
    assert len({t for _, _, t in results}) == CONCURRENT
    rows = BoardEvent.objects.using(using).filter(election=e, type="ballot-accepted")
    assert rows.count() == CONCURRENT
    assert CountedBallot.objects.using(using).filter(election=e).count() == CONCURRENT
    assert board.check_chain(e, using=using) == CONCURRENT + 1


@pytest.mark.django_db(databases=DATABASES)
@pytest.mark.parametrize("using", ALIASES)
def test_no_ballot_after_the_closing_time_even_while_the_officer_has_not_closed(
    using: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack 7: ballots were accepted after the manifest's closing time until an officer
    pressed Close. The board now refuses them itself, and writes nothing."""
    from tellers.web.store import steps

    built = build_open_election("late", using=using)
    raw, raw_reveal, _, _ = make_ballot(built, built.voters[0])
    closes = built.election.closes_at
    assert closes is not None
    monkeypatch.setattr(steps, "now", lambda: closes)
    e = Election.objects.using(using).get(pk=built.election.pk)
    assert e.status == Election.Status.OPEN
    with pytest.raises(BallotRejected, match="voting closed"):
        board.cast(e, raw, using=using)
    signature = audit_request(built, built.voters[0], raw, raw_reveal)
    with pytest.raises(BallotRejected, match="voting closed"):
        board.audit(e, raw, raw_reveal, signature, using=using)
    assert _types(e, using) == ["election-opened"]
