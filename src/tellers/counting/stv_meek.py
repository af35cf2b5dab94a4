"""Meek STV (Hill, Wichmann & Woodall, "Algorithm 123", Computer Journal
30(3), 1987; the PR Foundation's reference rule).

Every elected candidate keeps a fraction ``k`` (keep factor) of each vote
that reaches them and passes the rest on; excluded candidates keep none.
Keep factors are iterated until the elected candidates' surpluses total
less than ``omega``. Quota: votes not exhausted / (seats + 1), truncated,
plus one unit of the last place (Algorithm 123 step 2). Arithmetic: fixed
decimals (9 by default, as in the reference implementation), products
rounded up so no vote is created by rounding down a keep.
"""

from __future__ import annotations

from fractions import Fraction

from tellers.counting.arithmetic import Arithmetic, ceil_div
from tellers.counting.ballots import BallotOptions, Election, group_ballots
from tellers.counting.result import Event, Result
from tellers.counting.rules import Rules
from tellers.counting.stv_common import StvCount

__all__ = ["ARITHMETIC", "count_meek"]

ARITHMETIC = Arithmetic("fixed", 9)
_MAX_ITERATIONS = 10_000


def count_meek(election: Election, rules: Rules, options: BallotOptions) -> Result:
    """Count ``election`` by Meek's method at ``rules.meek_places`` decimals."""
    places = rules.meek_places
    scale = 10**places
    omega = 10 ** max(0, places - rules.meek_omega_places)
    seats = rules.seats or election.seats
    st = StvCount(election.candidates, seats, scale, election.withdrawn, rules.ties, "backward")
    papers = _papers(election, options)
    total = sum(w for _, w in papers)
    n = len(st.names)
    keep = [0 if st.status[c] == "withdrawn" else scale for c in range(n)]
    quota = 0
    action = "First preferences"
    while True:
        quota = _iterate(st, papers, keep, scale, seats, omega)
        if not st.rounds:
            st.events.append(
                Event(1, "quota", (), "active votes / (seats + 1)", st.fraction(quota))
            )
        reached = [c for c in st.hopeful() if st.votes[c] >= quota]
        for c in st.order_by_votes(reached, lowest=False, purpose="order of election"):
            if st.remaining() > 0:
                st.elect(c, "reached the quota")
        hopeful = st.hopeful()
        if st.remaining() > 0 and len(hopeful) <= st.remaining():
            for c in st.order_by_votes(hopeful, lowest=False, purpose="order of election"):
                st.elect(c, "continuing candidates equal the places left")
        st.record(action, quota)
        if st.remaining() == 0 or not st.hopeful():
            break
        if reached:
            action = "Surpluses of " + ", ".join(st.names[c] for c in reached)
            continue
        low = st.order_by_votes(st.hopeful(), lowest=True, purpose="exclusion")[0]
        st.status[low] = "excluded"
        keep[low] = 0
        st.events.append(
            Event(
                st.stage, "excluded", (st.names[low],), "fewest votes", st.fraction(st.votes[low])
            )
        )
        action = f"Exclusion of {st.names[low]}"
    return Result(
        method="stv-meek",
        candidates=st.names,
        seats=seats,
        winners=tuple(st.names[c] for c in st.elected),
        rounds=tuple(st.rounds),
        events=tuple(st.events),
        arithmetic=Arithmetic("fixed", places),
        valid_votes=Fraction(total),
        quota=st.rounds[0].quota if st.rounds else None,
    )


def _iterate(
    st: StvCount,
    papers: list[tuple[tuple[tuple[int, ...], ...], int]],
    keep: list[int],
    scale: int,
    seats: int,
    omega: int,
) -> int:
    """Algorithm 123 steps 2-4: distribute, find the quota, adjust keep factors."""
    n = len(keep)
    quota = 0
    for _ in range(_MAX_ITERATIONS):
        votes = [0] * n
        excess = 0
        for seq, w in papers:
            rest = w * scale
            for group in seq:
                live = [c for c in group if keep[c]]
                if not live:
                    continue
                # Equal preferences share the paper's weight equally.
                share, odd = divmod(rest, len(live))
                rest = odd
                for c in live:
                    give = share if keep[c] == scale else ceil_div(share * keep[c], scale)
                    votes[c] += give
                    rest += share - give
                if rest <= 0:
                    break
            excess += max(rest, 0)
        st.votes = votes
        st.exhausted = excess
        active = sum(votes)
        quota = active // (seats + 1) + 1
        elected = st.elected
        if any(votes[c] >= quota for c in st.hopeful()):
            return quota
        surplus = sum(votes[c] - quota for c in elected if votes[c] > quota)
        if surplus < omega:
            return quota
        changed = False
        for c in elected:
            if votes[c] > 0:
                new = ceil_div(keep[c] * quota, votes[c])
                if new != keep[c]:
                    keep[c] = min(new, scale)
                    changed = True
        if not changed:
            return quota
    return quota


def _papers(
    election: Election, options: BallotOptions
) -> list[tuple[tuple[tuple[int, ...], ...], int]]:
    """Rank groups per paper; equal ranks kept when ``options.overvote == "equal"``."""
    if options.overvote != "equal":
        return [
            (tuple((c,) for c in seq), w)
            for seq, w in group_ballots(election.ballots, options, election.withdrawn)
        ]
    grouped: dict[tuple[tuple[int, ...], ...], int] = {}
    for b in election.ballots:
        ranks = tuple(
            g
            for g in (
                tuple(c for c in grp if c >= 0 and c not in election.withdrawn) for grp in b.ranks
            )
            if g
        )
        if ranks:
            grouped[ranks] = grouped.get(ranks, 0) + b.weight
    return sorted(grouped.items())
