"""Ballots as counted: candidates by index, ranks as groups, and the options
that turn a marked paper into a sequence of preferences.

A ranked paper is a tuple of *rank groups*: ``()`` is a skipped rank, a group
of one is an ordinary preference, and a group of two or more is an overvote
(or an equal ranking, where the rule allows them). ``OVERVOTE`` stands for an
overvote whose candidates were not recorded (RCTab ``#OVERVOTE``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "OVERVOTE",
    "Ballot",
    "BallotOptions",
    "Election",
    "OvervoteRule",
    "group_ballots",
    "preferences",
]

OVERVOTE = -1
"""Stands in a rank group for an overvote whose candidates were not recorded."""

OvervoteRule = Literal["exhaust", "skip", "exhaust-if-multiple", "equal"]


@dataclass(frozen=True)
class Ballot:
    """One voting paper (or ``weight`` identical papers).

    ``ranks[i]`` holds the candidate indices marked at rank ``i + 1``.
    """

    ranks: tuple[tuple[int, ...], ...]
    weight: int = 1


@dataclass(frozen=True)
class Election:
    """The candidates, seats and papers of one contest, as read from a file."""

    candidates: tuple[str, ...]
    ballots: tuple[Ballot, ...]
    seats: int = 1
    withdrawn: frozenset[int] = frozenset()
    """Indices of candidates who withdrew; preferences for them are passed over."""
    title: str = ""
    tie_order: tuple[int, ...] | None = None
    """A tie-breaking order declared in the file (Droop's ``[tie ...]``), if any."""

    @property
    def valid_papers(self) -> int:
        """Number of papers (sum of weights)."""
        return sum(b.weight for b in self.ballots)


@dataclass(frozen=True)
class BallotOptions:
    """How marks become preferences; each rule module declares its default.

    - ``overvote``: at a rank marking several candidates, ``"exhaust"`` ends
      the paper (ERS97 6.10: a preference "void for uncertainty");
      ``"skip"`` passes to the next rank; ``"exhaust-if-multiple"`` ends it only
      if two or more of them are continuing (RCTab); ``"equal"`` keeps them as
      equal preferences (Meek, Condorcet).
    - ``max_skipped``: consecutive blank ranks allowed before the paper is
      exhausted; ``None`` for no limit.
    - ``duplicate``: a candidate marked again at a later rank is ``"skip"``-ped
      or ``"exhaust"``-s the paper.
    - ``max_rankings``: ranks beyond this are ignored; ``None`` for all.
    """

    overvote: OvervoteRule = "exhaust"
    max_skipped: int | None = None
    duplicate: Literal["skip", "exhaust"] = "skip"
    max_rankings: int | None = None


def preferences(
    ballot: Ballot, options: BallotOptions, withdrawn: frozenset[int] = frozenset()
) -> tuple[int, ...]:
    """A paper's strict preference order under ``options`` (withdrawn passed over).

    ``"exhaust-if-multiple"`` needs the continuing set, so here it behaves as
    ``"exhaust"``; the IRV module applies it round by round. ``"equal"`` is
    also treated as ``"exhaust"`` here: rules with equal ranks read
    ``ballot.ranks`` themselves.
    """
    out: list[int] = []
    seen: set[int] = set()
    skipped = 0
    ranks = ballot.ranks
    if options.max_rankings is not None:
        ranks = ranks[: options.max_rankings]
    for group in ranks:
        if not group:
            skipped += 1
            continue
        if options.max_skipped is not None and skipped > options.max_skipped:
            break
        skipped = 0
        if len(group) > 1 or group[0] == OVERVOTE:
            if options.overvote == "skip":
                continue
            break
        cand = group[0]
        if cand in seen:
            if options.duplicate == "exhaust":
                break
            continue
        seen.add(cand)
        if cand not in withdrawn:
            out.append(cand)
    return tuple(out)


def group_ballots(
    ballots: Iterable[Ballot], options: BallotOptions, withdrawn: frozenset[int] = frozenset()
) -> list[tuple[tuple[int, ...], int]]:
    """Identical preference sequences merged, with their total weight.

    Sorted, so the count never depends on the order papers were read in.
    Empty sequences (papers with no usable first preference) are dropped:
    they are invalid, not exhausted (ERS97 5.1.2, 6.9).
    """
    counter: Counter[tuple[int, ...]] = Counter()
    for b in ballots:
        seq = preferences(b, options, withdrawn)
        if seq:
            counter[seq] += b.weight
    return sorted(counter.items())
