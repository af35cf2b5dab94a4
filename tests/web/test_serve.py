"""``tellers serve``'s demo election: made once through the officer's and trustees' steps."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from tellers.crypto.credentials import public_credential
from tellers.web.demo import prepare_demo
from tellers.web.store.context import second_factor_hash
from tellers.web.store.models import Election

__all__: list[str] = []


@pytest.mark.django_db(transaction=True)
def test_demo_election_is_open_with_working_codes(tmp_path: Path, settings: Any) -> None:
    settings.DATA_DIR = tmp_path
    note = prepare_demo("http://127.0.0.1:8000")
    assert note is not None and "http://127.0.0.1:8000/vote/demo/" in note
    election = Election.objects.get(slug="demo")
    assert election.status == Election.Status.OPEN and election.closes_at is not None
    assert election.board.filter(type="election-opened").count() == 1
    mailing = tmp_path / "demo-mailing.csv"
    assert mailing.stat().st_mode & 0o077 == 0
    rows = list(csv.DictReader(mailing.open()))
    assert len(rows) == election.members.count() == 8
    for row in rows[:3]:
        assert f"{row['member_number']}  {row['code']}" in note
        credential = public_credential(b"demo", row["code"])
        record = election.credentials.get(public_credential=credential.hex())
        assert record.factor_hash == second_factor_hash(credential, row["member_number"])
    assert "sign in as officer" in note and "authenticator app" in note
    again = prepare_demo("http://127.0.0.1:8000")
    assert again is not None and "sign in as" not in again
    assert Election.objects.filter(slug="demo").count() == 1
