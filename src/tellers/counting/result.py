"""What a count returns: rounds, events and winners, as frozen values.

``Result.to_json`` is the one place a result becomes JSON (STYLE 12).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from tellers.counting.arithmetic import Arithmetic, format_value

__all__ = ["Event", "EventKind", "Result", "Round"]

EventKind = Literal[
    "elected",
    "excluded",
    "surplus",
    "exhausted",
    "tie",
    "quota",
    "deferred",
    "withdrawn",
]


@dataclass(frozen=True)
class Event:
    """One thing that happened at a stage, in the order it happened."""

    stage: int
    kind: EventKind
    candidates: tuple[str, ...]
    detail: str = ""
    value: Fraction | None = None
    """The figure the event is about (surplus, transfer value, votes exhausted)."""


@dataclass(frozen=True)
class Round:
    """The state after one stage (a "round" in IRV, a "stage" in STV)."""

    number: int
    action: str
    """What this stage did, e.g. ``"First preferences"`` or ``"Surplus of X"``."""
    votes: tuple[Fraction, ...]
    """Each candidate's vote after the stage, in ``Result.candidates`` order."""
    exhausted: Fraction
    """Non-transferable votes: papers with no further usable preference."""
    lost: Fraction = Fraction(0)
    """Non-transferable difference from truncation (ERS97 6.11)."""
    quota: Fraction | None = None
    status: tuple[str, ...] = ()
    """Per candidate: ``"hopeful"``, ``"elected"``, ``"excluded"`` or ``"withdrawn"``."""


@dataclass(frozen=True)
class Result:
    """A finished count."""

    method: str
    candidates: tuple[str, ...]
    seats: int
    winners: tuple[str, ...]
    """In the order elected."""
    rounds: tuple[Round, ...]
    events: tuple[Event, ...]
    arithmetic: Arithmetic
    valid_votes: Fraction
    quota: Fraction | None = None
    """The quota at the first stage (STV); the final one is in the last round."""
    ranking: tuple[tuple[str, ...], ...] = ()
    """Full order, best first, ties grouped (Schulze, plurality, approval)."""

    def to_json(self) -> dict[str, Any]:
        """The result as plain JSON types; values as decimal strings."""
        places = self.arithmetic.places if self.arithmetic.kind == "fixed" else 9
        if self.arithmetic.kind == "integer":
            places = 0

        def num(v: Fraction | None) -> str | None:
            if v is None:
                return None
            if v.denominator == 1:
                return str(v.numerator)
            return format_value(v, places) if self.arithmetic.kind != "rational" else str(v)

        return {
            "method": self.method,
            "seats": self.seats,
            "arithmetic": self.arithmetic.describe(),
            "candidates": list(self.candidates),
            "winners": list(self.winners),
            "quota": num(self.quota),
            "valid_votes": num(self.valid_votes),
            "ranking": [list(tier) for tier in self.ranking],
            "rounds": [
                {
                    "round": r.number,
                    "action": r.action,
                    "votes": {c: num(v) for c, v in zip(self.candidates, r.votes, strict=True)},
                    "exhausted": num(r.exhausted),
                    "lost": num(r.lost),
                    "quota": num(r.quota),
                    "status": dict(zip(self.candidates, r.status, strict=False)),
                }
                for r in self.rounds
            ],
            "events": [
                {
                    "stage": e.stage,
                    "kind": e.kind,
                    "candidates": list(e.candidates),
                    "detail": e.detail,
                    **({"value": num(e.value)} if e.value is not None else {}),
                }
                for e in self.events
            ],
        }
