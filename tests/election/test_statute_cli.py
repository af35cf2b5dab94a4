"""``tellers credentials issue`` refuses a manifest whose warnings are not acknowledged
(record.md §3.6): no codes for an election the officer has not said they mean."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from recordtools import small_manifest

from tellers.record.v2 import manifest_to_json

ROLL = "reference,constituency,name\nr-ada,north,Ada\nr-bo,south,Bo\n"


Cli = Callable[..., tuple[int, str, str]]
DEFAULTS: dict[str, Any] = {
    "postal": None,
    "relevant_date": None,
    "important_public_services": [],
    "rules": {},
    "acknowledged": [],
}


def _issue(tellers_cli: Cli, tmp_path: Path, **extra: Any) -> tuple[int, str, str]:
    manifest = manifest_to_json(small_manifest())
    manifest.update(DEFAULTS, format="tellers-manifest/v4", kind="election", **extra)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "roll.csv").write_text(ROLL)
    files = ("--manifest", "manifest.json", "--roll", "roll.csv", "--key", "key.json")
    return tellers_cli(
        "credentials",
        "issue",
        *(str(tmp_path / f) if f.endswith((".json", ".csv")) else f for f in files),
        *("--name", "Ballots Ltd", "--out", str(tmp_path / "authority"), "--workers", "1"),
    )


def test_an_unacknowledged_long_term_gets_no_codes(
    tellers_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELLERS_PASSPHRASE", "authority passphrase")
    code, _, err = _issue(tellers_cli, tmp_path, term_years=6)
    assert code == 2
    assert "manifest.json" in err and "term-over-limit" in err and "acknowledged" in err
    assert not (tmp_path / "authority" / "mailing.csv").exists()

    code, out, err = _issue(tellers_cli, tmp_path, term_years=6, acknowledged=["term-over-limit"])
    assert code == 0, err
    assert "2 credentials issued" in out
