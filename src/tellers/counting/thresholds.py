"""Yes/no ballots with statutory thresholds (shared with the election manifest).

Trade Union Act 2016 s.2 (turnout of at least 50% of those entitled) and
s.3 (for important public services, Yes votes of at least 40% of those
entitled) sit beside the simple majority of Yes over No. Exact: every test
is done in integers or :class:`fractions.Fraction`, never floats.

Usage::

    check_thresholds(entitled=1000, turnout=520, yes=300, no=200,
                     min_turnout=Fraction(1, 2), min_yes_of_entitled=Fraction(2, 5))

returns one :class:`ThresholdResult` per threshold, in the order
``"turnout"``, ``"majority"``, ``"yes of entitled"`` (the last only when
``min_yes_of_entitled`` is given). The ballot passes when all are ``met``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from tellers.errors import CountingError

__all__ = ["ThresholdResult", "check_thresholds"]


@dataclass(frozen=True)
class ThresholdResult:
    """One threshold: what was required, what was achieved, and whether it was met."""

    name: str
    """``"turnout"``, ``"majority"`` or ``"yes of entitled"``."""
    required: Fraction
    """Votes needed (may be fractional, e.g. half of an odd turnout)."""
    achieved: int
    met: bool


def check_thresholds(
    *,
    entitled: int,
    turnout: int,
    yes: int,
    no: int,
    min_turnout: Fraction = Fraction(0),
    min_yes_of_entitled: Fraction | None = None,
) -> tuple[ThresholdResult, ...]:
    """Test a yes/no result against its thresholds.

    ``entitled``: members entitled to vote. ``turnout``: papers returned
    (including spoilt and blank). ``yes``/``no``: valid votes each way.
    ``min_turnout``: least share of ``entitled`` that must vote (met when
    ``turnout >= min_turnout * entitled``). Majority: met when ``yes > no``.
    ``min_yes_of_entitled``: least share of ``entitled`` voting Yes.
    """
    if min(entitled, turnout, yes, no) < 0:
        raise CountingError("threshold figures must not be negative")
    if yes + no > turnout or turnout > entitled:
        raise CountingError(
            f"inconsistent figures: yes {yes} + no {no} > turnout {turnout}"
            if yes + no > turnout
            else f"turnout {turnout} exceeds the {entitled} entitled to vote"
        )
    needed_turnout = min_turnout * entitled
    out = [
        ThresholdResult("turnout", needed_turnout, turnout, turnout >= needed_turnout),
        # More Yes than No: "required" is the least whole number of Yes votes.
        ThresholdResult("majority", Fraction(no + 1), yes, yes > no),
    ]
    if min_yes_of_entitled is not None:
        needed_yes = min_yes_of_entitled * entitled
        out.append(ThresholdResult("yes of entitled", needed_yes, yes, yes >= needed_yes))
    return tuple(out)
