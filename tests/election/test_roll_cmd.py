"""``tellers roll check``: the roll's checks from the command line, on real files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from recordtools import small_manifest

from tellers.record.v2 import manifest_to_json

__all__: list[str] = []

Cli = Callable[..., tuple[int, str, str]]
HEADER = "member_id,constituency,name,postal_address,postcode,email,excluded,joined\n"


def files(tmp_path: Path, rows: list[str]) -> tuple[str, str]:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(manifest_to_json(small_manifest())))
    roll = tmp_path / "roll.csv"
    roll.write_text(HEADER + "".join(rows))
    return str(roll), str(manifest)


def member(i: int, **changes: str) -> str:
    row = {"member_id": f"M{i}", "constituency": "north", "name": f"Member {i}",
           "postal_address": f"{i} Brook St", "postcode": "LS2 7HY",
           "email": f"m{i}@home.example", "excluded": "", "joined": "2001-01-01"}  # fmt: skip
    row.update(changes)
    return ",".join(row.values()) + "\n"


def test_warnings_are_printed_and_the_roll_is_still_taken(tellers_cli: Cli, tmp_path: Path) -> None:
    rows = [member(i) for i in range(6)]
    rows[2] = member(2, email="m2@council.example")
    rows[4] = member(4, excluded="arrears")
    rows[5] = member(5, joined="2026-03-01")
    roll, manifest = files(tmp_path, rows)
    code, out, _ = tellers_cli("roll", "check", roll, "--manifest", manifest,
                               "--relevant-date", "2026-01-31",
                               "--employer-domain", "council.example")  # fmt: skip
    assert code == 0
    assert "6 members read, 4 entitled; relevant date 2026-01-31" in out
    assert "warning  workplace-email: 1" in out and "line 4: m2@council.example" in out
    assert "arrears: 1" in out and "joined-after-relevant-date: 1" in out
    assert "need the officer's acknowledgement" in out


def test_a_roll_the_site_would_refuse_exits_1_and_json_gives_the_report(
    tellers_cli: Cli, tmp_path: Path
) -> None:
    roll, manifest = files(
        tmp_path, [member(1), member(1, name="Other"), member(3, constituency="mars")]
    )
    code, out, _ = tellers_cli("roll", "check", roll, "--manifest", manifest, "--json")
    assert code == 1
    report = json.loads(out)
    found = {f["check"]: f for f in report["findings"]}
    assert found["duplicate-number"]["examples"] == [{"lines": [2, 3], "value": "M1"}]
    assert found["no-constituency"]["examples"][0]["value"] == "mars"
    code, out, _ = tellers_cli("roll", "check", roll, "--manifest", manifest, "--ground", "arrears")
    assert code == 1 and "REFUSES  duplicate-number: 1" in out


def test_an_exclusion_the_rules_do_not_make_and_an_unreadable_roll(
    tellers_cli: Cli, tmp_path: Path
) -> None:
    roll, manifest = files(tmp_path, [member(1, excluded="student"), member(2)])
    code, out, _ = tellers_cli("roll", "check", roll, "--manifest", manifest, "--ground", "arrears")
    assert code == 1 and "REFUSES  ground-not-in-rules: 1" in out
    Path(roll).write_text("number,constituency\nM1,north\n")
    code, _, err = tellers_cli("roll", "check", roll, "--manifest", manifest)
    assert code == 2 and "roll.csv:1: header lacks column(s) member_id" in err
