"""A national consultative ballot for ``tellers demo --scenario national`` (docs/scale.md).

At scale 1: 25,000,000 members in twelve regions (the constituencies), about
40% turnout, exactly 10,000,000 ballots, two questions — a yes/no on a
national agreement and a plurality of three on the first campaign. The
default scale is 0.001 (10,000 ballots).

Nothing here holds the roll or the votes: ``NationalRoll`` and
``NationalVotes`` are sequences that compute member ``i`` or vote ``k`` from
a few numbers per region, so a 25-million-member scenario costs a few
kilobytes. The answers are spread over a region's ballots by a permutation
drawn from the seed (``Spread``), so the totals are known exactly without
generating a single vote.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from math import gcd
from typing import overload

from tellers.election.manifest import Choice, Contest, Manifest
from tellers.election.roll import Member
from tellers.simulate import Scenario, Vote

__all__ = [
    "BALLOTS",
    "ELECTORATE",
    "REGIONS",
    "NationalRoll",
    "NationalVotes",
    "RegionPlan",
    "Spread",
    "national",
]

ELECTORATE = 25_000_000
BALLOTS = 10_000_000
"""At scale 1."""
DEFAULT_SCALE = 0.001

REGIONS: tuple[tuple[str, str, int], ...] = (
    ("north-east", "North East", 40),
    ("north-west", "North West", 110),
    ("yorkshire", "Yorkshire and the Humber", 82),
    ("east-midlands", "East Midlands", 74),
    ("west-midlands", "West Midlands", 88),
    ("east", "East of England", 96),
    ("london", "London", 123),
    ("south-east", "South East", 144),
    ("south-west", "South West", 87),
    ("wales", "Wales", 47),
    ("scotland", "Scotland", 82),
    ("northern-ireland", "Northern Ireland", 27),
)
"""(constituency id, name, members per thousand): roughly the shares of the UK's
parliamentary electorate by ITL1 region."""

AGREEMENT = Contest(
    "agreement",
    "Should the federation accept the national pay and conditions agreement?",
    "yes-no",
    (Choice("yes", "Yes"), Choice("no", "No")),
)
PRIORITY = Contest(
    "priority",
    "Which should be the federation's first national campaign?",
    "plurality",
    (Choice("pay", "Pay"), Choice("hours", "Working hours"), Choice("pensions", "Pensions")),
)
_BLANK = {"agreement": 0.004, "priority": 0.006}


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` by largest remainder: exact, reproducible."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


@dataclass(frozen=True, slots=True)
class Spread:
    """Which of a region's ballots gives which answer to one contest.

    Ballot ``j`` of ``n`` answers ``answers[c]`` where ``(step·j + offset) mod n``
    falls in ``[bounds[c-1], bounds[c])``: a permutation of the ballots (``step``
    is prime to ``n``), so each answer is given exactly as many times as planned.
    """

    answers: tuple[str, ...]
    """Choice ids, and "blank"."""
    bounds: tuple[int, ...]
    """Cumulative counts: the last is the region's ballots."""
    step: int
    offset: int

    @classmethod
    def draw(cls, counts: dict[str, int], rng: random.Random) -> Spread:
        n = sum(counts.values())
        step = 1
        if n > 2:
            step = rng.randrange(1, n)
            while gcd(step, n) != 1:
                step = rng.randrange(1, n)
        bounds, at = [], 0
        for count in counts.values():
            at += count
            bounds.append(at)
        return cls(tuple(counts), tuple(bounds), step, rng.randrange(n) if n else 0)

    def answer(self, j: int) -> str:
        position = (self.step * j + self.offset) % self.bounds[-1]
        return self.answers[bisect_right(self.bounds, position)]


@dataclass(frozen=True, slots=True)
class RegionPlan:
    constituency: str
    first_member: int
    members: int
    first_ballot: int
    ballots: int
    spreads: tuple[Spread, ...]
    """One per contest of the manifest, in order."""

    def voter(self, j: int) -> int:
        """The roll index of the region's ``j``-th voter: spread evenly over its members."""
        return self.first_member + (j * self.members) // self.ballots


