"""Timing of an exact STV count at the scale of a large union ballot.

``run`` builds the seeded synthetic profile of
:func:`tellers.counting.bench.synthetic_election` (1,000,000 papers,
12 candidates, 5 seats: one favourite over the quota and a bunched field,
so the count takes several surplus transfers and batch exclusions) and
times one count under ERS97 (fixed two-decimal arithmetic, ERS97 5.3.7).
The count must finish within ``LIMITS``.
"""

from __future__ import annotations

from tellers.counting.bench import run_benchmark

__all__ = ["LABELS", "LIMITS", "run"]

LABELS: dict[str, str] = {
    "ballots": "papers in the synthetic profile",
    "candidates": "candidates",
    "seats": "seats",
    "build_s": "seconds to build the profile",
    "count_s": "seconds to count it (STV, ERS97)",
    "stages": "stages in the count",
}
LIMITS: dict[str, float] = {"count_s": 30.0}


def run(ballots: int = 1_000_000) -> dict[str, float]:
    """Figures for one ERS97 count of ``ballots`` papers, 12 candidates, 5 seats."""
    return run_benchmark(ballots=ballots, candidates=12, seats=5, seed=1)
