"""STV under the Electoral Reform Society's 1997 rules (ERS97).

Quota: valid votes / (seats + 1) to 2 decimals, rounded up (5.1.6), and
recalculated without non-transferable votes until someone is elected
(5.4.8). A candidate is deemed elected on reaching the quota or the total
active vote over one more than the places left (5.1.7(b), 5.3.13, 5.4.9).
Surpluses: largest first, ties by the earliest stage of unequal votes
(5.2.3); deferred while they could not save the lowest candidates (5.2.2);
only the last batch of papers is examined (5.3.2), at the surplus over the
transferable papers, 2 decimals, remainder ignored (5.3.7). Exclusion: as
many of the lowest together as 5.2.5 allows, papers in batches of
descending value, each batch a sub-stage (5.4). Arithmetic: fixed, 2 decimals.
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

from tellers.counting.arithmetic import Arithmetic, ceil_div
from tellers.counting.ballots import BallotOptions, Election, group_ballots
from tellers.counting.result import Event, Result
from tellers.counting.rules import Rules
from tellers.counting.stv_common import Parcel, StvCount

__all__ = ["ARITHMETIC", "count_ers97"]

ARITHMETIC = Arithmetic("fixed", 2)
_SCALE = 100


def count_ers97(election: Election, rules: Rules, options: BallotOptions) -> Result:
    """Count ``election`` under ERS97 (see module docstring)."""
    seats = rules.seats or election.seats
    st = StvCount(election.candidates, seats, _SCALE, election.withdrawn, rules.ties, "forward")
    # batches[c] is a list of batches, each a list of parcels, in order received.
    batches: dict[int, list[list[Parcel]]] = defaultdict(list)
    first, total = st.first_preferences(
        group_ballots(election.ballots, options, election.withdrawn)
    )
    for c, ps in first.items():
        batches[c].append(ps)
    valid = total * _SCALE
    quota = ceil_div(valid, seats + 1)
    st.events.append(Event(1, "quota", (), "valid votes / (seats + 1), 5.1.6", st.fraction(quota)))
    pending: list[int] = []
    state = {"quota": quota}

    def surplus_of(c: int) -> int:
        return max(0, st.votes[c] - state["quota"])

    def deem_elected() -> None:
        # 5.4.8: until someone is elected the quota ignores non-transferable votes.
        if not st.elected:
            q = ceil_div(valid - st.exhausted - st.lost, seats + 1)
            if q != state["quota"]:
                state["quota"] = q
                st.events.append(
                    Event(st.stage, "quota", (), "recalculated (5.4.8)", st.fraction(q))
                )
        while st.remaining() > 0:
            active = sum(st.votes[c] for c in st.hopeful()) + sum(surplus_of(c) for c in pending)
            thresh = min(state["quota"], ceil_div(active, st.remaining() + 1))
            thresh = max(thresh, 1)
            reached = [c for c in st.hopeful() if st.votes[c] >= thresh]
            if not reached:
                return
            for c in st.order_by_votes(reached, lowest=False, purpose="order of election"):
                if st.remaining() == 0:
                    return
                why = (
                    "reached the quota"
                    if st.votes[c] >= state["quota"]
                    else ("reached the active vote / (places left + 1), 5.1.7(b)")
                )
                st.elect(c, why)
                pending.append(c)

    deem_elected()
    st.record("First preferences", state["quota"])
    while st.remaining() > 0:
        hopeful = st.hopeful()
        if len(hopeful) <= st.remaining():
            for c in st.order_by_votes(hopeful, lowest=False, purpose="order of election"):
                st.elect(c, "continuing candidates equal the places left (5.5.1)")
            break
        surpluses = [c for c in pending if surplus_of(c) > 0]
        total_surplus = sum(surplus_of(c) for c in surpluses)
        losers = _sure_losers(st, hopeful, total_surplus)
        if surpluses and not losers:
            c = st.order_by_votes(surpluses, lowest=False, purpose="surplus")[0]
            pending.remove(c)
            _transfer_surplus(st, batches, c, state["quota"])
            deem_elected()
            st.record(f"Surplus of {st.names[c]}", state["quota"])
            continue
        if surpluses:
            st.events.append(
                Event(
                    st.stage,
                    "deferred",
                    tuple(st.names[c] for c in surpluses),
                    "surpluses cannot alter the exclusion (5.2.2)",
                    st.fraction(total_surplus),
                )
            )
        if not losers:
            losers = st.order_by_votes(hopeful, lowest=True, purpose="exclusion")[:1]
        if len(hopeful) - len(losers) <= st.remaining():
            for c in losers:
                st.status[c] = "excluded"
            st.events.append(Event(st.stage, "excluded", tuple(st.names[c] for c in losers)))
            rest = [c for c in hopeful if c not in losers]
            for c in st.order_by_votes(rest, lowest=False, purpose="order of election"):
                st.elect(c, "continuing candidates equal the places left (5.5.1)")
            st.record(_exclusion_label(st, losers), state["quota"])
            break
        _exclude(st, batches, losers, deem_elected, state)
    return Result(
        method="stv-ers97",
        candidates=st.names,
        seats=seats,
        winners=tuple(st.names[c] for c in st.elected),
        rounds=tuple(st.rounds),
        events=tuple(st.events),
        arithmetic=ARITHMETIC,
        valid_votes=Fraction(total),
        quota=st.fraction(quota),
    )


def _exclusion_label(st: StvCount, losers: list[int]) -> str:
    return "Exclusion of " + ", ".join(st.names[c] for c in losers)


def _sure_losers(st: StvCount, hopeful: list[int], surplus: int) -> list[int]:
    """The largest group of lowest candidates 5.2.5 lets us exclude together.

    The group's votes plus the deferred surpluses must not exceed the next
    candidate's; a group never splits candidates with equal votes, and
    enough candidates must remain to fill the places (5.2.5(a)).
    """
    order = sorted(hopeful, key=lambda c: st.votes[c])
    best: list[int] = []
    running = 0
    for k in range(len(order) - 1):
        running += st.votes[order[k]]
        if len(order) - (k + 1) < st.remaining():
            break
        nxt = st.votes[order[k + 1]]
        if running + surplus <= nxt and st.votes[order[k]] < nxt:
            best = order[: k + 1]
    return best


def _transfer_surplus(
    st: StvCount, batches: dict[int, list[list[Parcel]]], c: int, quota: int
) -> None:
    """5.3: the last batch received, at surplus / transferable papers (5.3.7)."""
    surplus = st.votes[c] - quota
    last = batches[c][-1] if batches[c] else []
    moving: list[tuple[int, Parcel]] = []
    stuck = 0
    for p in last:
        d = st.next_pref(p)
        if d >= 0:
            moving.append((d, p))
        else:
            stuck += p.count
    papers = sum(p.count for _, p in moving)
    value = sum(p.count * p.value for _, p in moving)
    new: dict[int, list[Parcel]] = defaultdict(list)
    credited = 0
    if papers and value > surplus:
        tv = surplus // papers
        for _, p in moving:
            p.value = tv
    for d, p in moving:
        if p.value == 0:
            continue
        new[d].append(p)
        st.votes[d] += p.count * p.value
        credited += p.count * p.value
    for d, ps in new.items():
        batches[d].append(ps)
    st.votes[c] = quota
    if value > surplus:
        st.lost += surplus - credited
    else:
        st.exhausted += surplus - credited
    st.events.append(
        Event(
            st.stage,
            "surplus",
            (st.names[c],),
            f"{papers} transferable papers, {stuck} non-transferable",
            st.fraction(surplus),
        )
    )


def _exclude(
    st: StvCount,
    batches: dict[int, list[list[Parcel]]],
    losers: list[int],
    deem_elected: object,
    state: dict[str, int],
) -> None:
    """5.4: exclude ``losers``; each batch of one value is a sub-stage."""
    assert callable(deem_elected)
    for c in losers:
        st.status[c] = "excluded"
    st.events.append(Event(st.stage, "excluded", tuple(st.names[c] for c in losers)))
    by_value: dict[int, list[tuple[int, Parcel]]] = defaultdict(list)
    for c in losers:
        for batch in batches.pop(c, []):
            for p in batch:
                by_value[p.value].append((c, p))
    label = _exclusion_label(st, losers)
    values = sorted(by_value, reverse=True)
    if not values:
        deem_elected()
        st.record(label, state["quota"])
        return
    for v in values:
        new: dict[int, list[Parcel]] = defaultdict(list)
        for src, p in by_value[v]:
            st.votes[src] -= p.count * p.value
            d = st.next_pref(p)
            if d >= 0:
                new[d].append(p)
                st.votes[d] += p.count * p.value
            else:
                st.exhausted += p.count * p.value
        for d, ps in new.items():
            batches[d].append(ps)
        deem_elected()
        part = f" (papers at {st.fraction(v)})" if len(values) > 1 else ""
        st.record(label + part, state["quota"])
        if st.remaining() == 0:
            return