@dataclass(frozen=True, slots=True)
class NationalRoll(Sequence[Member]):
    """The roll, member ``i`` computed on demand (ids ``N00000001``…, in region order)."""

    regions: tuple[RegionPlan, ...]

    def __len__(self) -> int:
        last = self.regions[-1]
        return last.first_member + last.members

    @overload
    def __getitem__(self, index: int) -> Member: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Member]: ...
    def __getitem__(self, index: int | slice) -> Member | Sequence[Member]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        starts = [r.first_member for r in self.regions]
        # The last region starting at or before ``index``: never an empty one, which
        # shares its start with the region after it.
        region = self.regions[bisect_right(starts, index) - 1]
        return Member(f"N{index + 1:08d}", region.constituency)

    def __iter__(self) -> Iterator[Member]:
        at = 0
        for region in self.regions:
            for _ in range(region.members):
                at += 1
                yield Member(f"N{at:08d}", region.constituency)


@dataclass(frozen=True, slots=True)
class NationalVotes(Sequence[Vote]):
    """The votes in roll order, vote ``k`` computed on demand from its region's plan."""

    regions: tuple[RegionPlan, ...]
    contests: tuple[str, ...]

    def __len__(self) -> int:
        last = self.regions[-1]
        return last.first_ballot + last.ballots

    def _vote(self, region: RegionPlan, j: int) -> Vote:
        selections = {}
        for contest, spread in zip(self.contests, region.spreads, strict=True):
            answer = spread.answer(j)
            selections[contest] = [] if answer == "blank" else [answer]
        return Vote(region.voter(j), selections)

    @overload
    def __getitem__(self, index: int) -> Vote: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Vote]: ...
    def __getitem__(self, index: int | slice) -> Vote | Sequence[Vote]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        for region in self.regions:
            if index < region.first_ballot + region.ballots:
                return self._vote(region, index - region.first_ballot)
        raise IndexError(index)

    def __iter__(self) -> Iterator[Vote]:
        for region in self.regions:
            for j in range(region.ballots):
                yield self._vote(region, j)


def national(scale: float | None, rng: random.Random) -> Scenario:
    """The national ballot at ``scale`` (default 0.001): the plan, lazily, and its totals."""
    scale = DEFAULT_SCALE if scale is None else scale
    electorate = max(len(REGIONS), round(ELECTORATE * scale))
    ballots = max(1, round(BALLOTS * scale))
    members = _apportion(electorate, [share for _, _, share in REGIONS])
    turnout = [rng.uniform(0.34, 0.46) for _ in REGIONS]
    likely = [n * t for n, t in zip(members, turnout, strict=True)]
    voting = [min(n, b) for n, b in zip(members, _apportion(ballots, likely), strict=True)]
    expected: dict[str, dict[str, int]] = {
        c.id: {**{ch.id: 0 for ch in c.choices}, "blank": 0} for c in (AGREEMENT, PRIORITY)
    }
    plans, first_member, first_ballot = [], 0, 0
    for (constituency, _, _), n, b in zip(REGIONS, members, voting, strict=True):
        yes = rng.uniform(0.48, 0.66)
        priority = [w * rng.uniform(0.85, 1.15) for w in (0.46, 0.22, 0.32)]
        spreads = []
        for contest, weights in (
            (AGREEMENT, [yes, 1 - yes]),
            (PRIORITY, [w / sum(priority) for w in priority]),
        ):
            blank = _BLANK[contest.id]
            counts = _apportion(b, [w * (1 - blank) for w in weights] + [blank])
            answers = dict(zip([*(ch.id for ch in contest.choices), "blank"], counts, strict=True))
            for answer, count in answers.items():
                expected[contest.id][answer] += count
            spreads.append(Spread.draw(answers, rng))
        plans.append(RegionPlan(constituency, first_member, n, first_ballot, b, tuple(spreads)))
        first_member += n
        first_ballot += b
    regions = tuple(plans)
    manifest = Manifest(
        election_id="national-ballot-2026",
        title="National consultative ballot",
        organisation="Federation of Trade Unions",
        scrutineer="Independent Scrutineer Ltd",
        opens="2026-05-04T09:00:00+00:00",
        closes="2026-05-25T12:00:00+00:00",
        revote="last",
        trustees=3,
        quorum=2,
        constituencies=tuple(c for c, _, _ in REGIONS),
        contests=(AGREEMENT, PRIORITY),
    )
    return Scenario(
        "national",
        manifest,
        NationalRoll(regions),
        NationalVotes(regions, (AGREEMENT.id, PRIORITY.id)),
        expected,
    )
