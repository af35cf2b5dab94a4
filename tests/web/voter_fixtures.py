"""A small open election in the database, built with the core, for the member-side tests.

``build_open_election`` runs the trustees' ceremony in-process
(``simulate.local_ceremony``), issues each member a credential, stores the
manifest, ceremony, key, fingerprint and credential list exactly as the
officer's flow does, and appends ``election-opened``. ``make_ballot``
encrypts a member's choices with the core; ``close_and_publish`` closes,
tallies, decrypts with a quorum and publishes through the core's functions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tellers import canonical, trustee
from tellers.ballot import Ballot, Reveal, encrypt_ballot, tracker
from tellers.ceremony import TrusteeSecrets
from tellers.crypto.credentials import derive_signing_key
from tellers.crypto.group import Point, Scalar
from tellers.election.conduct import opened_body
from tellers.election.manifest import Choice, Contest, Manifest, Thresholds
from tellers.election.roll import Member as RollMember
from tellers.record.v2 import ballot_to_json, manifest_to_json, reveal_to_json
from tellers.record.v2_tally import result_to_json, tally_to_json
from tellers.record.v2_trustee import ceremony_to_json
from tellers.simulate import local_authority, local_ceremony
from tellers.tally import count_ballots, decrypt_and_declare
from tellers.web.store import count
from tellers.web.store.board import append_event, close_board, counted_ballots, counted_count
from tellers.web.store.context import second_factor_hash
from tellers.web.store.models import CredentialRecord, Election, Member, Trustee
from tellers.web.store.setup import token_hash

__all__ = [
    "BuiltElection",
    "Voter",
    "audit_request",
    "build_open_election",
    "close_and_publish",
    "make_ballot",
    "publish_ranked",
    "ranked_manifest",
    "sample_manifest",
]

TRUSTEES = ("Amira Khan", "Brian O'Neill", "Chen Wei")
NOW = datetime.now(UTC).replace(microsecond=0)
"""The test run's elections open an hour before it starts and close a day after."""


@dataclass(frozen=True, slots=True)
class Voter:
    member_number: str
    constituency: str
    code: str
    credential: bytes


@dataclass(frozen=True, slots=True)
class BuiltElection:
    election: Election
    manifest: Manifest
    fingerprint: bytes
    key: Point
    trustees: tuple[TrusteeSecrets, ...]
    voters: tuple[Voter, ...]
    using: str


def sample_manifest(election_id: str, revote: str = "last", public_board: str = "live") -> Manifest:
    general = Contest(
        "general-secretary",
        "General Secretary",
        "plurality",
        (
            Choice("okafor", "Grace Okafor", "I will fight for every member's pay.\nVote Grace."),
            Choice("patel", "Raj Patel", "Fair pensions, safe workplaces."),
            Choice("jones", "Siân Jones", "A union run by its members."),
        ),
    )
    executive = Contest(
        "executive-north",
        "Executive Council (North)",
        "plurality",
        (Choice("ali", "Ali Hassan"), Choice("brown", "Beth Brown"), Choice("cole", "Cal Cole")),
        seats=2,
        constituencies=("north",),
    )
    strike = Contest(
        "strike",
        "Are you prepared to take part in strike action?",
        "yes-no",
        (Choice("yes", "Yes"), Choice("no", "No")),
        allow_blank=False,
        thresholds=Thresholds(turnout_percent=50),
    )
    return Manifest(
        election_id=election_id,
        title="General Secretary and Executive 2026",
        organisation="Tellers Test Union",
        scrutineer="Independent Ballot Services Ltd",
        opens=(NOW - timedelta(hours=1)).isoformat(),
        closes=(NOW + timedelta(days=1)).isoformat(),
        revote=revote,  # type: ignore[arg-type]
        trustees=3,
        quorum=2,
        constituencies=("north", "south"),
        contests=(general, executive, strike),
        public_board=public_board,  # type: ignore[arg-type]
    )


RANKED_CANDIDATES = (
    ("ash", "Ash Adeyemi"),
    ("birch", "Bo Birch"),
    ("cedar", "Cara Cedar"),
    ("damson", "Dee Damson"),
)


def ranked_manifest(election_id: str) -> Manifest:
    """The sample election (manifest v5, ``kind: election``) with a 2-seat STV contest,
    ``national-executive``, of four candidates and at most three preferences, after the
    General Secretary and open to both constituencies (record.md §3.7)."""
    base = sample_manifest(election_id)
    executive = Contest(
        "national-executive",
        "National Executive",
        "stv-ers97",
        tuple(Choice(i, name) for i, name in RANKED_CANDIDATES),
        seats=2,
        preferences=3,
    )
    return dataclasses.replace(
        base, kind="election", contests=(base.contests[0], executive, *base.contests[1:])
    )


