"""The officer's roll upload: streamed past the old 64 MiB ceiling, checked, reported to the
officer and the scrutineer, and credentials held until the warnings are acknowledged
(REQUIREMENTS.md 4, 18, 22), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.test.client import BOUNDARY, encode_multipart
from test_lifecycle_flow import new_election
from webtesting import postgres_param

from tellers.bench.roll import CONSTITUENCIES, EMPLOYER, RELEVANT_DATE, write_roll
from tellers.web.rollcheck import importer
from tellers.web.rollcheck.models import RollImport
from tellers.web.store.models import AuditLog, Election

__all__: list[str] = []

ClientFor = Callable[[str | None], Client]
SLUG = "exec-2026"
IMPORT = f"/officer/e/{SLUG}/roll/import/"
CHECKS = f"/officer/e/{SLUG}/roll/checks/"
SCRUTINY = f"/scrutiny/e/{SLUG}/roll-checks/"
MAILING = f"/scrutiny/e/{SLUG}/mailing-roll.csv"
OLD_CEILING = 64 * 1024 * 1024


def form_token(client: Client) -> tuple[str, str]:
    """The import page's CSRF token and upload id, as the browser would send them back."""
    page = client.get(IMPORT).content.decode()
    token = page.split('name="token" value="', 1)[1].split('"', 1)[0]
    return client.cookies["csrftoken"].value, token


def upload(client: Client, path: Path, **fields: Any) -> Any:
    csrf, token = form_token(client)
    with path.open("rb") as handle:
        data = {"csrfmiddlewaretoken": csrf, "token": token, "roll": handle, **fields}
        return client.post(IMPORT, data)


@pytest.mark.django_db(databases=["default", "pg"], transaction=True)
@pytest.mark.parametrize("use_db", [pytest.param("default", id="sqlite"), postgres_param()],
                         indirect=True)  # fmt: skip
def test_a_roll_over_the_old_ceiling_streams_through_the_officers_page(
    use_db: str, client_for: ClientFor, tmp_path: Path
) -> None:
    new_election(constituencies=list(CONSTITUENCIES))
    path = tmp_path / "roll.csv"
    planted = write_roll(path, 24_000, pad=3000)
    size = path.stat().st_size
    assert size > OLD_CEILING
    client = client_for("officer")
    csrf, token = form_token(client)
    with path.open("rb") as handle:
        body = encode_multipart(BOUNDARY, {
            "csrfmiddlewaretoken": csrf, "token": token, "roll": handle,
            "relevant_date": RELEVANT_DATE.isoformat(), "address_limit": "10",
            "employer_domains": EMPLOYER, "grounds": ["arrears", "new-member"],
        })  # fmt: skip
    # What the request costs beyond the body the test client holds (and copies once more into
    # its fake socket): a view that read the upload whole would add the file's size again.
    tracemalloc.start()
    try:
        # The test client encodes a form given as a dict; the body here is made already.
        response = client.post(
            IMPORT, body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 302 and response["Location"] == CHECKS
    assert peak < 1.6 * size, f"{peak / 1e6:.0f} MB at peak for a {size / 1e6:.0f} MB roll"
    row = RollImport.objects.get(token=token)
    assert (row.phase, row.size) == (RollImport.Phase.IMPORTED, size)
    assert row.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    report = importer.report_of(row)
    assert report is not None and not report.blocked
    assert {f.check: f.count for f in report.findings} == planted.findings
    assert dict(report.exclusions) == planted.exclusions
    entitled = planted.members - sum(planted.exclusions.values())
    election = Election.objects.get(slug=SLUG)
    assert row.members == report.entitled == entitled == election.members.count()
    first = election.members.get(member_number="U00000000")
    assert first.postal_address.endswith("\nL1 0AL") and first.email.startswith("member0@")
    pages = -(-entitled // 500)  # a page at a time
    last = client.get(f"/officer/e/{SLUG}/roll/?page={pages}").content.decode()
    assert f"Members {500 * (pages - 1) + 1} to {entitled} of {entitled}." in last
    progress = client.get(f"{IMPORT}{token}/progress/").json()
    assert progress["phase"] == "imported" and progress["rows"] == planted.members
    assert progress["bytes"] == progress["size"] == size


CROWD = 12


def small_roll(tmp_path: Path, *, number_twice: bool = False) -> Path:
    """Thirty members: a crowd at one address, two workplace emails, two in arrears."""
    path = tmp_path / "members.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["member_id", "constituency", "name", "postal_address", "postcode",
                         "email", "excluded"])  # fmt: skip
        for i in range(30):
            address = "1 Harvest Court, Leeds" if i < CROWD else f"{i} Brook St, Leeds"
            email = f"m{i}@works.example" if i in (20, 21) else f"m{i}@home.example"
            excluded = "arrears" if i in (25, 26) else ""
            region = "north" if i % 2 else "south"
            writer.writerow([f"M{i}", region, f"Member {i}", address, "LS2 7HY", email, excluded])
        if number_twice:
            writer.writerow(["M3", "north", "Someone Else", "9 Brook St", "LS2 7HY", "", ""])
    return path


