"""Condorcet ranking by the Schulze method (Schulze, "A new monotonic,
clone-independent ... single-winner election method", Social Choice and
Welfare 36, 2011, section 2; Debian constitution A.6).

``d[a][b]`` counts the papers ranking ``a`` above ``b``; candidates a paper
leaves unranked sit below all it ranks (Debian A.6(2)) unless
``rules.unranked_last`` is off, when that paper says nothing about them.
Strongest paths by widest path (Floyd-Warshall); ``a`` beats ``b`` when
``p[a][b] > p[b][a]``. Winners are those nobody beats; the ranking orders
candidates by how many they beat. Arithmetic: whole votes.
"""

from __future__ import annotations

from fractions import Fraction

from tellers.counting.arithmetic import Arithmetic
from tellers.counting.ballots import OVERVOTE, Election
from tellers.counting.result import Event, Result, Round
from tellers.counting.rules import Rules
from tellers.counting.ties import settle_tie

__all__ = ["ARITHMETIC", "count_schulze", "pairwise", "strongest_paths"]

ARITHMETIC = Arithmetic("integer")


def pairwise(election: Election, unranked_last: bool = True) -> list[list[int]]:
    """``d[a][b]``: papers preferring ``a`` to ``b`` (equal ranks prefer neither)."""
    n = len(election.candidates)
    d = [[0] * n for _ in range(n)]
    standing = [c for c in range(n) if c not in election.withdrawn]
    for b in election.ballots:
        level: dict[int, int] = {}
        for i, group in enumerate(b.ranks):
            for c in group:
                if c != OVERVOTE and c not in level and c not in election.withdrawn:
                    level[c] = i
        if unranked_last:
            bottom = len(b.ranks)
            for c in standing:
                level.setdefault(c, bottom)
        for x, lx in level.items():
            for y, ly in level.items():
                if lx < ly:
                    d[x][y] += b.weight
    return d


def strongest_paths(d: list[list[int]], standing: list[int]) -> list[list[int]]:
    """Widest paths ``p[a][b]`` over the defeats in ``d`` (Schulze 2.3)."""
    n = len(d)
    p = [[0] * n for _ in range(n)]
    for i in standing:
        for j in standing:
            if i != j and d[i][j] > d[j][i]:
                p[i][j] = d[i][j]
    for i in standing:
        for j in standing:
            if i == j:
                continue
            for k in standing:
                if k != i and k != j:
                    p[j][k] = max(p[j][k], min(p[j][i], p[i][k]))
    return p


def count_schulze(election: Election, rules: Rules) -> Result:
    """Rank ``election``'s candidates by Schulze; winners are the unbeaten."""
    names = election.candidates
    n = len(names)
    standing = [c for c in range(n) if c not in election.withdrawn]
    d = pairwise(election, rules.unranked_last)
    p = strongest_paths(d, standing)
    beats = {c: sum(1 for o in standing if o != c and p[c][o] > p[o][c]) for c in standing}
    levels = sorted(set(beats.values()), reverse=True)
    ranking = tuple(tuple(names[c] for c in standing if beats[c] == lv) for lv in levels)
    unbeaten = [c for c in standing if all(p[c][o] >= p[o][c] for o in standing if o != c)]
    events: list[Event] = []
    winner = unbeaten[0]
    if len(unbeaten) > 1:
        winner = settle_tie(
            events,
            unbeaten,
            lowest=False,
            stage=1,
            names=names,
            history=[],
            lookback="none",
            policy=rules.ties,
            purpose="the Schulze winner",
        )
    events.append(Event(1, "elected", (names[winner],), "beaten by no one (Schulze 2.3)"))
    total = sum(b.weight for b in election.ballots)
    return Result(
        method="schulze",
        candidates=names,
        seats=1,
        winners=(names[winner],),
        rounds=(
            Round(
                number=1,
                action="Pairwise wins (candidates beaten)",
                votes=tuple(Fraction(beats.get(c, 0)) for c in range(n)),
                exhausted=Fraction(0),
            ),
        ),
        events=tuple(events),
        arithmetic=ARITHMETIC,
        valid_votes=Fraction(total),
        ranking=ranking,
    )