def build_open_election(
    slug: str = "web-2026",
    *,
    revote: str = "last",
    members: int = 4,
    using: str = "default",
    public_board: str = "live",
    manifest: Manifest | None = None,
) -> BuiltElection:
    """An open election on the site; ``manifest`` (its election id the slug) replaces the
    sample's, for a test whose contest was made elsewhere (from nominations, say)."""
    if manifest is None:
        manifest = sample_manifest(slug, revote, public_board)
    ceremony, secrets = local_ceremony(manifest, TRUSTEES)
    roll = [RollMember(f"M{i + 1:05d}", "north" if i % 2 == 0 else "south") for i in range(members)]
    issued, statement = local_authority(manifest, roll)
    voters = [Voter(i.reference, i.constituency, i.code, i.credential) for i in issued]
    listed = sorted((v.credential, v.constituency) for v in voters)
    opened_at = datetime.fromisoformat(manifest.opens)
    outcome, fingerprint, body = opened_body(
        manifest, ceremony, listed, statement, opened_at.isoformat()
    )
    election = Election.objects.using(using).create(
        slug=slug,
        title=manifest.title,
        manifest=manifest_to_json(manifest),
        ceremony=ceremony_to_json(ceremony),
        election_key=outcome.joint_key.hex(),
        fingerprint=fingerprint.hex(),
        credentials_hash=body["credentials_hash"],
        authority=statement,
        scrutineer_name=manifest.scrutineer,
        status=Election.Status.OPEN,
        opens_at=opened_at,
        closes_at=datetime.fromisoformat(manifest.closes),
        opened_at=opened_at,
    )
    for i, name in enumerate(TRUSTEES, start=1):
        Trustee.objects.using(using).create(
            election=election,
            index=i,
            name=name,
            email=f"trustee{i}@example.org",
            token_hash=token_hash(f"{slug}-trustee-{i}"),
        )
    for i, v in enumerate(voters):
        Member.objects.using(using).create(
            election=election,
            member_number=v.member_number,
            name=f"Member {i}",
            constituency=v.constituency,
        )
    for v in sorted(voters, key=lambda v: v.credential):
        CredentialRecord.objects.using(using).create(
            election=election,
            public_credential=v.credential.hex(),
            constituency=v.constituency,
            factor_hash=second_factor_hash(v.credential, v.member_number),
        )
    append_event(election, "election-opened", body, using=using)
    return BuiltElection(
        election, manifest, fingerprint, outcome.joint_key, tuple(secrets), tuple(voters), using
    )


def default_choices(built: BuiltElection, voter: Voter, pick: int = 0) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for index in built.manifest.contests_for(voter.constituency):
        contest = built.manifest.contests[index]
        out[contest.id] = [contest.choices[pick % len(contest.choices)].id]
    return out


def make_ballot(
    built: BuiltElection,
    voter: Voter,
    selections: Mapping[str, Sequence[str]] | None = None,
    *,
    fingerprint: bytes | None = None,
    rand: object = None,
) -> tuple[bytes, bytes, Ballot, Reveal]:
    """(raw ballot, raw reveal, ballot, reveal) for a member's choices, made by the core."""
    key = derive_signing_key(built.manifest.election_id.encode(), voter.code)
    extra = {} if rand is None else {"rand": rand}
    ballot, reveal = encrypt_ballot(
        built.manifest,
        built.fingerprint if fingerprint is None else fingerprint,
        built.key,
        key,
        voter.constituency,
        default_choices(built, voter) if selections is None else selections,
        **extra,  # type: ignore[arg-type]
    )
    return (
        canonical.dumps(ballot_to_json(ballot)),
        canonical.dumps(reveal_to_json(reveal)),
        ballot,
        reveal,
    )


def audit_request(built: BuiltElection, voter: Voter, raw: bytes, reveal: bytes) -> bytes:
    """The member's signature asking to audit ``raw`` with ``reveal``, as the page makes it."""
    from tellers.board import audit_request_message
    from tellers.crypto.group import bip340_sign
    from tellers.record.v2 import ballot_from_json

    key = derive_signing_key(built.manifest.election_id.encode(), voter.code)
    ballot = ballot_from_json(canonical.loads(raw))
    message = audit_request_message(tracker(ballot), canonical.loads(reveal))
    return bip340_sign(key, message, bytes(32))


