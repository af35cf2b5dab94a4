"""The national scenario, and the heavy steps on any mapper (docs/scale.md).

The plan: a 25-million-member roll and 10,000,000 votes at scale 1 computed
on demand, exact totals, voters in roll order. End to end at a tiny scale:
the record verifies and declares the plan's totals. Mapper invariance: the
same seed run on one process, on two, and on a Dask cluster of two workers
puts the same members' ballots on the board in the same order and declares
the same result; the tally's sums of one board are byte for byte the same
on each; credentials come back in the roll's order on each.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tellers import canonical
from tellers.crypto.credentials import public_credential
from tellers.election import authority
from tellers.election.conduct import sum_counted
from tellers.parallel import Mapper, local_mapper
from tellers.record.v2 import manifest_from_json
from tellers.record.v2_tally import tally_to_json
from tellers.simulate import build_scenario, run_scenario
from tellers.simulate_national import BALLOTS, ELECTORATE, REGIONS, NationalVotes
from tellers.verify import verify_record

TINY = 0.00002
"""500 members, 200 ballots."""


def _plan_totals(votes: NationalVotes) -> dict[str, Counter[str]]:
    totals: dict[str, Counter[str]] = {c: Counter() for c in votes.contests}
    for v in votes:
        for contest, chosen in v.selections.items():
            totals[contest][chosen[0] if chosen else "blank"] += 1
    return totals


def test_at_scale_1_the_plan_is_ten_million_ballots_of_a_lazy_roll() -> None:
    scenario = build_scenario("national", scale=1)
    assert len(scenario.members) == ELECTORATE == 25_000_000
    assert len(scenario.votes) == BALLOTS == 10_000_000
    assert not isinstance(scenario.members, list) and not isinstance(scenario.votes, list)
    for contest in scenario.manifest.contests:
        assert sum(scenario.expected[contest.id].values()) == BALLOTS
    last = scenario.votes[-1]
    assert scenario.members[last.member].constituency == REGIONS[-1][0]
    assert scenario.members[-1].member_id == "N25000000"
    with pytest.raises(IndexError):
        scenario.votes[BALLOTS]


def test_the_default_scale_is_ten_thousand_ballots() -> None:
    scenario = build_scenario("national")
    assert (len(scenario.members), len(scenario.votes)) == (25_000, 10_000)
    assert scenario.manifest.constituencies == tuple(r for r, _, _ in REGIONS)


def test_the_plan_gives_exactly_its_totals_to_distinct_voters_in_roll_order() -> None:
    scenario = build_scenario("national", scale=0.0005)
    votes = scenario.votes
    assert isinstance(votes, NationalVotes)
    assert _plan_totals(votes) == {c: Counter(n) for c, n in scenario.expected.items()}
    members = [v.member for v in votes]
    assert members == sorted(set(members))
    assert list(votes) == [votes[k] for k in range(len(votes))] == list(votes[:])
    assert list(scenario.members) == [scenario.members[i] for i in range(len(scenario.members))]
    by_region = Counter(scenario.members[m].constituency for m in members)
    assert set(by_region) == {r for r, _, _ in REGIONS}
    # Turnout between 34% and 46% in every region, as drawn.
    roll = Counter(m.constituency for m in scenario.members)
    assert all(0.33 < by_region[r] / roll[r] < 0.47 for r in roll)


def test_the_plan_is_reproducible_from_the_seed() -> None:
    first, again = build_scenario("national", 0.0002), build_scenario("national", 0.0002)
    assert (first.expected, first.votes, first.members) == (
        again.expected,
        again.votes,
        again.members,
    )
    other = build_scenario("national", 0.0002, seed=1)
    assert other.expected != first.expected
    assert list(other.votes) != list(first.votes)


# End to end, on each mapper. -------------------------------------------------------------


@pytest.fixture(scope="module")
def dask_mapper() -> Iterator[Mapper]:
    pytest.importorskip("tellers.distributed")
    from tellers.distributed import cluster, dask_mapper

    with cluster("local:2") as client:
        yield dask_mapper(client)


MAPPERS: dict[str, Callable[[Any], Mapper]] = {
    "one process": lambda _: local_mapper(1),
    "two processes": lambda _: local_mapper(2),
    "dask local:2": lambda request: request.getfixturevalue("dask_mapper"),
}


@pytest.fixture(scope="module")
def runs() -> dict[str, Any]:
    """Mapper name -> its run, filled as the tests ask."""
    return {}


def _run(name: str, request: Any, runs: dict[str, Any], tmp: Path) -> dict[str, Any]:
    """The tiny national election run on mapper ``name`` (once per module)."""
    if name not in runs:
        scenario = build_scenario("national", TINY)
        outcome = run_scenario(
            scenario, tmp / name.replace(" ", "-"), mapper=MAPPERS[name](request)
        )
        runs[name] = {"scenario": scenario, "outcome": outcome}
    return dict(runs[name])


def _ballot_members(record: Path, sheet: Path) -> list[str]:
    """The member behind each accepted ballot, in board order, through the code sheet."""
    manifest = manifest_from_json(json.loads((record / "manifest.json").read_text()))
    election_id = manifest.election_id.encode()
    member_of = {}
    with open(sheet, newline="") as handle:
        for row in list(csv.reader(handle))[1:]:
            member_of[public_credential(election_id, row[2])] = row[0]
    found = []
    for line in (record / "board.jsonl").read_bytes().splitlines():
        event = canonical.loads(line)
        if event["type"] == "ballot-accepted":
            found.append(member_of[bytes.fromhex(event["body"]["ballot"]["credential"])])
    return found


@pytest.mark.parametrize("name", list(MAPPERS))
def test_the_national_ballot_declares_its_plan_on_every_mapper(
    name: str, request: Any, runs: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    run = _run(name, request, runs, tmp_path_factory.mktemp("national"))
    scenario, outcome = run["scenario"], run["outcome"]
    report = verify_record(outcome.record)
    assert report.valid, report.failures
    assert report.figures["electorate"] == len(scenario.members) == 500
    assert report.figures["ballots_counted"] == outcome.receipts == len(scenario.votes) == 200
    for contest in report.figures["contests"]:
        expected = dict(scenario.expected[contest["id"]])
        assert contest["blank"] == expected.pop("blank")
        assert contest["counts"] == expected
    # The board holds the plan's voters' ballots in the plan's order.
    planned = [scenario.members[v.member].member_id for v in scenario.votes]
    assert _ballot_members(outcome.record, outcome.code_sheet) == planned
    times = outcome.timings
    assert times["encrypt_cpu"] > 0 and times["check_cpu"] > 0 and times["board"] > 0


def test_the_same_seed_declares_the_same_result_on_every_mapper(
    request: Any, runs: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    tmp = tmp_path_factory.mktemp("same")
    results = [_run(name, request, runs, tmp)["outcome"].result for name in MAPPERS]
    assert results[0] == results[1] == results[2]
    assert results[0].ballots_counted == 200


@pytest.mark.parametrize("name", list(MAPPERS))
def test_the_tally_of_one_board_is_the_same_on_every_mapper(
    name: str, request: Any, runs: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    outcome = _run("one process", request, runs, tmp_path_factory.mktemp("tally"))["outcome"]
    record = outcome.record
    manifest = manifest_from_json(json.loads((record / "manifest.json").read_text()))
    published = next(
        canonical.loads(line)["body"]
        for line in (record / "board.jsonl").read_bytes().splitlines()
        if b'"type":"tally"' in line
    )
    summed = sum_counted(manifest, record / "board.jsonl", 200, mapper=MAPPERS[name](request))
    assert canonical.dumps(tally_to_json(summed)) == canonical.dumps(published)


@pytest.mark.parametrize("name", list(MAPPERS))
def test_credentials_come_in_roll_order_on_every_mapper(name: str, request: Any) -> None:
    scenario = build_scenario("national", TINY)
    roll = [(m.member_id, m.constituency) for m in scenario.members]
    issued = list(authority.issue(scenario.manifest, roll, mapper=MAPPERS[name](request)))
    assert [(i.reference, i.constituency) for i in issued] == roll
    election_id = scenario.manifest.election_id.encode()
    assert all(public_credential(election_id, i.code) == i.credential for i in issued)
    assert len({i.code for i in issued}) == len(roll)


def test_the_demo_command_runs_the_national_ballot(tmp_path: Path, tellers_cli: Any) -> None:
    code, out, err = tellers_cli(
        "demo", "--scenario", "national", "--scale", str(TINY), "--out", str(tmp_path),
        "--workers", "1",
    )  # fmt: skip
    assert code == 0, err
    assert "The election record is VALID" in out
    timings = json.loads((tmp_path / "national" / "timings.json").read_text())
    assert (timings["members"], timings["ballots"]) == (500, 200)
    assert timings["board_lines"] == 200 + 6  # opened, closed, tally, 2 decryptions, result
    steps = {"credentials", "voting", "encrypt_cpu", "check_cpu", "board", "tally", "verify"}
    assert steps <= set(timings["seconds"])


def test_the_demo_command_runs_on_a_dask_cluster(tmp_path: Path, tellers_cli: Any) -> None:
    pytest.importorskip("tellers.distributed")
    code, out, err = tellers_cli(
        "demo", "--scenario", "national", "--scale", str(TINY), "--out", str(tmp_path),
        "--cluster", "local:2",
    )  # fmt: skip
    assert code == 0, err
    assert "local:2" in out and "The election record is VALID" in out


def test_the_demo_refuses_a_cluster_and_workers_together(tellers_cli: Any) -> None:
    code, _, err = tellers_cli("demo", "--cluster", "local:2", "--workers", "2")
    assert code == 2 and "not allowed with" in err


@pytest.mark.slow
def test_the_national_ballot_at_scale_0_001_on_two_processes(tmp_path: Path) -> None:
    scenario = build_scenario("national")
    outcome = run_scenario(scenario, tmp_path, workers=2)
    report = verify_record(outcome.record, workers=2)
    assert report.valid, report.failures
    assert report.figures["ballots_counted"] == 10_000
