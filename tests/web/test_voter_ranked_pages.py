"""A ranked contest over HTTP, CSRF enforced, on SQLite and PostgreSQL (ranked.md §2, §3):
the ballot page renders it for the page's script, a ranked ballot is cast and counted on the
board, an audited one is read back in order, and a row that is not the contest's W
preferences is refused and recorded so. Its count on the site: test_ranked_count.py."""

from __future__ import annotations

import dataclasses
import re

import pytest
from voter_fixtures import (
    BuiltElection,
    audit_request,
    build_open_election,
    make_ballot,
    post_json,
    ranked_manifest,
    sign_in,
)
from webtesting import csrf_client, postgres_param

from tellers import canonical
from tellers.ballot import encrypt_ballot
from tellers.crypto.credentials import derive_signing_key
from tellers.record.v2 import ballot_to_json
from tellers.web.store.models import BoardEvent

__all__: list[str] = []

DATABASES = ["default", "pg"]
ALIASES = [pytest.param("default", id="sqlite"), postgres_param()]


def _events(built: BuiltElection) -> list[str]:
    rows = BoardEvent.objects.filter(election=built.election).order_by("seq")
    return list(rows.values_list("type", flat=True))


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("use_db", ALIASES, indirect=True)
def test_a_ranked_ballot_over_http(use_db: str) -> None:
    slug = "ranked-http"
    built = build_open_election(slug, manifest=ranked_manifest(slug))
    voter = built.voters[1]
    client = csrf_client()
    assert sign_in(client, built, voter).status_code == 302
    page = client.get(f"/vote/{slug}/ballot/").content.decode()
    assert 'data-ranked="3"' in page
    buttons = re.findall(r'id="(b-national-executive-[a-z]+)"', page)
    assert buttons == [f"b-national-executive-{c}" for c in ("ash", "birch", "cedar", "damson")]
    assert 'name="contest-national-executive"' not in page  # no tick boxes to rank with

    choices = {"general-secretary": ["patel"], "national-executive": ["damson", "ash"]}
    raw, reveal, _, _ = make_ballot(built, voter, {**choices, "strike": ["yes"]})
    signature = audit_request(built, voter, raw, reveal).hex()
    envelope = b'{"ballot":' + raw + b',"reveal":' + reveal + b',"signature":"'
    audited = post_json(client, f"/vote/{slug}/audit/", envelope + signature.encode() + b'"}')
    said = {c["id"]: c["chosen"] for c in audited.json()["choices"]}
    assert said["national-executive"] == "1. Dee Damson  2. Ash Adeyemi"

    blank = {"general-secretary": ["patel"], "national-executive": [], "strike": ["no"]}
    raw, _, _, _ = make_ballot(built, voter, blank)
    cast = post_json(client, f"/vote/{slug}/cast/", raw)
    assert cast.status_code == 200 and cast.json()["accepted"], cast.json()
    assert _events(built) == ["election-opened", "ballot-audited", "ballot-accepted"]


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("use_db", ALIASES, indirect=True)
def test_a_row_short_of_the_contest_s_preferences_is_refused(use_db: str) -> None:
    """A hand-made client sending two of three preferences (each with a good proof, and the
    whole ballot signed) is refused on the board: the row is not the contest's shape."""
    slug = "ranked-short"
    built = build_open_election(slug, manifest=ranked_manifest(slug))
    voter = built.voters[1]
    client = csrf_client()
    assert sign_in(client, built, voter).status_code == 302
    wide = dataclasses.replace(built.manifest.contests[1], preferences=2)
    narrow = dataclasses.replace(
        built.manifest,
        contests=(built.manifest.contests[0], wide, *built.manifest.contests[2:]),
    )
    key = derive_signing_key(built.manifest.election_id.encode(), voter.code)
    ballot, _ = encrypt_ballot(
        narrow, built.fingerprint, built.key, key, voter.constituency,
        {"general-secretary": ["patel"], "national-executive": ["ash"], "strike": ["no"]},
    )  # fmt: skip
    raw = canonical.dumps(ballot_to_json(ballot))
    refused = post_json(client, f"/vote/{slug}/cast/", raw)
    assert not refused.json().get("accepted"), refused.json()
    assert _events(built) == ["election-opened", "ballot-refused"]
    body = canonical.loads(BoardEvent.objects.get(election=built.election, seq=1).body.encode())
    assert body["reason"] == "malformed" and "expected 3 preferences, found 2" in body["detail"]
