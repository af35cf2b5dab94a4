"""Hypothesis strategies for counting: small ranked elections."""

from __future__ import annotations

from hypothesis import strategies as st

from tellers.counting import Ballot, Election


@st.composite
def ranked_elections(draw: st.DrawFn, max_candidates: int = 5, max_seats: int = 3) -> Election:
    """An election of 2..max_candidates candidates with strict rankings."""
    n = draw(st.integers(2, max_candidates))
    seats = draw(st.integers(1, min(max_seats, n - 1)))
    names = tuple(f"C{i}" for i in range(n))
    ranking = st.permutations(range(n)).flatmap(
        lambda p: st.integers(1, n).map(lambda k: tuple((c,) for c in p[:k]))
    )
    ballots = draw(st.lists(st.builds(Ballot, ranking, st.integers(1, 5)), min_size=1, max_size=25))
    return Election(names, tuple(ballots), seats)
