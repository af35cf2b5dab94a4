"""Papers, piles and stage records shared by the Gregory STV rules.

Internally values are integers scaled by the rule's ``10**places``; a
*parcel* is ``count`` identical papers at one value and one position.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from tellers.counting.result import Event, Round
from tellers.counting.ties import TiePolicy, settle_tie

__all__ = ["Parcel", "StvCount"]


@dataclass
class Parcel:
    """``count`` papers with preference sequence ``seq``, now at ``seq[pos]``."""

    seq: tuple[int, ...]
    pos: int
    count: int
    value: int


@dataclass
class StvCount:
    """The mutable working state of one STV count; frozen into a Result at the end."""

    names: tuple[str, ...]
    seats: int
    scale: int
    withdrawn: frozenset[int]
    policy: TiePolicy
    lookback: str
    votes: list[int] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    elected: list[int] = field(default_factory=list)
    exhausted: int = 0
    lost: int = 0
    rounds: list[Round] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    history: list[list[int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.names)
        self.votes = [0] * n
        self.status = ["withdrawn" if c in self.withdrawn else "hopeful" for c in range(n)]

    @property
    def stage(self) -> int:
        """Number of the stage being worked (the next to be recorded)."""
        return len(self.rounds) + 1

    def hopeful(self) -> list[int]:
        """Continuing candidates (not elected, excluded or withdrawn)."""
        return [c for c, s in enumerate(self.status) if s == "hopeful"]

    def remaining(self) -> int:
        """Seats not yet filled."""
        return self.seats - len(self.elected)

    def next_pref(self, p: Parcel) -> int:
        """Advance ``p`` to its next continuing preference; -1 if none (ERS97 6.10)."""
        seq = p.seq
        status = self.status
        for i in range(p.pos + 1, len(seq)):
            if status[seq[i]] == "hopeful":
                p.pos = i
                return seq[i]
        p.pos = len(seq)
        return -1

    def first_preferences(
        self, ballots: Iterable[tuple[tuple[int, ...], int]]
    ) -> tuple[dict[int, list[Parcel]], int]:
        """Stage 1: each parcel of papers to its first continuing preference, at full value.

        ``ballots`` are (preference sequence, papers) pairs; returns the parcels on each
        candidate's pile and the number of papers. Papers with no continuing preference
        go to ``exhausted``.
        """
        piles: dict[int, list[Parcel]] = defaultdict(list)
        total = 0
        for seq, weight in ballots:
            p = Parcel(seq, -1, weight, self.scale)
            c = self.next_pref(p)
            total += weight
            if c >= 0:
                piles[c].append(p)
                self.votes[c] += weight * self.scale
            else:
                self.exhausted += weight * self.scale
        return piles, total

    def fraction(self, v: int) -> Fraction:
        """A scaled integer as an exact vote figure."""
        return Fraction(v, self.scale)

    def record(self, action: str, quota: int) -> None:
        """Close a stage: snapshot votes for the result sheet and the look-back."""
        self.history.append(list(self.votes))
        self.rounds.append(
            Round(
                number=len(self.rounds) + 1,
                action=action,
                votes=tuple(self.fraction(v) for v in self.votes),
                exhausted=self.fraction(self.exhausted),
                lost=self.fraction(self.lost),
                quota=self.fraction(quota),
                status=tuple(self.status),
            )
        )

    def elect(self, c: int, why: str) -> None:
        """Deem ``c`` elected."""
        self.status[c] = "elected"
        self.elected.append(c)
        self.events.append(
            Event(self.stage, "elected", (self.names[c],), why, self.fraction(self.votes[c]))
        )

    def order_by_votes(self, cands: Sequence[int], *, lowest: bool, purpose: str) -> list[int]:
        """``cands`` by votes (descending, or ascending if ``lowest``), ties by the rule."""
        rest = list(cands)
        out: list[int] = []
        while rest:
            pick = min if lowest else max
            best = pick(self.votes[c] for c in rest)
            tied = [c for c in rest if self.votes[c] == best]
            chosen = tied[0] if len(tied) == 1 else self.tie(tied, lowest=lowest, purpose=purpose)
            out.append(chosen)
            rest.remove(chosen)
        return out

    def tie(self, tied: Sequence[int], *, lowest: bool, purpose: str) -> int:
        """Break a tie by the rule's look-back, then the policy; log it."""
        return settle_tie(
            self.events,
            tied,
            lowest=lowest,
            stage=self.stage,
            names=self.names,
            history=self.history,
            lookback="backward" if self.lookback == "backward" else "forward",
            policy=self.policy,
            purpose=purpose,
        )