def test_officer_and_scrutineer_see_the_findings_and_credentials_wait_for_them(
    cast: dict[str, Any], client_for: ClientFor, tmp_path: Path
) -> None:
    election = new_election()
    officer, scrutineer = client_for("officer"), client_for("scrutineer")
    path = small_roll(tmp_path)
    refused = upload(officer, path, employer_domains="works.example")
    assert refused.status_code == 400  # arrears ticked nowhere: the rules were not stated
    assert "members.csv:27" in refused.content.decode()
    response = upload(officer, path, employer_domains="works.example", grounds=["arrears"],
                      relevant_date="2026-01-31")  # fmt: skip
    assert response.status_code == 302
    page = officer.get(CHECKS).content.decode()
    assert 'data-check="shared-address" data-count="1"' in page
    assert f"{CROWD} members: 1 Harvest Court, Leeds, LS2 7HY" in page
    assert 'data-check="workplace-email" data-count="2"' in page and "m20@works.example" in page
    assert 'id="acknowledge"' in page and "In arrears" in page
    seen = scrutineer.get(SCRUTINY).content.decode()
    assert 'data-check="workplace-email" data-count="2"' in seen and 'id="not-acknowledged"' in seen
    assert seen.count('data-phase="refused"') == 1 and seen.count('data-phase="imported"') == 2
    overview = f"/officer/e/{SLUG}/"
    assert 'data-step="roll-checks"' in officer.get(overview).content.decode()
    # No mailing roll, no credentials, until the officer has acknowledged.
    held = scrutineer.get(MAILING)
    assert held.status_code == 302 and held["Location"] == f"/scrutiny/e/{SLUG}/"
    with pytest.raises(ValidationError, match="not yet acknowledged"):
        importer.require_acknowledged(election)
    row = importer.current(election)
    assert row is not None
    url = f"/officer/e/{SLUG}/roll/checks/{row.pk}/acknowledge/"
    for role in ("scrutineer", "outsider"):
        other = client_for(role)
        other.get("/")
        denied = other.post(url, {"csrfmiddlewaretoken": other.cookies["csrftoken"].value})
        assert denied.status_code == 403
    officer.post(url, {"csrfmiddlewaretoken": officer.cookies["csrftoken"].value})
    importer.require_acknowledged(election)
    assert 'data-step="trustees"' in officer.get(overview).content.decode()
    mailing = scrutineer.get(MAILING)
    assert mailing.status_code == 200 and mailing["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(mailing.content.decode())))
    assert len(rows) == 28  # the two in arrears are not on it
    seen = scrutineer.get(SCRUTINY).content.decode()
    assert 'id="roll-acknowledged"' in seen and "domains: works.example" in seen
    logged = AuditLog.objects.filter(election=election, action="roll-warnings-acknowledged").get()
    assert logged.actor == cast["officer"]
    assert logged.detail["warnings"] == {"shared-address": 1, "workplace-email": 2}


def test_a_new_upload_after_the_acknowledgement_needs_its_own(
    cast: dict[str, Any], client_for: ClientFor, tmp_path: Path
) -> None:
    """The officer who acknowledges one roll and then uploads another (a member added,
    another dropped) cannot carry the acknowledgement over, and the scrutineer sees both
    files by their hashes."""
    election = new_election(constituencies=["north", "south"])
    officer = client_for("officer")
    path = small_roll(tmp_path)
    upload(officer, path, grounds=["arrears"], employer_domains="works.example")
    first = importer.current(election)
    assert first is not None
    importer.acknowledge(first, cast["officer"])
    changed = path.read_text().replace("M29,north,Member 29", "M99,north,Friend 99")
    path.write_text(changed)
    upload(officer, path, grounds=["arrears"], employer_domains="works.example")
    second = importer.current(election)
    assert second is not None and second.pk != first.pk and second.sha256 != first.sha256
    with pytest.raises(ValidationError):
        importer.require_acknowledged(election)
    with pytest.raises(ValidationError, match="not the roll now in use"):
        importer.acknowledge(first, cast["officer"])
    seen = client_for("scrutineer").get(SCRUTINY).content.decode()
    assert first.sha256 in seen and second.sha256 in seen


def test_a_membership_number_twice_is_refused_and_kept_for_the_scrutineer(
    cast: dict[str, Any], client_for: ClientFor, tmp_path: Path
) -> None:
    new_election()
    officer = client_for("officer")
    response = upload(officer, small_roll(tmp_path, number_twice=True), grounds=["arrears"])
    assert response.status_code == 400
    said = html.unescape(response.content.decode())
    assert "members.csv:32: member_id 'M3' already appears on line 5" in said
    assert Election.objects.get(slug=SLUG).members.count() == 0
    seen = client_for("scrutineer").get(SCRUTINY).content.decode()
    assert 'data-check="duplicate-number" data-count="1"' in seen


def test_the_manifests_relevant_date_freezes_the_roll(
    cast: dict[str, Any], client_for: ClientFor, tmp_path: Path
) -> None:
    """Where the manifest gives the relevant date, the form cannot move it."""
    v4 = {"format": "tellers-manifest/v4", "kind": "election"}  # the statutory manifest
    election = new_election(**v4, relevant_date="2026-01-31")
    assert importer.manifest_relevant_date(election) is not None
    path = tmp_path / "r.csv"
    path.write_text("member_id,constituency,joined\nM1,north,2026-01-30\nM2,north,2026-02-01\n")
    officer = client_for("officer")
    form = officer.get(IMPORT).content.decode()
    assert 'value="2026-01-31" disabled' in form
    row_count = RollImport.objects.count()
    upload(officer, path, relevant_date="2026-12-31")
    assert RollImport.objects.count() == row_count + 1
    latest = RollImport.objects.first()
    assert latest is not None
    report = importer.report_of(latest)
    assert report is not None and dict(report.exclusions) == {"joined-after-relevant-date": 1}


def test_a_roll_that_is_not_utf8_is_refused_by_name(
    cast: dict[str, Any], client_for: ClientFor, tmp_path: Path
) -> None:
    new_election()
    path = tmp_path / "latin1.csv"
    path.write_bytes("member_id,constituency,name\nM1,north,Zoë\n".encode("latin-1"))
    response = upload(client_for("officer"), path)
    assert response.status_code == 400 and b"latin1.csv is not UTF-8 text." in response.content
    row = RollImport.objects.get()
    assert row.phase == RollImport.Phase.REFUSED and row.report["errors"]
