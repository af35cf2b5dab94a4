"""The verifier's one-pass reader on ranked ballots (record.md §4.1): every ranked ballot of
a record reads as the general path reads it, and no damage leaves a ballot it takes."""

from __future__ import annotations

from typing import Any

import pytest
from test_ballot_reader import _general

from tellers import canonical
from tellers.board import ElectionContext
from tellers.crypto.group import GROUP_ORDER, Point
from tellers.simulate import DemoOutcome, Scenario, build_scenario, run_scenario
from tellers.verify.ballot_reader import BallotReader
from tellers.verify.ballots import BallotCheck, _read


@pytest.fixture(scope="module")
def stv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, DemoOutcome]:
    scenario = build_scenario("stv-executive", 0.0003)
    return scenario, run_scenario(scenario, tmp_path_factory.mktemp("stv-reader"))


def _context(stv: tuple[Scenario, DemoOutcome]) -> tuple[ElectionContext, list[dict[str, Any]]]:
    lines = (stv[1].record / "board.jsonl").read_bytes().splitlines()
    events = [canonical.loads(line) for line in lines]
    opened = events[0]["body"]
    context = ElectionContext(
        stv[0].manifest,
        bytes.fromhex(opened["fingerprint"]),
        Point.from_hex(opened["joint_key"]),
    )
    ballots = [e["body"]["ballot"] for e in events if e["type"] == "ballot-accepted"]
    return context, ballots


def test_every_ranked_ballot_reads_as_the_general_path_reads_it(
    stv: tuple[Scenario, DemoOutcome],
) -> None:
    context, ballots = _context(stv)
    reader = BallotReader(context.manifest)
    assert len(ballots) > 20
    for obj in ballots:
        raw = canonical.dumps(obj)
        found = reader.read(raw)
        assert found is not None
        assert found == _general(context, raw)
        assert found.contests[0].preferences  # read as a ranked contest


def test_damaged_ranked_ballots_read_as_the_general_path_reads_them(
    stv: tuple[Scenario, DemoOutcome],
) -> None:
    context, ballots = _context(stv)
    reader = BallotReader(context.manifest)
    obj = ballots[0]
    raw = canonical.dumps(obj)
    first = obj["contests"][0]["preferences"][0]
    damaged: list[tuple[str, bytes]] = []

    def edit(what: str, change: Any) -> None:
        copy = canonical.loads(raw)
        change(copy["contests"][0])
        damaged.append((what, canonical.dumps(copy)))

    edit("a preference missing", lambda c: c["preferences"].pop())
    edit("a preference too many", lambda c: c["preferences"].append(first))
    edit(
        "alpha with prefix 04",
        lambda c: c["preferences"][1].update(alpha="04" + first["alpha"][2:]),
    )
    edit("beta off the curve", lambda c: c["preferences"][2].update(beta="02" + "ff" * 32))
    edit(
        "a challenge equal to n",
        lambda c: c["preferences"][3]["proof"].update(c=f"{GROUP_ORDER:064x}"),
    )
    edit(
        "a response in upper case",
        lambda c: c["preferences"][4]["proof"].update(s=first["proof"]["s"].upper()),
    )
    edit(
        "a proof of two responses",
        lambda c: c["preferences"][0]["proof"].update(s=[first["proof"]["s"]] * 2),
    )
    edit("selections beside the preferences", lambda c: c.update(selections=[]))
    edit("another contest id", lambda c: c.update(id="executive-2"))
    edit("an extra field in a preference", lambda c: c["preferences"][0].update(note="x"))
    scalar = first["proof"]["c"].encode()
    damaged.append(("a quote inside a challenge", raw.replace(scalar, b'"' + scalar[1:], 1)))
    damaged.append(("white space", raw.replace(b'"preferences":[', b'"preferences": [', 1)))
    for what, data in damaged:
        assert data != raw, what
        assert reader.read(data) is None, what
        general = _general(context, data)
        read = _read(context, (5, "ballot-accepted", data, None))
        if isinstance(read, BallotCheck):
            assert read.problems == (general,), what
        else:
            assert read == general, what
