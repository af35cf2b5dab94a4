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
    """``ballots`` papers over ``candidates`` from a seeded popularity model.

    One favourite well above the quota and a closely bunched field behind,
    so an ERS97 count transfers several surpluses (each over fractional
    values) and excludes the bunched tail in batches over many stages (17
    for the default 1,000,000 papers, 12 candidates, 5 seats). Each paper
    ranks candidates by appeal times a 16-bit random draw, truncated to a
    random length of one to ``candidates`` preferences, as real papers are.
    Integers only; the same seed gives the same papers.
    """
    rng = random.Random(seed)
    bits = rng.getrandbits
    appeal = [50] + [max(1, 23 - i) for i in range(1, candidates)]
    order = range(candidates)
    papers: list[Ballot] = []
    for _ in range(ballots):
        keys = sorted(order, key=lambda c: -appeal[c] * bits(16))
        length = 1 + bits(16) * candidates // 65536
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
