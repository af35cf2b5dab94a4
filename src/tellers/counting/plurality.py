"""Plurality (first past the post), block vote and approval.

Plurality: each paper counts once for its first marked candidate; with
several seats (block vote) for each of its first ``seats`` distinct marked
candidates. Approval: once for every candidate marked. The ``seats``
candidates with most votes win; a tie for the last seat goes to the tie
policy and is logged. Arithmetic: whole votes.
"""

from __future__ import annotations

from fractions import Fraction

from tellers.counting.arithmetic import Arithmetic
from tellers.counting.ballots import OVERVOTE, Election
from tellers.counting.result import Event, Result, Round
from tellers.counting.rules import Rules
from tellers.counting.ties import settle_tie

__all__ = ["ARITHMETIC", "count_plurality"]

ARITHMETIC = Arithmetic("integer")


def count_plurality(election: Election, rules: Rules) -> Result:
    """Count ``election`` by plurality, block vote or approval (``rules.method``)."""
    seats = rules.seats or election.seats
    names = election.candidates
    n = len(names)
    votes = [0] * n
    blank = 0
    for b in election.ballots:
        marked: list[int] = []
        for group in b.ranks:
            overvote = (len(group) > 1 and seats == 1) or OVERVOTE in group
            if rules.method == "plurality" and overvote:
                break  # an overvote for a single seat is void
            marked.extend(c for c in group if c not in marked and c not in election.withdrawn)
        if rules.method == "plurality":
            marked = marked[:seats]
        if not marked:
            blank += b.weight
        for c in marked:
            votes[c] += b.weight
    standing = [c for c in range(n) if c not in election.withdrawn]
    order = sorted(standing, key=lambda c: -votes[c])
    events: list[Event] = []
    winners: list[int] = []
    rest = order[:]
    while len(winners) < min(seats, len(standing)):
        top = votes[rest[0]]
        tied = [c for c in rest if votes[c] == top]
        if len(tied) > seats - len(winners):
            chosen = settle_tie(
                events,
                tied,
                lowest=False,
                stage=1,
                names=names,
                history=[],
                lookback="none",
                policy=rules.ties,
                purpose="the last seat",
            )
        else:
            chosen = tied[0]
        winners.append(chosen)
        rest.remove(chosen)
        events.append(Event(1, "elected", (names[chosen],), "most votes", Fraction(votes[chosen])))
    ranking: list[tuple[str, ...]] = []
    for c in order:
        if ranking and votes[c] == votes[names.index(ranking[-1][0])]:
            ranking[-1] = (*ranking[-1], names[c])
        else:
            ranking.append((names[c],))
    total = sum(b.weight for b in election.ballots)
    return Result(
        method=rules.method,
        candidates=names,
        seats=seats,
        winners=tuple(names[c] for c in winners),
        rounds=(
            Round(
                number=1,
                action="Votes",
                votes=tuple(Fraction(v) for v in votes),
                exhausted=Fraction(blank),
                status=tuple(
                    "elected"
                    if c in winners
                    else "withdrawn"
                    if c in election.withdrawn
                    else "excluded"
                    for c in range(n)
                ),
            ),
        ),
        events=tuple(events),
        arithmetic=ARITHMETIC,
        valid_votes=Fraction(total),
        ranking=tuple(ranking),
    )
