"""Multi-winner ranked-choice voting with fractional surplus transfer, as RCTab counts it.

RCTab's ``winnerElectionMode`` ``multiWinnerAllowMultipleWinnersPerRound``
(``Rules.irv_mode == "multi-winner"``) and
``multiWinnerAllowOnlyOneWinnerPerRound`` (``"multi-winner-one-per-round"``),
as in RCTab's ``Tabulator.tabulate``, ``setWinningThreshold``,
``identifyWinners``, ``updateWinnerTallies`` and
``CastVoteRecord.recordCurrentRecipientAsWinner`` (the rules of the US
cities whose results the RCTab test cases reproduce):

1. Every round each paper counts, at its current value, for its first
   continuing preference; marks are read as for single-seat IRV.
2. The threshold is fixed from the first round's active votes ``A``: the
   Droop quota ``floor(A / (seats + 1)) + u`` or, with ``hare_quota``,
   ``ceil(A / seats)``, where the unit ``u`` is one vote, or one unit of the
   last decimal place with ``fractional_threshold``.
3. No one is elected while undeclared write-ins hold votes. Otherwise,
   when the continuing candidates are no more than the seats left they are
   all elected; else everyone with at least the threshold is elected (only
   the highest, ties by the policy, in the one-winner-per-round mode).
4. A winner with ``T`` votes has surplus fraction ``(T - threshold) / T``,
   truncated to ``vote_places`` decimals. Each of their papers passes on its
   value times that fraction, truncated, and leaves the rest with the
   winner; in the next round the winner's total is set back to the
   threshold and the excess left by truncation (RCTab's "residual
   surplus") is recorded as lost.
5. A round that elects no one excludes as single-seat IRV does
   (:func:`tellers.counting.irv.to_exclude`).

A final round shows the last surpluses transferred. Arithmetic: fixed,
``Rules.vote_places`` decimals (RCTab ``decimalPlacesForVoteArithmetic``,
4 by default), every division and product truncated (RCTab's
``RoundingMode.DOWN``); thresholds as step 2 says.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from tellers.counting.arithmetic import Arithmetic, ceil_div
from tellers.counting.ballots import BallotOptions, Election
from tellers.counting.irv import next_choice, to_exclude
from tellers.counting.result import Event, Result, Round
from tellers.counting.rules import Rules
from tellers.counting.ties import settle_tie

__all__ = ["count_irv_multi", "threshold"]


def threshold(active: int, seats: int, scale: int, *, hare: bool, fractional: bool) -> int:
    """The winning threshold for ``active`` votes (all figures scaled by ``scale``).

    RCTab ``setWinningThreshold``: Droop rounds down to the unit then adds
    one unit ("greater than"); Hare rounds up ("at least").
    """
    unit = 1 if fractional else scale
    if hare:
        return ceil_div(active, seats * unit) * unit
    return active // ((seats + 1) * unit) * unit + unit


def count_irv_multi(election: Election, rules: Rules, options: BallotOptions) -> Result:
    """Count ``election`` by RCTab's multi-winner rules (see module docstring)."""
    seats = rules.seats or election.seats
    names = election.candidates
    n = len(names)
    scale = 10**rules.vote_places
    write_in = names.index(rules.write_in) if rules.write_in in names else -1
    grouped: Counter[tuple[tuple[int, ...], ...]] = Counter()
    for b in election.ballots:
        grouped[b.ranks] += b.weight
    papers = sorted((r, w) for r, w in grouped.items() if w)
    total = sum(w for _, w in papers) * scale
    hopeful = {c for c in range(n) if c not in election.withdrawn}
    value = [scale] * len(papers)
    holder = [-1] * len(papers)
    cursor = [-1] * len(papers)
    exhausted = 0
    for i, (ranks, w) in enumerate(papers):
        holder[i], cursor[i] = next_choice(ranks, -1, hopeful, options)
        if holder[i] < 0:
            exhausted += w * scale
    elected: list[int] = []
    kept: dict[int, int] = {}
    just: list[int] = []
    lost = 0
    quota = 0
    rounds: list[Round] = []
    events: list[Event] = []
    history: list[list[int]] = []
    action = "First choices"
    while True:
        stage = len(rounds) + 1
        for i, (ranks, w) in enumerate(papers):
            if holder[i] >= 0 and holder[i] not in hopeful:
                holder[i], cursor[i] = next_choice(ranks, cursor[i], hopeful, options)
                if holder[i] < 0:
                    exhausted += w * value[i]
        votes = [0] * n
        for i, (_, w) in enumerate(papers):
            if holder[i] >= 0:
                votes[holder[i]] += w * value[i]
        if not rounds:
            active = sum(votes)
            quota = threshold(
                active, seats, scale, hare=rules.hare_quota, fractional=rules.fractional_threshold
            )
            how = "active votes / seats" if rules.hare_quota else "active votes / (seats + 1)"
            events.append(Event(1, "quota", (), how, Fraction(quota, scale)))
        for c in just:
            if kept[c] > quota:
                events.append(
                    Event(
                        stage, "surplus", (names[c],), "residual", Fraction(kept[c] - quota, scale)
                    )
                )
                lost += kept[c] - quota
                kept[c] = quota
        for c in elected:
            votes[c] = kept[c]
        history.append(votes)
        status = tuple(
            "elected"
            if c in kept
            else "hopeful"
            if c in hopeful
            else "withdrawn"
            if c in election.withdrawn
            else "excluded"
            for c in range(n)
        )
        rounds.append(
            Round(
                stage,
                action,
                tuple(Fraction(v, scale) for v in votes),
                Fraction(exhausted, scale),
                Fraction(lost, scale),
                Fraction(quota, scale),
                status,
            )
        )
        running = hopeful - {write_in}
        if len(elected) >= seats or not running:
            break
        if rules.stop_after_round is not None and stage >= rules.stop_after_round:
            break
        won = _winners(
            rules,
            seats - len(elected),
            running,
            votes,
            quota,
            write_in,
            stage,
            names,
            history,
            events,
        )
        just = won
        if won:
            for c in won:
                hopeful.discard(c)
                elected.append(c)
                surplus = votes[c] - quota
                fraction = surplus * scale // votes[c] if surplus > 0 else 0
                events.append(
                    Event(
                        stage,
                        "elected",
                        (names[c],),
                        f"surplus fraction {Fraction(fraction, scale)}",
                        Fraction(votes[c], scale),
                    )
                )
                kept[c] = 0
                for i, (_, w) in enumerate(papers):
                    if holder[i] == c:
                        passed = value[i] * fraction // scale
                        kept[c] += w * (value[i] - passed)
                        value[i] = passed
            action = "Surplus of " + ", ".join(names[c] for c in won)
            if len(elected) == seats and hopeful:
                # Seats filled: the rest are defeated, so the last surpluses exhaust.
                events.append(
                    Event(
                        stage, "excluded", tuple(names[c] for c in sorted(hopeful)), "seats filled"
                    )
                )
                hopeful.clear()
            elif len(elected) < seats and not hopeful - {write_in}:
                break  # fewer candidates than seats: all elected, nothing left to transfer to
            continue
        out = to_exclude(rules, hopeful, votes, write_in, stage, names, history[:-1], events)
        events.append(Event(stage, "excluded", tuple(names[c] for c in out)))
        hopeful.difference_update(out)
        action = "Exclusion of " + ", ".join(names[c] for c in out)
    return Result(
        method="irv",
        candidates=names,
        seats=seats,
        winners=tuple(names[c] for c in elected),
        rounds=tuple(rounds),
        events=tuple(events),
        arithmetic=Arithmetic("fixed", rules.vote_places),
        valid_votes=Fraction(total, scale),
        quota=Fraction(quota, scale),
    )


def _winners(
    rules: Rules,
    left: int,
    running: set[int],
    votes: list[int],
    quota: int,
    write_in: int,
    stage: int,
    names: tuple[str, ...],
    history: list[list[int]],
    events: list[Event],
) -> list[int]:
    """Who is elected this round (step 3), highest first (equal votes by index)."""
    if write_in >= 0 and votes[write_in] > 0:
        return []
    everyone = len(running) <= left
    won = [c for c in running if everyone or votes[c] >= quota]
    won.sort(key=lambda c: (-votes[c], c))
    if rules.irv_mode != "multi-winner-one-per-round" or len(won) <= 1:
        return won[:left]
    # One winner per round: the highest; the others wait for later rounds.
    tied = [c for c in won if votes[c] == votes[won[0]]]
    if len(tied) == 1:
        return tied
    winner = settle_tie(
        events,
        tied,
        lowest=False,
        stage=stage,
        names=names,
        history=history[:-1],
        lookback="backward",
        policy=rules.ties,
        purpose="the one winner of the round",
    )
    return [winner]
