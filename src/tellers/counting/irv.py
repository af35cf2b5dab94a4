"""Instant-runoff voting, with the ballot rules US cities publish (RCTab).

One seat: count each paper for its first usable preference; a candidate
with more than half the continuing votes wins; otherwise the lowest is
excluded (or, with batch elimination, every lowest group whose combined
votes cannot overtake the next candidate) and their papers pass on.
Several seats: repeated IRV without earlier winners (``"sequential"``),
exclusion until only the seats' worth remain (``"bottoms-up"``), or
RCTab's multi-winner count with surplus transfers (``irv_multi``).
Undeclared write-ins never win: while they hold votes no one is elected
and they are excluded first (RCTab ``identifyWinners``,
``dropUndeclaredWriteIns``). Arithmetic: whole votes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from fractions import Fraction

from tellers.counting.arithmetic import Arithmetic
from tellers.counting.ballots import OVERVOTE, BallotOptions, Election
from tellers.counting.result import Event, Result, Round
from tellers.counting.rules import Rules
from tellers.counting.ties import settle_tie

__all__ = ["ARITHMETIC", "count_irv", "next_choice", "to_exclude"]

ARITHMETIC = Arithmetic("integer")


def next_choice(
    ranks: Sequence[tuple[int, ...]],
    start: int,
    continuing: set[int] | frozenset[int],
    options: BallotOptions,
) -> tuple[int, int]:
    """The paper's next usable preference after rank index ``start``.

    Returns ``(candidate, rank index)``, or ``(-1, -1)`` when the paper is
    exhausted. Blank ranks are counted from the last marked rank, so a gap
    longer than ``options.max_skipped`` exhausts the paper.
    """
    blanks = 0
    limit = len(ranks) if options.max_rankings is None else min(len(ranks), options.max_rankings)
    for i in range(start + 1, limit):
        group = ranks[i]
        if not group:
            blanks += 1
            continue
        if options.max_skipped is not None and blanks > options.max_skipped:
            return -1, -1
        blanks = 0
        if len(group) > 1 or group[0] == OVERVOTE:
            if options.overvote == "skip":
                continue
            if options.overvote == "exhaust-if-multiple":
                live = [c for c in group if c in continuing]
                if len(live) > 1 or OVERVOTE in group:
                    return -1, -1
                if live:
                    return live[0], i
                continue
            return -1, -1
        cand = group[0]
        if any(cand in ranks[j] for j in range(i)):
            if options.duplicate == "exhaust":
                return -1, -1
            continue
        if cand in continuing:
            return cand, i
    return -1, -1


def count_irv(election: Election, rules: Rules, options: BallotOptions) -> Result:
    """Count ``election`` by IRV under ``rules`` (see module docstring)."""
    if rules.irv_mode in ("multi-winner", "multi-winner-one-per-round"):
        from tellers.counting.irv_multi import count_irv_multi

        return count_irv_multi(election, rules, options)
    seats = rules.seats or election.seats
    names = election.candidates
    groups: Counter[tuple[tuple[int, ...], ...]] = Counter()
    for b in election.ballots:
        groups[b.ranks] += b.weight
    papers = sorted((r, w) for r, w in groups.items() if w)
    rounds: list[Round] = []
    events: list[Event] = []
    history: list[list[int]] = []
    winners: list[int] = []
    barred = set(election.withdrawn)
    write_in = names.index(rules.write_in) if rules.write_in in names else -1
    while len(winners) < seats:
        hopeful = {c for c in range(len(names)) if c not in barred and c not in winners}
        if not hopeful:
            break
        won = _one_pass(
            election,
            rules,
            options,
            papers,
            hopeful,
            seats - len(winners),
            write_in,
            rounds,
            events,
            history,
        )
        winners.extend(won)
        if rules.irv_mode != "sequential" or not won:
            break
        # Sequential IRV: each winner stands aside and the count starts again.
    return Result(
        method="irv",
        candidates=names,
        seats=seats,
        winners=tuple(names[c] for c in winners),
        rounds=tuple(rounds),
        events=tuple(events),
        arithmetic=ARITHMETIC,
        valid_votes=Fraction(sum(w for _, w in papers)),
    )


def _one_pass(
    election: Election,
    rules: Rules,
    options: BallotOptions,
    papers: list[tuple[tuple[tuple[int, ...], ...], int]],
    hopeful: set[int],
    seats: int,
    write_in: int,
    rounds: list[Round],
    events: list[Event],
    history: list[list[int]],
) -> list[int]:
    names = election.candidates
    n = len(names)
    total = sum(w for _, w in papers)
    pile: dict[int, list[int]] = {c: [] for c in hopeful}
    cursor = [-1] * len(papers)
    exhausted = 0
    for i, (ranks, w) in enumerate(papers):
        c, at = next_choice(ranks, -1, hopeful, options)
        cursor[i] = at
        if c < 0:
            exhausted += w
        else:
            pile[c].append(i)
    history.clear()
    mode = rules.irv_mode
    cutoff: Fraction | None = None
    while True:
        votes = [0] * n
        for c in hopeful:
            votes[c] = sum(papers[i][1] for i in pile[c])
        history.append(votes)
        stage = len(rounds) + 1
        live = sum(votes[c] for c in hopeful)
        share = rules.bottoms_up_threshold
        fixed = cutoff is not None and rules.threshold_from_first_round
        if mode == "bottoms-up" and share is not None and not fixed:
            cutoff = share * live
        rounds.append(
            Round(
                number=stage,
                action="First choices" if len(history) == 1 else "After exclusion",
                votes=tuple(Fraction(v) for v in votes),
                exhausted=Fraction(total - live),
                quota=Fraction(live // 2 + 1) if mode != "bottoms-up" else cutoff,
                status=tuple(
                    "hopeful"
                    if c in hopeful
                    else ("withdrawn" if c in election.withdrawn else "excluded")
                    for c in range(n)
                ),
            )
        )
        if rules.stop_after_round is not None and len(history) >= rules.stop_after_round:
            return []
        if not hopeful - {write_in}:
            return []
        leader = max(hopeful - {write_in}, key=lambda c: (votes[c], -c))
        held = write_in in hopeful and votes[write_in] > 0  # no one wins while write-ins hold votes
        if mode == "bottoms-up":
            above = all(cutoff is None or votes[c] > cutoff for c in hopeful)
            if not held and len(hopeful) <= seats and above:
                order = sorted(hopeful, key=lambda c: (-votes[c], c))
                for c in order:
                    events.append(Event(stage, "elected", (names[c],), "remaining"))
                return order
        elif not held:
            majority = 2 * votes[leader] > live
            if len(hopeful) == 1 or (
                majority and (not rules.continue_until_two or len(hopeful) <= 2)
            ):
                tied = [c for c in hopeful - {write_in} if votes[c] == votes[leader]]
                if len(tied) > 1:
                    leader = settle_tie(
                        events,
                        tied,
                        lowest=False,
                        stage=stage,
                        names=names,
                        history=history,
                        lookback="none",
                        policy=rules.ties,
                        purpose="the win",
                    )
                events.append(
                    Event(
                        stage,
                        "elected",
                        (names[leader],),
                        "majority of continuing votes",
                        Fraction(votes[leader]),
                    )
                )
                return [leader]
        out = to_exclude(rules, hopeful, votes, write_in, stage, names, history, events, cutoff)
        events.append(Event(stage, "excluded", tuple(names[c] for c in out)))
        moved: list[int] = []
        for c in out:
            hopeful.discard(c)
            moved.extend(pile.pop(c))
        for i in moved:
            ranks, w = papers[i]
            c, at = next_choice(ranks, cursor[i], hopeful, options)
            cursor[i] = at
            if c < 0:
                exhausted += w
            else:
                pile[c].append(i)


def to_exclude(
    rules: Rules,
    hopeful: set[int],
    votes: Sequence[int],
    write_in: int,
    stage: int,
    names: Sequence[str],
    history: Sequence[Sequence[int]],
    events: list[Event],
    cutoff: Fraction | None = None,
) -> list[int]:
    """Who goes this round, in RCTab's order of rules.

    Undeclared write-ins holding votes first; then, with
    ``rules.cutoff_elimination``, everyone not above ``cutoff`` (unless that
    is everyone); then a batch (``rules.batch_elimination``); else the lowest,
    ties by look-back to earlier rounds and then the policy (logged).
    """
    if write_in in hopeful and votes[write_in] > 0:
        return [write_in]
    if rules.cutoff_elimination and cutoff is not None:
        below = sorted(c for c in hopeful if votes[c] <= cutoff)
        if 0 < len(below) < len(hopeful):
            return below
    order = sorted(hopeful, key=lambda c: votes[c])
    if rules.batch_elimination:
        best = 0
        running = 0
        for k in range(len(order) - 1):
            running += votes[order[k]]
            if running < votes[order[k + 1]]:
                best = k + 1
        if best >= 2:
            return order[:best]
    low = votes[order[0]]
    tied = [c for c in order if votes[c] == low]
    if len(tied) == 1:
        return tied
    excluded = settle_tie(
        events,
        tied,
        lowest=True,
        stage=stage,
        names=names,
        history=history[:-1],
        lookback="backward",
        policy=rules.ties,
        purpose="exclusion",
    )
    return [excluded]
