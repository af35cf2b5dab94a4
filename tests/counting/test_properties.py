"""The algebra of counting (STYLE 11): conservation, order-independence,
STV with one seat is IRV, a Condorcet winner wins Schulze."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counting.strategies import ranked_elections
from tellers.counting import Election, Rules, TiePolicy, count
from tellers.counting.schulze import pairwise
from tellers.errors import CountingError

STV = ("stv-ers97", "stv-scottish", "stv-meek")
SEEDED = TiePolicy(seed=7)


@pytest.mark.parametrize("method", [*STV, "irv"])
@settings(max_examples=60, deadline=None)
@given(election=ranked_elections())
def test_votes_are_conserved_at_every_stage(method: str, election: Election) -> None:
    result = count(election, Rules(method, ties=SEEDED))  # type: ignore[arg-type]
    for rnd in result.rounds:
        total = sum(rnd.votes, Fraction(0)) + rnd.exhausted + rnd.lost
        assert total == result.valid_votes


@pytest.mark.parametrize("method", [*STV, "irv", "plurality", "schulze"])
@settings(max_examples=40, deadline=None)
@given(election=ranked_elections(), data=st.data())
def test_reordering_ballots_changes_nothing(
    method: str, election: Election, data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(election.ballots))
    other = Election(election.candidates, tuple(shuffled), election.seats)
    rules = Rules(method, ties=SEEDED)  # type: ignore[arg-type]
    assert count(election, rules) == count(other, rules)


def _no_ties(result_events: tuple[object, ...]) -> bool:
    return not any(getattr(e, "kind", "") == "tie" for e in result_events)


@pytest.mark.parametrize("method", STV)
@settings(max_examples=60, deadline=None)
@given(election=ranked_elections())
def test_one_seat_stv_elects_the_irv_winner(method: str, election: Election) -> None:
    strict = TiePolicy()  # no policy: any tie raises, and such profiles are skipped
    try:
        irv = count(election, Rules("irv", seats=1, ties=strict))
        stv = count(election, Rules(method, seats=1, ties=strict))  # type: ignore[arg-type]
    except CountingError:
        return
    if not (_no_ties(irv.events) and _no_ties(stv.events)):
        return
    assert stv.winners == irv.winners


@settings(max_examples=80, deadline=None)
@given(election=ranked_elections())
def test_a_condorcet_winner_wins_schulze(election: Election) -> None:
    d = pairwise(election)
    n = len(election.candidates)
    winners = [a for a in range(n) if all(d[a][b] > d[b][a] for b in range(n) if b != a)]
    result = count(election, Rules("schulze", ties=SEEDED))
    if winners:
        assert result.winners == (election.candidates[winners[0]],)
