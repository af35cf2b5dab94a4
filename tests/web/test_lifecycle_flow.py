"""The election lifecycle service, end to end and step by step, on SQLite and PostgreSQL.

A whole election through ``store.setup``, ``ceremony`` and ``count``
(trustees played by ``tellers trustee`` in temporary directories, ballots
cast through the board store) ends in a record ``tellers verify`` accepts;
each step refuses plainly when it is not due or its input is wrong.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from webtesting import authority_codes, postgres_param

from tellers import canonical
from tellers.ballot import encrypt_ballot
from tellers.crypto.credentials import derive_signing_key
from tellers.crypto.group import Scalar
from tellers.parties import SigningKey, sign_object
from tellers.record.v2 import ballot_to_json
from tellers.vault import open_vault
from tellers.verify import verify_record
from tellers.web.demo import decrypt_as_trustee, run_ceremony
from tellers.web.store import ceremony, count, due, setup, steps
from tellers.web.store.board import cast, export_record
from tellers.web.store.context import election_context
from tellers.web.store.models import AuditLog, Election, Trustee

__all__: list[str] = []

DATABASES = ["default", "pg"]
ALIASES = [pytest.param("default", id="sqlite"), postgres_param()]


def manifest_json(slug: str = "exec-2026", **changes: Any) -> dict[str, Any]:
    now = timezone.now().replace(microsecond=0)
    manifest = {
        "format": "tellers-manifest/v2",
        "election_id": slug,
        "title": "Executive 2026",
        "organisation": "Test Union",
        "scrutineer": "Independent Ballots Ltd",
        "opens": (now - timedelta(hours=1)).isoformat(),
        "closes": (now + timedelta(days=1)).isoformat(),
        "revote": "last",
        "public_board": "live",
        "trustees": {"count": 3, "quorum": 2},
        "constituencies": ["north", "south"],
        "contests": [
            {
                "id": "president",
                "title": "President",
                "method": "plurality",
                "choices": [{"id": "ann", "name": "Ann"}, {"id": "bo", "name": "Bo"}],
            }
        ],
    }
    manifest.update(changes)
    return manifest


TRUSTEES = [(f"T {n}", f"t{n.lower()}@example.org") for n in ("One", "Two", "Three")]
ROLL = (
    "member_id,constituency,name,email,postal_address\n"
    'M1,north,Ann Member,ann@example.org,"1 High St, Leeds LS1 1AA"\n'
    'M2,south,Bo Member,bo@example.org,"2 High St, Leeds LS1 2AA"\n'
    'M3,north,Cy Member,,"3 High St, Leeds LS1 3AA"\n'
)


def new_election(**changes: Any) -> Election:
    data = json.dumps(manifest_json(**changes)).encode()
    return setup.create_election(data, "manifest.json", None)


def ready(election: Election, work: Path) -> tuple[dict[int, Path], dict[str, str]]:
    """Roll, trustees, ceremony, credentials: (trustee dirs, member number -> code)."""
    setup.import_roll(election, ROLL.encode(), "roll.csv", None)
    setup.set_trustees(election, TRUSTEES, None)
    dirs = run_ceremony(election, work)
    election.refresh_from_db()
    codes = authority_codes(election, work)
    election.refresh_from_db()
    return dirs, codes


def vote(election: Election, code: str, constituency: str, choice: str) -> str:
    context = election_context(election)
    key = derive_signing_key(election.slug.encode(), code)
    ballot, _ = encrypt_ballot(
        context.manifest,
        context.fingerprint,
        context.election_key,
        key,
        constituency,
        {"president": [choice]},
    )
    receipt = cast(election, canonical.dumps(ballot_to_json(ballot)))
    assert receipt.accepted, receipt.detail
    assert receipt.tracker is not None
    return receipt.tracker


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("use_db", ALIASES, indirect=True)
def test_whole_lifecycle_makes_a_verifiable_record(
    use_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection

    assert connection.vendor == ("sqlite" if use_db == "default" else "postgresql")
    election = new_election()
    dirs, codes = ready(election, tmp_path)
    assert election.ceremony is not None and election.election_key and election.fingerprint
    assert "code" not in json.dumps(list(election.credentials.values()))
    count.open_election(election, None)
    election.refresh_from_db()
    vote(election, codes["M1"], "north", "ann")
    vote(election, codes["M2"], "south", "bo")
    vote(election, codes["M1"], "north", "bo")  # a re-vote: the last counts
    vote(election, codes["M3"], "north", "ann")
    election.refresh_from_db()
    with pytest.raises(ValidationError, match="closing time never moves"):
        count.close_election(election, None)
    later = election.closes_at + timedelta(seconds=1)
    monkeypatch.setattr(steps, "now", lambda: later)
    count.close_election(election, None)
    count.start_tally(election, None)
    election.refresh_from_db()
    trustees = {t.index: t for t in Trustee.objects.filter(election=election)}
    decrypt_as_trustee(trustees[1], dirs[1])
    election.refresh_from_db()
    assert election.result is None  # one of a quorum of two
    decrypt_as_trustee(trustees[3], dirs[3])
    election.refresh_from_db()
    assert election.result is not None
    assert election.result["contests"][0]["counts"] == {"ann": 1, "bo": 2}
    report = count.statutory_report(election)
    assert (report.papers_sent, report.returned, report.counted) == (3, 4, 3)
    assert (report.superseded, report.duplicates_rejected) == (1, 1)
    with pytest.raises(ValidationError, match="not signed the result off"):
        count.publish(election, None)
    statements = dict.fromkeys(count.STATEMENTS, True)
    count.sign_off(election, None, statements)
    count.publish(election, None)
    election.refresh_from_db()
    assert election.status == Election.Status.PUBLISHED
    export_record(election, tmp_path / "record")
    verified = verify_record(tmp_path / "record", workers=1)
    assert verified.valid, verified.to_json()
    actions = set(AuditLog.objects.filter(election=election).values_list("action", flat=True))
    assert {"election-created", "roll-imported", "ceremony-complete", "result-published"} <= (
        actions
    )


@pytest.mark.django_db
def test_manifest_errors_name_the_field() -> None:
    with pytest.raises(ValidationError, match="quorum"):
        new_election(trustees={"count": 2, "quorum": 3})
    with pytest.raises(ValidationError, match=r"line 1, column 2"):
        setup.create_election(b"{oops", "manifest.json", None)
    new_election()
    with pytest.raises(ValidationError, match="already exists"):
        new_election()


@pytest.mark.django_db
def test_roll_report_lists_every_bad_row_and_imports_nothing() -> None:
    election = new_election()
    bad = (
        "member_id,constituency,name\n"
        "M1,north,Ann\n"
        "M1,south,Again\n"
        ",north,Nobody\n"
        "M4,west,Far Away\n"
    )
    with pytest.raises(ValidationError) as caught:
        setup.import_roll(election, bad.encode(), "roll.csv", None)
    messages = caught.value.messages
    assert any("roll.csv:3" in m and "already appears" in m for m in messages)
    assert any("roll.csv:4" in m and "member_id is empty" in m for m in messages)
    assert any("roll.csv:5" in m and "'west'" in m for m in messages)
    assert election.members.count() == 0


@pytest.mark.django_db(transaction=True)
def test_roll_is_frozen_once_credentials_exist(tmp_path: Path) -> None:
    election = new_election()
    setup.import_roll(election, ROLL.encode(), "roll.csv", None)
    authority_codes(election, tmp_path)
    with pytest.raises(ValidationError, match="frozen"):
        setup.import_roll(election, ROLL.encode(), "roll.csv", None)
    assert election.members.count() == 3


@pytest.mark.django_db(transaction=True)
def test_bad_commitment_is_refused_naming_the_trustee(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    election = new_election()
    setup.set_trustees(election, TRUSTEES, None)
    trustees = list(election.trustees.order_by("index"))
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(election.manifest))
    from tellers.cli import main

    monkeypatch.setenv("TELLERS_PASSPHRASE", "trustee passphrase")
    for t in trustees:
        d = tmp_path / str(t.index)
        where = ["--manifest", str(manifest), "--dir", str(d)]
        assert main(["trustee", "keygen", "--index", str(t.index), *where]) == 0
        ceremony.accept_trustee_file(t, (d / "announcement.json").read_bytes(), "a.json")
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(ceremony.ceremony_keys(election)))
    d = tmp_path / "2"
    assert main(["trustee", "commit", "--dir", str(d), "--keys", str(keys)]) == 0
    obj = json.loads((d / "commitment.json").read_text())
    obj["proofs"][0]["s"] = obj["proofs"][1]["s"]
    # Altered on its way: the signature no longer holds, whoever altered it.
    with pytest.raises(ValidationError, match="trustee 2's commitment"):
        ceremony.accept_trustee_file(trustees[1], json.dumps(obj).encode(), "commitment.json")
    # Signed so by trustee 2 itself: the proof check names it.
    vault = open_vault(d / "trustee-secrets.json", b"trustee passphrase")
    key = SigningKey.from_secret(Scalar.from_hex(vault["signing_key"]))
    signed = sign_object(key, {k: v for k, v in obj.items() if k != "signature"})
    with pytest.raises(ValidationError, match="trustee 2: commitment C_2,0"):
        ceremony.accept_trustee_file(trustees[1], json.dumps(signed).encode(), "commitment.json")
    with pytest.raises(ValidationError, match="not the file due now"):
        ceremony.accept_trustee_file(
            trustees[1], (tmp_path / "1" / "announcement.json").read_bytes(), "a.json"
        )


@pytest.mark.django_db
def test_steps_out_of_order_are_refused() -> None:
    election = new_election()
    with pytest.raises(ValidationError, match="key ceremony and the credentials"):
        count.open_election(election, None)
    with pytest.raises(ValidationError, match="Only an open election"):
        count.close_election(election, None)
    with pytest.raises(ValidationError, match="once the election is closed"):
        count.start_tally(election, None)
    with pytest.raises(ValidationError, match="no declared result"):
        count.sign_off(election, None, {})
    with pytest.raises(ValidationError, match="3 trustees; 2 given"):
        setup.set_trustees(election, TRUSTEES[:2], None)
    assert due.due_step(election).step == "roll"
