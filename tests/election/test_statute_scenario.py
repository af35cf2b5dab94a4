"""The branch strike ballot either side of 18 February 2026 (simulate_branch; record.md §3.6).

Both runs go through ``run_scenario`` and ``tellers verify --json``; what each question
must show is worked out here from the statutory table and the voting plan, then the
verifier's figures are held to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from tellers.errors import RecordError
from tellers.simulate_branch import (
    BRANCH_AFTER,
    BRANCH_BEFORE,
    BRANCH_OPENS,
    PLAN,
    VOTERS,
    WORKPLACES,
)
from tellers.statute import ERA_2025, rules_in_force
from tellers.verify import verify_record

Run = Callable[..., tuple[int, str, str]]
Figures = dict[str, Any]


def _verify_json(tellers_cli: Run, record: Path) -> Figures:
    code, stdout, stderr = tellers_cli("verify", "--json", str(record))
    assert code == 0, stderr
    report: Figures = json.loads(stdout)
    assert report["valid"] is True
    return report


def _expected(name: str) -> dict[str, dict[str, bool]]:
    """contest -> threshold name -> met, from the rules in force and the plan."""
    rules = rules_in_force(BRANCH_OPENS[name])
    out: dict[str, dict[str, bool]] = {}
    for wp, entitled in WORKPLACES.items():
        for question, (yes, no) in PLAN[wp].items():
            met = {
                "turnout": VOTERS[wp] >= Fraction(rules.turnout_percent or 0, 100) * entitled,
                "majority": yes > no,
            }
            ips = rules.important_services_yes_percent
            if wp == "hospital" and ips is not None:
                met["yes of entitled"] = yes >= Fraction(ips, 100) * entitled
            out[f"{question}-{wp}"] = met
    return out


def _met(report: Figures) -> dict[str, dict[str, bool]]:
    return {c["id"]: {t["name"]: t["met"] for t in c["thresholds"]} for c in report["contests"]}


def test_the_scenarios_open_either_side_of_the_change() -> None:
    assert BRANCH_OPENS[BRANCH_BEFORE] < ERA_2025 <= BRANCH_OPENS[BRANCH_AFTER]


def test_verify_figures_follow_the_rules_in_force(
    scenario_record: Callable[[str], tuple[Path, dict[str, Any]]], tellers_cli: Run
) -> None:
    reports = {n: _verify_json(tellers_cli, scenario_record(n)[0]) for n in BRANCH_OPENS}
    for name, report in reports.items():
        assert _met(report) == _expected(name), name
        for contest in report["contests"]:
            assert contest["thresholds_met"] == all(t["met"] for t in contest["thresholds"])
        wp_counts = {c["id"]: c["counts"] for c in report["contests"]}
        for wp in WORKPLACES:
            for question, (yes, no) in PLAN[wp].items():
                assert wp_counts[f"{question}-{wp}"] == {"yes": yes, "no": no}

    before, after = (
        {c["id"]: c["thresholds_met"] for c in reports[n]["contests"]}
        for n in (BRANCH_BEFORE, BRANCH_AFTER)
    )
    # Exactly one question's result turns on the 40% rule: the flagged workplace's action
    # short of a strike, 58 Yes of 160 entitled (under 64) but more Yes than No.
    assert {k for k in before if before[k] != after[k]} == {"asos-hospital"}
    assert (before["asos-hospital"], after["asos-hospital"]) == (False, True)
    # The rule is never applied to the unflagged depot, whose strike would fail it.
    depot = next(c for c in reports[BRANCH_BEFORE]["contests"] if c["id"] == "strike-depot")
    assert [t["name"] for t in depot["thresholds"]] == ["turnout", "majority"]

    rules = {n: reports[n]["rules"] for n in reports}
    assert rules[BRANCH_BEFORE]["on"] == "2026-02-09" and rules[BRANCH_AFTER]["on"] == "2026-03-02"
    assert [rules[n]["notice_days"]["value"] for n in reports] == [14, 10]
    assert [rules[n]["mandate_months"]["value"] for n in reports] == [6, 12]
    assert [rules[n]["important_services_yes_percent"]["value"] for n in reports] == [40, None]
    assert "Employment Rights Act 2025" in rules[BRANCH_AFTER]["notice_days"]["source"]


def test_the_record_holds_a_v4_manifest_that_an_older_record_format_cannot(
    scenario_record: Callable[[str], tuple[Path, dict[str, Any]]], tmp_path: Path
) -> None:
    import shutil

    copy = tmp_path / "record"
    shutil.copytree(scenario_record(BRANCH_BEFORE)[0], copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    assert manifest["format"] == "tellers-manifest/v4"
    assert manifest["important_public_services"] == ["hospital"]
    assert all(c["thresholds"] is None for c in manifest["contests"])
    index = copy / "index.json"
    index.write_bytes(index.read_bytes().replace(b"tellers-record/v9", b"tellers-record/v4"))
    with pytest.raises(RecordError, match=r"tellers-record/v4 record holds no tellers-manifest/v4"):
        verify_record(copy)


@pytest.mark.parametrize(
    "tamper",
    [
        # The officer, after the vote, unflags the hospital so the 40% rule would not apply ...
        lambda m: m.update(important_public_services=[]),
        # ... or moves the opening day past 18 February 2026 ...
        lambda m: m.update(opens="2026-02-18T09:00:00+00:00"),
        # ... or adds an override with a plausible reason.
        lambda m: m.update(
            rules={"important_services_yes_percent": {"value": None, "reason": "not IPS"}}
        ),
    ],
)
def test_changing_the_rules_after_the_opening_breaks_the_record(
    scenario_record: Callable[[str], tuple[Path, dict[str, Any]]],
    tmp_path: Path,
    tamper: Callable[[dict[str, Any]], None],
) -> None:
    import shutil

    from recordtools import read_json_file, reseal, write_json_file

    copy = tmp_path / "record"
    shutil.copytree(scenario_record(BRANCH_BEFORE)[0], copy)
    manifest = read_json_file(copy, "manifest.json")
    tamper(manifest)
    write_json_file(copy, "manifest.json", manifest)
    reseal(copy)
    report = verify_record(copy)
    # The manifest's hash is in the trustees' ceremony and the board's opening event.
    assert not report.valid
    assert {f.check for f in report.failures} >= {"manifest"}


def test_an_override_is_applied_and_shown_with_its_reason(tmp_path: Path, tellers_cli: Run) -> None:
    import dataclasses

    from tellers.election.manifest import RuleOverride
    from tellers.simulate import run_scenario
    from tellers.simulate_branch import branch_strike

    reason = "the CAC found the hospital's porters outside s.226(2D)"
    scenario = branch_strike(BRANCH_OPENS[BRANCH_BEFORE], "branch-strike-overridden")
    manifest = dataclasses.replace(
        scenario.manifest,
        rules=(RuleOverride("important_services_yes_percent", None, reason),),
    )
    outcome = run_scenario(dataclasses.replace(scenario, manifest=manifest), tmp_path)
    report = _verify_json(tellers_cli, outcome.record)
    rule = report["rules"]["important_services_yes_percent"]
    assert rule == {"value": None, "source": f"manifest override: {reason}", "overridden": True}
    # Without the 40% rule the flagged workplace's figures are those of the after-run.
    assert _met(report)["asos-hospital"] == _expected(BRANCH_AFTER)["asos-hospital"]
    code, text, _ = tellers_cli("verify", str(outcome.record))
    assert code == 0
    assert f"important_services_yes_percent = none  OVERRIDDEN: manifest override: {reason}" in text
