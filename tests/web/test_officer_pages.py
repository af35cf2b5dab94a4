"""The officer's pages: who may use them, CSRF on every change, plain errors, the mailing file."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from test_lifecycle_flow import ROLL, manifest_json, new_election
from webtesting import authority_codes

from tellers.web.store.models import CredentialRecord, Election

__all__: list[str] = []

ClientFor = Callable[[str | None], Client]
SLUG = "exec-2026"
PAGES = [
    "/officer/new/",
    f"/officer/e/{SLUG}/",
    f"/officer/e/{SLUG}/roll/import/",
    f"/officer/e/{SLUG}/trustees/",
    f"/officer/e/{SLUG}/credentials/",
]
ACTIONS = [f"/officer/e/{SLUG}/{step}/" for step in ("open", "close", "tally", "publish")]


@pytest.fixture
def election(cast: dict[str, Any]) -> Election:
    return new_election()


def csrf_post(client: Client, page: str, url: str, data: dict[str, Any]) -> Any:
    """POST as a browser would: the form's page first (for the CSRF cookie), then the form."""
    client.get(page)
    return client.post(url, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("role", ["officer", "scrutineer", "outsider", "voter"])
def test_officer_pages_admit_officers_only(
    election: Election, client_for: ClientFor, url: str, role: str
) -> None:
    response = client_for(role).get(url)
    expected = {"officer": 200, "voter": 302}.get(role, 403)
    assert response.status_code == expected


@pytest.mark.parametrize("url", ACTIONS)
def test_actions_need_post_csrf_and_the_officer_role(
    election: Election, client_for: ClientFor, url: str
) -> None:
    assert client_for("officer").get(url).status_code == 405
    assert client_for("officer").post(url).status_code == 403  # no CSRF token
    outsider = csrf_post(client_for("outsider"), "/", url, {})
    assert outsider.status_code == 403
    refused = csrf_post(client_for("officer"), f"/officer/e/{SLUG}/", url, {})
    assert refused.status_code == 302  # back to the overview, with the reason shown there
    page = client_for("officer")
    csrf_post(page, f"/officer/e/{SLUG}/", url, {})
    assert b'class="messages"' in page.get(f"/officer/e/{SLUG}/").content


def upload(name: str, content: str | bytes, filename: str) -> Any:
    data = content.encode() if isinstance(content, str) else content
    handle = io.BytesIO(data)
    handle.name = filename
    return handle


def test_create_election_from_manifest_file(cast: dict[str, Any], client_for: ClientFor) -> None:
    client = client_for("officer")
    bad = dict(manifest_json(), revote="sometimes")
    response = csrf_post(
        client,
        "/officer/new/",
        "/officer/new/",
        {"manifest": upload("m", json.dumps(bad), "m.json")},
    )
    assert response.status_code == 400
    assert b"revote" in response.content and b"sometimes" in response.content
    response = csrf_post(
        client,
        "/officer/new/",
        "/officer/new/",
        {"manifest": upload("m", json.dumps(manifest_json()), "m.json")},
    )
    assert response.status_code == 302 and response["Location"] == f"/officer/e/{SLUG}/"
    page = client.get(f"/officer/e/{SLUG}/").content.decode()
    assert 'data-step="roll"' in page


def test_roll_import_reports_rows(election: Election, client_for: ClientFor) -> None:
    client = client_for("officer")
    url = f"/officer/e/{SLUG}/roll/import/"
    bad = "member_id,constituency\nM1,north\nM2,mars\n"
    response = csrf_post(client, url, url, {"roll": upload("r", bad, "roll.csv")})
    assert response.status_code == 400
    assert "roll.csv:3" in response.content.decode()
    response = csrf_post(client, url, url, {"roll": upload("r", ROLL, "roll.csv")})
    assert response.status_code == 302
    assert election.members.count() == 3


def test_trustee_links_go_by_mail_never_through_the_officer(
    election: Election, client_for: ClientFor, smtp: list[Any]
) -> None:
    """Attack 2: the officer's pages listed every trustee link, so the officer alone could play
    all three trustees. Now each link goes by mail to its trustee and is shown to nobody."""
    client = client_for("officer")
    url = f"/officer/e/{SLUG}/trustees/"
    people = {
        "name-1": "Amy", "name-2": "Ben", "name-3": "",
        "email-1": "amy@example.org", "email-2": "ben@example.org", "email-3": "cal@example.org",
    }  # fmt: skip
    response = csrf_post(client, url, url, people)
    assert response.status_code == 400 and b"Trustee 3: enter a name" in response.content
    assert smtp == []
    response = csrf_post(client, url, url, {**people, "name-3": "Cal"})
    assert response.status_code == 302
    assert sorted(m["To"] for m in smtp) == [
        "amy@example.org",
        "ben@example.org",
        "cal@example.org",
    ]
    links = [re.search(r"http://testserver(/trustee/[^/]+/)", m.get_content()) for m in smtp]
    assert all(links)
    officer_sees = b"".join(
        client.get(page).content for page in [*PAGES, f"/officer/e/{SLUG}/roll/"]
    )
    for found in links:
        assert found is not None
        token = found.group(1).split("/")[2]
        assert token.encode() not in officer_sees
        assert client_for(None).get(found.group(1)).status_code == 200  # the link works
    stored = json.dumps(list(election.trustees.values()))
    assert not any(f.group(1).split("/")[2] in stored for f in links if f)  # only hashes kept


def test_the_officer_never_sees_a_code_or_a_credential_link(
    election: Election, client_for: ClientFor, tmp_path: Any
) -> None:
    """Attack 3: the site made every code and the officer downloaded them beside the membership
    numbers, and could vote for every abstainer. Now codes are made off the site."""
    client = client_for("officer")
    csrf_post(
        client,
        f"/officer/e/{SLUG}/roll/import/",
        f"/officer/e/{SLUG}/roll/import/",
        {"roll": upload("r", ROLL, "roll.csv")},
    )
    assert client.post(f"/officer/e/{SLUG}/credentials/").status_code in (403, 405)
    codes = authority_codes(election, tmp_path)
    pages = [*PAGES, f"/officer/e/{SLUG}/roll/", f"/scrutiny/e/{SLUG}/mailing-roll.csv"]
    seen = b"".join(client.get(page).content for page in pages)
    assert all(code.encode() not in seen for code in codes.values())
    assert client.get(f"/scrutiny/e/{SLUG}/mailing-roll.csv").status_code == 403
    credentials = list(CredentialRecord.objects.filter(election=election))
    assert b"3 credentials issued" in client.get(f"/officer/e/{SLUG}/credentials/").content
    stored = json.dumps(list(CredentialRecord.objects.values()))
    assert all(code not in stored for code in codes.values())
    # Rows are in credential order, not roll order, and nothing in them names a member.
    assert [c.public_credential for c in credentials] == sorted(
        c.public_credential for c in credentials
    )
    for member in election.members.all():
        assert member.member_number not in stored and member.reference not in stored


def _without_tokens(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


def test_the_officer_learns_nothing_while_voting_is_open(client_for: ClientFor) -> None:
    """REQUIREMENTS 8: union staff see neither who has voted nor a running count."""
    from voter_fixtures import build_open_election, make_ballot

    from tellers.web.store import board

    built = build_open_election("quiet", members=6)
    client = client_for("officer")
    pages = [
        "/officer/",
        "/officer/e/quiet/",
        "/officer/e/quiet/roll/",
        "/officer/e/quiet/trustees/",
        "/officer/e/quiet/credentials/",
    ]
    before = [_without_tokens(client.get(page).content) for page in pages]
    for voter in built.voters[:4]:
        assert board.cast(built.election, make_ballot(built, voter)[0]).accepted
    after = [_without_tokens(client.get(page).content) for page in pages]
    assert before == after  # not a byte tells the officer anything about the voting


def test_a_copy_of_the_database_links_no_credential_to_a_member(cast: dict[str, Any]) -> None:
    """Attack 6: each credential's second-factor binding was one SHA-256 over a small number
    space, so a database dump linked every credential to its member. It is now an HMAC under a
    key kept in the site's settings, not in its database."""
    from voter_fixtures import build_open_election

    from tellers.crypto.hashing import hash_fields

    built = build_open_election("dump", members=6)
    numbers = [v.member_number for v in built.voters]
    for row in CredentialRecord.objects.filter(election=built.election):
        credential = bytes.fromhex(row.public_credential)
        for number in numbers:
            guess = hash_fields("tellers/v1/second-factor", [credential, number.encode()])
            assert row.factor_hash != guess.hex()
    rows = list(CredentialRecord.objects.filter(election=built.election).order_by("pk"))
    assert [r.public_credential for r in rows] == sorted(r.public_credential for r in rows)