def close_and_publish(built: BuiltElection) -> None:
    """Close, tally, decrypt with a quorum and publish, through the core (as conduct.py does)."""
    using = built.using
    election = Election.objects.using(using).get(pk=built.election.pk)
    close_board(election, built.manifest.closes, using=using)
    election.status = Election.Status.CLOSED
    election.save(using=using, update_fields=["status"])
    tallies = count_ballots(built.manifest, counted_ballots(election, using=using))
    append_event(election, "tally", tally_to_json(tallies), using=using)
    verified = count.verified_tally(election)  # the trustees each check it from the record
    batches = []
    for secrets in built.trustees[: built.manifest.quorum]:
        _, message = trustee.decrypt(secrets, built.manifest, verified)
        append_event(election, "decryption", message, using=using)
        batches.append(count.check_decryption(built.manifest, verified, message).shares)
    result = decrypt_and_declare(
        built.manifest,
        tallies,
        batches,
        [v.constituency for v in built.voters],
        counted_count(election, using=using),
    )
    body = result_to_json(result)
    append_event(election, "result", body, using=using)
    election.result = body
    election.status = Election.Status.PUBLISHED
    election.save(using=using, update_fields=["result", "status"])


def fixed_rand(label: str) -> tuple[list[Scalar], object]:
    """A deterministic nonce source and the list it draws from (grows as drawn)."""
    import hashlib

    from tellers.crypto.group import GROUP_ORDER

    drawn: list[Scalar] = []

    def rand() -> Scalar:
        n = len(drawn)
        digest = hashlib.sha256(f"{label}/{n}".encode()).digest()
        value = Scalar(int.from_bytes(digest, "big") % (GROUP_ORDER - 1) + 1)
        drawn.append(value)
        return value

    return drawn, rand


def page_challenge(html: str) -> str:
    import re

    found = re.search(r'data-challenge="([0-9a-f]{64})"', html)
    assert found is not None, "no sign-in challenge on the page"
    return found.group(1)


def sign_in(
    client: Any, built: BuiltElection, voter: Voter, *, member_number: str | None = None
) -> Any:
    """What the sign-in page's script does, in Python: sign the challenge, post the credential."""
    from tellers.crypto.group import bip340_sign
    from tellers.web.voter.signin import sign_in_message

    url = f"/vote/{built.election.slug}/"
    page = client.get(url)
    challenge = page_challenge(page.content.decode())
    key = derive_signing_key(built.manifest.election_id.encode(), voter.code)
    signature = bip340_sign(key, sign_in_message(challenge), bytes(32))
    token = client.cookies["csrftoken"].value
    return client.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "credential": voter.credential.hex(),
            "signature": signature.hex(),
            "member_number": voter.member_number if member_number is None else member_number,
        },
    )


def post_json(client: Any, url: str, body: bytes, *, csrf: bool = True) -> Any:
    headers = {"X-CSRFToken": client.cookies["csrftoken"].value} if csrf else {}
    return client.post(url, body, content_type="application/json", headers=headers)


def publish_ranked(built: BuiltElection) -> None:
    """Close and tally an election with ranked contests, then each trustee shuffles them in
    turn and a quorum decrypts, every file made by the core's trustee functions from the
    record so far and taken by the trustee pages' own step (``accept_trustee_file``); the
    declared result is then published as ``close_and_publish`` does."""
    import json

    from tellers.record.archive import open_record
    from tellers.verify import verify_record
    from tellers.web.store import records
    from tellers.web.store.ceremony import accept_trustee_file

    election = Election.objects.get(pk=built.election.pk)
    close_board(election, built.manifest.closes)
    election.status = Election.Status.CLOSED
    election.save(update_fields=["status"])
    count.start_tally(election, None)
    rows = {t.index: t for t in Trustee.objects.filter(election=election)}

    def so_far() -> Any:
        with open_record(records.archive_path(election, "tally")) as directory:
            report = verify_record(directory)
        assert report.tally is not None and report.mixes is not None, report.failures
        return report

    def send(index: int, body: Any, name: str) -> None:
        accept_trustee_file(rows[index], json.dumps(body).encode(), name)

    for secrets in built.trustees:
        report = so_far()
        for contest, chain in report.mixes.items():
            body = trustee.mix(secrets, built.manifest, report.tally, chain, contest)
            send(secrets.trustee, body, f"shuffle-{contest}.json")
    report = so_far()
    for secrets in built.trustees[: built.manifest.quorum]:
        send(secrets.trustee, trustee.decrypt(secrets, built.manifest, report.tally)[1],
             "decryption.json")  # fmt: skip
        for contest, chain in report.mixes.items():
            body = trustee.decrypt_mixed(secrets, built.manifest, report.tally, chain, contest)
            send(secrets.trustee, body, f"mix-decryption-{contest}.json")
    election.refresh_from_db()
    assert election.result is not None
    election.status = Election.Status.PUBLISHED
    election.save(update_fields=["status"])
