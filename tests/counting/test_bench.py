"""The full-size counting benchmark (``-m slow``): 1,000,000 papers within the limit."""

from __future__ import annotations

import pytest

from tellers.bench import load
from tellers.bench.counting import LIMITS


@pytest.mark.slow
def test_full_size_ers97_count_within_limit() -> None:
    bench = load("counting")
    assert bench is not None
    figures = bench.run()
    assert figures["ballots"] == 1_000_000
    assert figures["stages"] >= 8  # surpluses and exclusions, not a first-stage landslide
    assert figures["count_s"] <= LIMITS["count_s"]


def test_small_profile_takes_many_stages() -> None:
    from tellers.bench.counting import run

    figures = run(ballots=20_000)
    assert figures["stages"] >= 8
