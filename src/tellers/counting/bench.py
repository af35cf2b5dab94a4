"""A synthetic ranked-ballot profile and a timer for STV-ERS97 over it."""

from __future__ import annotations

import random
import time

from tellers.counting.ballots import Ballot, Election
from tellers.counting.dispatch import count
from tellers.counting.rules import Rules
from tellers.counting.ties import TiePolicy

__all__ = ["run_benchmark", "synthetic_election"]


def synthetic_election(ballots: int, candidates: int, seats: int, seed: int) -> Election:
    """``ballots`` papers ranking 1..``candidates`` by a seeded popularity model.

    Candidates have unequal popularity and voters rank between one and all
    of them, as real electorates do; the same seed gives the same papers.
    """
    rng = random.Random(seed)
    appeal = [rng.randint(1, 20) for _ in range(candidates)]
    papers: list[Ballot] = []
    for _ in range(ballots):
        keys = sorted(range(candidates), key=lambda c: -appeal[c] * rng.random())
        length = rng.randint(1, candidates)
        papers.append(Ballot(tuple((c,) for c in keys[:length])))
    names = tuple(f"Candidate {i + 1:02d}" for i in range(candidates))
    return Election(names, tuple(papers), seats, title="Synthetic benchmark")


def run_benchmark(
    ballots: int = 1_000_000, candidates: int = 12, seats: int = 5, seed: int = 1
) -> dict[str, float]:
    """Build the profile and time one ERS97 count; seconds for each phase.

    Returns ``{"ballots", "candidates", "seats", "build_s", "count_s",
    "stages"}`` (all as floats for the performance record).
    """
    t0 = time.perf_counter()
    election = synthetic_election(ballots, candidates, seats, seed)
    t1 = time.perf_counter()
    result = count(election, Rules("stv-ers97", ties=TiePolicy(seed=seed)))
    t2 = time.perf_counter()
    return {
        "ballots": float(ballots),
        "candidates": float(candidates),
        "seats": float(seats),
        "build_s": round(t1 - t0, 2),
        "count_s": round(t2 - t1, 2),
        "stages": float(len(result.rounds)),
    }
