"""The scrutineer's pages: theirs alone, the credential list, and a sign-off that needs a result."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from test_lifecycle_flow import ROLL, new_election
from test_officer_pages import csrf_post, upload
from webtesting import authority_codes

from tellers.cli import main
from tellers.web.rollcheck import importer
from tellers.web.store import setup
from tellers.web.store.models import Election

__all__: list[str] = []

ClientFor = Callable[[str | None], Client]
SLUG = "exec-2026"


@pytest.fixture
def election(cast: dict[str, Any], tmp_path: Path) -> Election:
    e = new_election()
    setup.import_roll(e, ROLL.encode(), "roll.csv", None)
    authority_codes(e, tmp_path)
    return e


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        (f"/scrutiny/e/{SLUG}/", {"scrutineer"}),
        (f"/scrutiny/e/{SLUG}/credentials.csv", {"scrutineer", "officer"}),
        (f"/officer/e/{SLUG}/roll/", {"scrutineer", "officer"}),
    ],
)
@pytest.mark.parametrize("role", ["officer", "scrutineer", "outsider", "voter"])
def test_scrutiny_pages_admit_their_roles(
    election: Election, client_for: ClientFor, url: str, allowed: set[str], role: str
) -> None:
    response = client_for(role).get(url)
    expected = 200 if role in allowed else (302 if role == "voter" else 403)
    assert response.status_code == expected


def test_report_and_credential_list(election: Election, client_for: ClientFor) -> None:
    page = client_for("scrutineer").get(f"/scrutiny/e/{SLUG}/").content.decode()
    assert 'data-figure="papers_sent">3<' in page
    assert "credentials-taken" in page  # the audit log
    listing = client_for("scrutineer").get(f"/scrutiny/e/{SLUG}/credentials.csv")
    lines = listing.content.decode().splitlines()
    assert lines[0] == "public_credential,constituency" and len(lines) == 4


def test_sign_off_is_the_scrutineers_and_needs_a_result(
    election: Election, client_for: ClientFor
) -> None:
    url = f"/scrutiny/e/{SLUG}/sign-off/"
    assert client_for("scrutineer").post(url, {}).status_code == 403  # no CSRF token
    assert csrf_post(client_for("officer"), "/", url, {"no_breach": "yes"}).status_code == 403
    client = client_for("scrutineer")
    response = csrf_post(client, f"/scrutiny/e/{SLUG}/", url, {"no_breach": "yes"})
    assert response.status_code == 302
    assert b"no declared result to sign off" in client.get(f"/scrutiny/e/{SLUG}/").content
    election.refresh_from_db()
    assert election.signed_off_at is None


def test_the_credential_authority_works_from_the_mailing_roll_through_the_pages(
    cast: dict[str, Any], client_for: ClientFor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scrutineer downloads the mailing roll (no membership numbers), runs the authority's
    command off the site, and uploads its signed list; a list altered on the way is refused."""
    e = new_election()
    setup.import_roll(e, ROLL.encode(), "roll.csv", None)
    client = client_for("scrutineer")
    roll = client.get(f"/scrutiny/e/{SLUG}/mailing-roll.csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(roll)))
    assert [r["name"] for r in sorted(rows, key=lambda r: r["name"])] == [
        "Ann Member", "Bo Member", "Cy Member",
    ]  # fmt: skip
    assert "M1" not in roll and "member_id" not in roll and "member_number" not in roll
    (tmp_path / "roll.csv").write_text(roll)
    (tmp_path / "manifest.json").write_bytes(
        client.get(f"/scrutiny/e/{SLUG}/manifest.json").content
    )
    monkeypatch.setenv("TELLERS_PASSPHRASE", "authority passphrase")
    out = tmp_path / "authority"
    args = ["--manifest", str(tmp_path / "manifest.json"), "--roll", str(tmp_path / "roll.csv")]
    args += ["--key", str(tmp_path / "key.json"), "--name", "Ballots Ltd", "--out", str(out)]
    assert main(["credentials", "issue", *args, "--workers", "1"]) == 0
    good = (out / "credentials-upload.json").read_bytes()
    forged = json.loads(good)
    forged["credentials"][0]["constituency"] = "south" if forged["credentials"][0][
        "constituency"] == "north" else "north"  # fmt: skip
    page = f"/scrutiny/e/{SLUG}/"
    url = f"/scrutiny/e/{SLUG}/credentials/"
    csrf_post(client, page, url, {"credentials": upload("c", json.dumps(forged), "c.json")})
    assert b"not the one the authority issued" in client.get(page).content
    assert e.credentials.count() == 0
    officer = csrf_post(
        client_for("officer"), "/", url, {"credentials": upload("c", good, "c.json")}
    )
    assert officer.status_code == 403  # the officer cannot put a list of its own
    csrf_post(client, page, url, {"credentials": upload("c", good, "c.json")})
    shown = client.get(page).content.decode()
    assert "3 credentials issued by Ballots Ltd" in shown
    assert e.credentials.count() == 3


FORMULAS = [
    '=HYPERLINK("https://evil.example/","Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
]


def test_no_roll_cell_becomes_a_live_formula_in_a_spreadsheet(
    cast: dict[str, Any], client_for: ClientFor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A roll whose names and addresses are spreadsheet formulas: the mailing roll the
    scrutineer downloads and the mail house's file the authority writes show them as text
    (an apostrophe first), and the authority still reads the names exactly as the roll gave."""
    e = new_election()
    written = io.StringIO()
    writer = csv.writer(written)
    writer.writerow(["member_id", "constituency", "name", "email", "postal_address"])
    writer.writerows([f"M{i}", "north", f, "", f] for i, f in enumerate(FORMULAS, start=1))
    setup.import_roll(e, written.getvalue().encode(), "roll.csv", None)
    in_use = importer.current(e)  # formulas are no postal addresses: the officer has seen so
    assert in_use is not None and in_use.report and in_use.report["findings"]
    importer.acknowledge(in_use, None)
    client = client_for("scrutineer")
    roll = client.get(f"/scrutiny/e/{SLUG}/mailing-roll.csv").content.decode()
    cells = [cell for row in csv.reader(io.StringIO(roll)) for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))], cells
    (tmp_path / "roll.csv").write_text(roll)
    (tmp_path / "manifest.json").write_bytes(
        client.get(f"/scrutiny/e/{SLUG}/manifest.json").content
    )
    monkeypatch.setenv("TELLERS_PASSPHRASE", "authority passphrase")
    out = tmp_path / "authority"
    args = ["--manifest", str(tmp_path / "manifest.json"), "--roll", str(tmp_path / "roll.csv")]
    args += ["--key", str(tmp_path / "key.json"), "--name", "Ballots Ltd", "--out", str(out)]
    assert main(["credentials", "issue", *args, "--workers", "1"]) == 0
    mailing = list(csv.reader(io.StringIO((out / "mailing.csv").read_text())))
    assert not [c for row in mailing for c in row if c.startswith(("=", "+", "-", "@"))]
    names = sorted(row[2] for row in mailing[1:])
    assert names == sorted("'" + f for f in FORMULAS)  # what a spreadsheet shows: the text
