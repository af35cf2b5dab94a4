"""Breaking ties through an injected, logged policy; never a prompt.

Each rule first applies its own look-back: ERS97 5.2.3/5.2.5/5.6.2 take the
candidates' votes "at the first stage or at the earliest point in the count
... where they had unequal votes" (``"forward"``); the Scottish order (SSI
2007/42 r.48(3), r.50(3)) uses the most recent preceding stage at which they
were unequal (``"backward"``). What the look-back leaves undecided goes to
the policy: a declared order, or a draw by lot from a published seed. With
neither, the count stops with :class:`~tellers.errors.CountingError` rather
than decide silently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from tellers.counting.result import Event
from tellers.errors import CountingError

__all__ = ["LookBack", "TieBreak", "TiePolicy", "break_tie", "settle_tie", "tie_event"]

LookBack = Literal["forward", "backward", "none"]


@dataclass(frozen=True)
class TiePolicy:
    """What decides a tie the rule's own steps leave open.

    ``order`` lists candidate names, most favoured first: the candidate
    listed *later* loses an exclusion tie and the one listed earlier wins an
    election or surplus tie. ``seed`` draws by lot: each tied candidate gets
    the SHA-256 of ``"{seed}:{stage}:{name}"`` and the lowest digest loses
    (or, for a win, the highest wins), so anyone can repeat the draw.
    ``lookback`` overrides the rule's own look-back when not ``None``.
    With ``pick_first`` the order is instead a picking order, as in Droop's
    ``[tie]`` line: the candidate listed first is the one picked, whether
    to win or to be excluded.
    """

    order: tuple[str, ...] | None = None
    seed: int | None = None
    lookback: LookBack | None = None
    pick_first: bool = False


@dataclass(frozen=True)
class TieBreak:
    """How one tie was broken, for the event log."""

    chosen: int
    tied: tuple[int, ...]
    method: str
    """``"look-back"``, ``"declared order"`` or ``"lot (seed N)"``."""


def _digest(seed: int, stage: int, name: str) -> bytes:
    return hashlib.sha256(f"{seed}:{stage}:{name}".encode()).digest()


def break_tie(
    tied: Sequence[int],
    *,
    lowest: bool,
    stage: int,
    names: Sequence[str],
    history: Sequence[Sequence[Fraction | int]],
    lookback: LookBack,
    policy: TiePolicy,
    purpose: str,
) -> TieBreak:
    """Pick one of ``tied``: the one with fewest votes if ``lowest`` else most.

    ``history[s][c]`` is candidate ``c``'s vote after stage ``s`` (stage 0
    first), for the look-back.
    """
    group = sorted(set(tied))
    mode = policy.lookback if policy.lookback is not None else lookback
    if mode != "none" and history:
        stages = range(len(history)) if mode == "forward" else range(len(history) - 1, -1, -1)
        for s in stages:
            row = history[s]
            vals = {c: row[c] for c in group}
            best = min(vals.values()) if lowest else max(vals.values())
            pick = [c for c in group if vals[c] == best]
            if len(pick) < len(group):
                group = pick
                if len(group) == 1:
                    return TieBreak(group[0], tuple(sorted(set(tied))), "look-back")
    if policy.order is not None:
        position = {n: i for i, n in enumerate(policy.order)}
        missing = [names[c] for c in group if names[c] not in position]
        if missing:
            raise CountingError(f"tie order does not name {', '.join(missing)}")
        key = sorted(group, key=lambda c: position[names[c]])
        chosen = key[-1] if lowest and not policy.pick_first else key[0]
        return TieBreak(chosen, tuple(sorted(set(tied))), "declared order")
    if policy.seed is not None:
        seed = policy.seed
        ranked = sorted(group, key=lambda c: _digest(seed, stage, names[c]))
        chosen = ranked[0] if lowest else ranked[-1]
        return TieBreak(chosen, tuple(sorted(set(tied))), f"lot (seed {seed})")
    raise CountingError(
        f"stage {stage}: tie for {purpose} between "
        f"{', '.join(names[c] for c in group)}; give a tie order or a seed for the draw"
    )


def settle_tie(
    events: list[Event],
    tied: Sequence[int],
    *,
    lowest: bool,
    stage: int,
    names: Sequence[str],
    history: Sequence[Sequence[Fraction | int]],
    lookback: LookBack,
    policy: TiePolicy,
    purpose: str,
) -> int:
    """``break_tie``, with the tie break recorded in ``events``; the chosen candidate."""
    tb = break_tie(
        tied,
        lowest=lowest,
        stage=stage,
        names=names,
        history=history,
        lookback=lookback,
        policy=policy,
        purpose=purpose,
    )
    events.append(tie_event(stage, tb, names))
    return tb.chosen


def tie_event(stage: int, tb: TieBreak, names: Sequence[str]) -> Event:
    """The event-log entry recording ``tb``."""
    return Event(
        stage,
        "tie",
        tuple(names[c] for c in tb.tied),
        f"{names[tb.chosen]} chosen by {tb.method}",
    )
