"""``tellers demo``'s scenarios reproduce their public figures, verified (DESIGN.md seed cases).

Each scenario runs once per test run (``scenario_record``); the figures are
the verifier's, recomputed from the record alone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tellers.simulate import build_scenario
from tellers.verify import verify_record

Runs = Callable[[str], tuple[Path, dict[str, Any]]]


def _figures(runs: Runs, name: str) -> dict[str, Any]:
    record, _ = runs(name)
    report = verify_record(record, workers=1)
    assert report.valid, report.failures
    return report.figures


def _board_types(record: Path) -> list[str]:
    return [
        line.split(b'"type":"')[1].split(b'"')[0].decode()
        for line in (record / "board.jsonl").read_bytes().splitlines()
    ]


def test_unite_2017_at_one_percent(scenario_record: Runs) -> None:
    figures = _figures(scenario_record, "unite-2017")
    assert figures["electorate"] == 10620
    assert figures["ballots_counted"] == 591 + 535 + 171 + 3
    (contest,) = figures["contests"]
    assert contest["counts"] == {"mccluskey": 591, "coyne": 535, "allinson": 171}
    assert contest["blank"] == 3
    assert contest["winners"] == ["mccluskey"]
    assert figures["turnout"] == {"exact": "1300/10620", "percent": "12.24"}


def test_unite_2017_hybrid_at_one_percent_reproduces_the_figures_by_post_and_online(
    scenario_record: Runs,
) -> None:
    record, _ = scenario_record("unite-2017-hybrid")
    figures = _figures(scenario_record, "unite-2017-hybrid")
    assert figures["electorate"] == 10620
    (contest,) = figures["contests"]
    assert contest["counts"] == {"mccluskey": 591, "coyne": 535, "allinson": 171}
    assert contest["blank"] == 3
    assert figures["ballots_counted"] == 1300
    plan = build_scenario("unite-2017-hybrid").postal
    postal, online = figures["channels"]["postal"], figures["channels"]["online"]
    assert postal["papers_issued"] == 10620
    assert postal["replacements"] == postal["voided"] == len(plan.replaced) > 0
    assert postal["refused"]["voided"] == len(plan.late_originals) > 0
    both = plan.expected["online_then_paper"]
    assert postal["refused"]["online-counts"] == both > 0
    assert postal["superseded"] == plan.expected["paper_then_online"] > 0
    assert postal["counted"] + online["counted"] == 1300
    assert online["counted"] == len(build_scenario("unite-2017-hybrid").votes)
    # Every paper comes back, or is opened after the close: none is left unaccounted for.
    assert postal["returned"] + postal["audited"] == 10620 + postal["replacements"]
    types = _board_types(record)
    assert types.count("paper-accepted") == postal["counted"] + postal["superseded"]


def test_ul_hustings_2020(scenario_record: Runs) -> None:
    figures = _figures(scenario_record, "ul-hustings-2020")
    assert figures["electorate"] == 1130
    (contest,) = figures["contests"]
    assert contest["counts"] == {"turner": 370, "beckett": 367}
    assert contest["winners"] == ["turner"]
    assert figures["turnout"]["percent"] == "65.22"


def test_ul_hustings_2020_board_shows_re_votes_and_audits(scenario_record: Runs) -> None:
    record, outcome = scenario_record("ul-hustings-2020")
    types = _board_types(record)
    superseding = (record / "board.jsonl").read_bytes().count(b'"supersedes":"')
    assert types.count("ballot-audited") == outcome["audited"] > 0
    assert superseding > 0
    assert types.count("ballot-accepted") == 737 + superseding


def test_strike_ballot_fails_the_turnout_threshold(scenario_record: Runs) -> None:
    figures = _figures(scenario_record, "strike-ballot")
    scenario = build_scenario("strike-ballot")
    assert len(figures["contests"]) == 4
    for contest in figures["contests"]:
        expected = scenario.expected[contest["id"]]
        assert contest["counts"] == {"yes": expected["yes"], "no": expected["no"]}
        assert contest["blank"] == expected["blank"]
        turnout = {t["name"]: t for t in contest["thresholds"]}["turnout"]
        assert turnout["achieved"] == contest["ballots"]
        assert turnout["required"] == -(-contest["electorate"] // 2)  # 50%, rounded up
        assert not turnout["met"]
        assert contest["thresholds_met"] is False


@pytest.mark.parametrize("name", ["unite-2017", "ul-hustings-2020", "strike-ballot"])
def test_the_plan_is_reproducible_from_the_seed(name: str) -> None:
    first, again = build_scenario(name, scale=0.01), build_scenario(name, scale=0.01)
    assert (first.expected, first.votes, first.manifest) == (
        again.expected,
        again.votes,
        again.manifest,
    )
    assert build_scenario(name, scale=0.01, seed=1).votes != first.votes


def test_the_demo_command_declares_the_strike_ballot(tmp_path: Path, tellers_cli: Any) -> None:
    pytest.importorskip("tellers.cli.demo_cmd")
    code, out, err = tellers_cli(
        "demo",
        "--scenario",
        "strike-ballot",
        "--scale",
        "0.1",
        "--out",
        str(tmp_path),
        "--workers",
        "1",
    )
    assert code == 0, err
    record = tmp_path / "strike-ballot" / "record"
    assert verify_record(record).valid
    assert str(record) in out
