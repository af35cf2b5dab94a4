"""Scottish local-government STV: weighted inclusive Gregory.

The Scottish Local Government Elections Order 2007 (SSI 2007/42),
Schedule 1 rules 45-52: quota floor(valid / (seats + 1)) + 1 (r.46); every
paper of an elected candidate passes on at its value times surplus over the
candidate's total, to 5 decimal places ignoring the remainder (r.48); the
largest surplus first, ties by the most recent stage at which the
candidates' votes were unequal, then lot (r.48(3)); no surplus deferral;
exclusion of the lowest, all papers at their current value in one stage
(r.50); when the continuing candidates equal the vacancies they are elected
(r.51). Arithmetic: fixed, 5 decimals.
"""

from __future__ import annotations

from fractions import Fraction

from tellers.counting.arithmetic import Arithmetic
from tellers.counting.ballots import BallotOptions, Election, group_ballots
from tellers.counting.result import Event, Result
from tellers.counting.rules import Rules
from tellers.counting.stv_common import Parcel, StvCount

__all__ = ["ARITHMETIC", "count_scottish"]

ARITHMETIC = Arithmetic("fixed", 5)


def count_scottish(
    election: Election, rules: Rules, options: BallotOptions, places: int = 5
) -> Result:
    """Count ``election`` under SSI 2007/42 (``places`` decimals, 5 by statute)."""
    scale = 10**places
    seats = rules.seats or election.seats
    st = StvCount(election.candidates, seats, scale, election.withdrawn, rules.ties, "backward")
    piles, total = st.first_preferences(
        group_ballots(election.ballots, options, election.withdrawn)
    )
    quota = (total // (seats + 1) + 1) * scale
    st.events.append(Event(1, "quota", (), "floor(valid/(seats+1)) + 1", st.fraction(quota)))
    pending: list[int] = []

    def elect_reached() -> None:
        reached = [c for c in st.hopeful() if st.votes[c] >= quota]
        for c in st.order_by_votes(reached, lowest=False, purpose="order of election"):
            if st.remaining() > 0:
                st.elect(c, "reached the quota")
                pending.append(c)

    elect_reached()
    st.record("First preferences", quota)
    while st.remaining() > 0:
        hopeful = st.hopeful()
        if len(hopeful) <= st.remaining():
            for c in st.order_by_votes(hopeful, lowest=False, purpose="order of election"):
                st.elect(c, "continuing candidates equal the vacancies (r.51)")
            break
        with_surplus = [c for c in pending if st.votes[c] > quota]
        if with_surplus:
            c = st.order_by_votes(with_surplus, lowest=False, purpose="surplus")[0]
            pending.remove(c)
            _transfer_surplus(st, piles, c, quota)
            elect_reached()
            st.record(f"Surplus of {st.names[c]}", quota)
            continue
        pending.clear()
        low = st.order_by_votes(hopeful, lowest=True, purpose="exclusion")[0]
        st.status[low] = "excluded"
        st.events.append(
            Event(
                st.stage, "excluded", (st.names[low],), "fewest votes", st.fraction(st.votes[low])
            )
        )
        _move(st, piles, low, None)
        elect_reached()
        st.record(f"Exclusion of {st.names[low]}", quota)
    return Result(
        method="stv-scottish",
        candidates=st.names,
        seats=seats,
        winners=tuple(st.names[c] for c in st.elected),
        rounds=tuple(st.rounds),
        events=tuple(st.events),
        arithmetic=Arithmetic("fixed", places),
        valid_votes=Fraction(total),
        quota=st.fraction(quota),
    )


def _transfer_surplus(st: StvCount, piles: dict[int, list[Parcel]], c: int, quota: int) -> None:
    """SSI 2007/42 r.48: all papers, each at value x surplus / total, truncated."""
    surplus = st.votes[c] - quota
    held = st.votes[c]
    before = st.exhausted
    moved = _move(st, piles, c, (surplus, held))
    st.votes[c] = quota
    st.lost += surplus - moved - (st.exhausted - before)
    st.events.append(Event(st.stage, "surplus", (st.names[c],), "", st.fraction(surplus)))


def _move(
    st: StvCount, piles: dict[int, list[Parcel]], c: int, ratio: tuple[int, int] | None
) -> int:
    """Pass ``c``'s papers on; with ``ratio`` their values are scaled by it (truncated).

    Returns the value credited to continuing candidates.
    """
    credited = 0
    for p in piles.pop(c, []):
        if ratio is not None:
            p.value = p.value * ratio[0] // ratio[1]
            if p.value == 0:
                continue
        amount = p.count * p.value
        d = st.next_pref(p)
        if d >= 0:
            piles[d].append(p)
            st.votes[d] += amount
            credited += amount
        else:
            st.exhausted += amount
    if ratio is None:
        st.votes[c] = 0
    return credited
