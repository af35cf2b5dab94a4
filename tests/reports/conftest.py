"""Fixtures for the statutory documents: small verified records, made once per test run.

``records(name)`` runs a scenario of ``tellers.simulate`` once (the hybrid
Unite ballot at 0.2% of its roll, so that it has a replacement paper and a
paper superseded online; the strike ballot at a tenth; and the strike ballot
with everyone voting Yes, opened before and after 18 February 2026) and
gives its record directory. The PDF helpers are in ``reporttools``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from tellers.simulate import Scenario, Vote, build_scenario, run_scenario

__all__: list[str] = []


def _carried(opens: str, closes: str) -> Scenario:
    """The strike ballot, every member voting Yes to both questions: a mandate."""
    base = build_scenario("strike-ballot", scale=0.1)
    manifest = dataclasses.replace(base.manifest, opens=opens, closes=closes)
    votes, expected = [], {c.id: {"yes": 0, "no": 0, "blank": 0} for c in manifest.contests}
    for i, member in enumerate(base.members):
        if i % 5 == 4:  # four in five vote: over the 50% turnout
            continue
        ids = [c.id for c in manifest.contests if c.entitles(member.constituency)]
        for cid in ids:
            expected[cid]["yes"] += 1
        votes.append(Vote(i, {cid: ["yes"] for cid in ids}))
    return dataclasses.replace(base, manifest=manifest, votes=votes, expected=expected)


def _scenario(name: str) -> Scenario:
    if name == "unite-2017-hybrid":
        return build_scenario(name, scale=0.002)
    if name == "ul-hustings-2020":
        return build_scenario(name, scale=0.1)
    if name == "strike-ballot":
        return build_scenario(name, scale=0.1)
    if name == "strike-carried-before":
        return _carried("2026-02-02T09:00:00+00:00", "2026-02-16T12:00:00+00:00")
    if name == "strike-carried-after":
        return _carried("2026-03-02T09:00:00+00:00", "2026-03-16T12:00:00+00:00")
    return build_scenario(name)  # the branch strike ballots: fixed figures, full size


@pytest.fixture(scope="session")
def records(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    made: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in made:
            out = tmp_path_factory.mktemp(name)
            run_scenario(_scenario(name), out, workers=1)
            made[name] = out / "record"
        return made[name]

    return get
