"""The officer's and scrutineer's tools: staff accounts from a command, an election from a
form or the example manifest, confirmation of irreversible steps checked by the server, and
each role's own landing page."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from nominations_fixtures import csrf_post, upload
from test_lifecycle_flow import new_election, ready
from webtesting import PASSWORD, csrf_client, sign_in_with_code

from tellers.record.v2 import manifest_from_json
from tellers.web.store.models import AuditLog, Election

__all__: list[str] = []

ClientFor = Callable[[str | None], Client]


def password_file(tmp_path: Path, password: str = PASSWORD) -> str:
    path = tmp_path / "password"
    path.write_text(password + "\n")
    return str(path)


@pytest.mark.django_db
def test_create_staff_makes_an_account_in_exactly_its_role(tmp_path: Path) -> None:
    call_command("create_staff", "sam", "--role", "scrutineer", "--email", "sam@example.org",
                 "--password-file", password_file(tmp_path))  # fmt: skip
    sam = User.objects.get(username="sam")
    assert [g.name for g in sam.groups.all()] == ["scrutineer"] and sam.check_password(PASSWORD)
    assert sam.email == "sam@example.org"
    with pytest.raises(CommandError, match="exists; --update"):
        call_command("create_staff", "sam", "--role", "officer",
                     "--password-file", password_file(tmp_path))  # fmt: skip
    call_command("create_staff", "sam", "--role", "officer", "--update")
    assert [g.name for g in User.objects.get(username="sam").groups.all()] == ["officer"]
    assert User.objects.get(username="sam").check_password(PASSWORD)  # kept
    with pytest.raises(CommandError, match=r"password: .*too short"):
        call_command("create_staff", "kim", "--role", "officer",
                     "--password-file", password_file(tmp_path, "abc"))  # fmt: skip
    assert not User.objects.filter(username="kim").exists()
    actions = list(AuditLog.objects.values_list("action", "detail"))
    assert ("staff-account-created", {"username": "sam", "role": "scrutineer"}) in actions
    assert ("staff-account-updated", {"username": "sam", "role": "officer"}) in actions


@pytest.mark.django_db
def test_each_role_lands_on_its_own_page_after_signing_in(tmp_path: Path) -> None:
    for name, role, home in (("sam", "scrutineer", "/scrutiny/"), ("olu", "officer", "/officer/")):
        call_command("create_staff", name, "--role", role,
                     "--password-file", password_file(tmp_path))  # fmt: skip
        client = csrf_client()
        client.get("/accounts/login/")
        signed = client.post("/accounts/login/", {
            "username": name, "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        })  # fmt: skip
        assert signed.status_code == 302
        # the password alone leads to setting up the authenticator, not to the role's page
        assert client.get(signed["Location"])["Location"].startswith("/accounts/enrol/")
        sign_in_with_code(client, User.objects.get(username=name))
        assert client.get("/accounts/")["Location"] == home
        assert client.get(home).status_code == 200


@pytest.mark.django_db
def test_the_example_manifest_downloads_and_makes_an_election(
    cast: dict[str, Any], client_for: ClientFor
) -> None:
    officer = client_for("officer")
    assert b'id="example-manifest"' in officer.get("/officer/new/").content
    response = officer.get("/officer/new/example-manifest.json")
    assert response.status_code == 200
    assert 'filename="example-manifest.json"' in response["Content-Disposition"]
    example = json.loads(response.content)
    manifest = manifest_from_json(example)  # valid as it stands
    assert client_for("scrutineer").get("/officer/new/example-manifest.json").status_code == 403
    example["election_id"] = "example-2026"
    file = upload(json.dumps(example), "example-manifest.json")
    created = csrf_post(officer, "/officer/new/", "/officer/new/", {"manifest": file})
    assert created.status_code == 302
    made = manifest_from_json(Election.objects.get(slug="example-2026").manifest)
    assert made.contests == manifest.contests


FORM = {
    "election_id": "branch-sec-2026", "title": "Branch Secretary 2026",
    "organisation": "Example Union", "scrutineer": "Independent Ballots Ltd",
    "revote": "last", "public_board": "live", "trustees": "3", "quorum": "2",
    "constituencies": "north\nsouth", "kind": "election", "contest_id": "secretary",
    "contest_title": "Branch Secretary", "method": "plurality", "seats": "1",
    "nominations": "", "candidates": "ann,Ann Jones\nbo,Bo Smith\n",
}  # fmt: skip


@pytest.mark.django_db
def test_an_election_is_built_from_the_form_and_checked_as_a_manifest(
    cast: dict[str, Any], client_for: ClientFor
) -> None:
    officer = client_for("officer")
    now = timezone.now().replace(microsecond=0)
    dates = {"opens": (now + timedelta(days=1)).isoformat(), "closes": now.isoformat()}
    refused = csrf_post(officer, "/officer/new/form/", "/officer/new/form/", {**FORM, **dates})
    assert refused.status_code == 400 and "is not after opens" in refused.content.decode()
    typo = {**FORM, **dates, "closes": (now + timedelta(days=8)).isoformat(),
            "candidates": "ann Ann Jones\n"}  # fmt: skip
    refused = csrf_post(officer, "/officer/new/form/", "/officer/new/form/", typo)
    assert "Candidates, line 1: expected id,name" in refused.content.decode()
    good = {**typo, "candidates": FORM["candidates"]}
    created = csrf_post(officer, "/officer/new/form/", "/officer/new/form/", good)
    assert created.status_code == 302 and created["Location"] == "/officer/e/branch-sec-2026/"
    manifest = manifest_from_json(Election.objects.get(slug="branch-sec-2026").manifest)
    assert [(c.id, c.name) for c in manifest.contests[0].choices] == [
        ("ann", "Ann Jones"), ("bo", "Bo Smith")]  # fmt: skip
    assert manifest.constituencies == ("north", "south") and manifest.quorum == 2
    assert AuditLog.objects.filter(action="election-created").exists()
    assert client_for("scrutineer").get("/officer/new/form/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_opening_waits_for_the_confirmation_box_whatever_the_page_sends(
    cast: dict[str, Any], client_for: ClientFor, tmp_path: Path
) -> None:
    election = new_election()
    ready(election, tmp_path)
    officer = client_for("officer")
    page = f"/officer/e/{election.slug}/"
    html = officer.get(page).content.decode()
    assert 'name="confirm" value="yes" id="confirm-open" required' in html
    unticked = csrf_post(officer, page, f"{page}open/", {})
    assert unticked.status_code == 302
    election.refresh_from_db()
    assert election.status == "draft"  # nothing happened
    assert "Tick the box to confirm" in officer.get(page).content.decode()
    csrf_post(officer, page, f"{page}open/", {"confirm": "yes"})
    election.refresh_from_db()
    assert election.status == "open"
    for step in ("close", "tally", "publish"):
        csrf_post(officer, page, f"{page}{step}/", {})
        assert "Tick the box to confirm" in officer.get(page).content.decode()
    election.refresh_from_db()
    assert election.status == "open"
