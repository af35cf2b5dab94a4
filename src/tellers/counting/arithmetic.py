"""Exact arithmetic for counting: every rule declares which it uses.

No floats anywhere. Fixed-decimal rules (ERS97: 2 places, ERS97 5.3.7;
Scottish: 5 places, SSI 2007/42 r.48) count in integers scaled by
``10**places`` and truncate as the rule prescribes; rational rules use
:class:`fractions.Fraction`. Figures leave the engines as ``Fraction`` so a
report can print them at the rule's own precision.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

__all__ = ["Arithmetic", "ceil_div", "format_value"]


@dataclass(frozen=True)
class Arithmetic:
    """The number system a rule counts in.

    ``kind`` is ``"integer"`` (whole votes), ``"fixed"`` (``places`` decimals,
    truncated unless the rule says otherwise) or ``"rational"`` (exact).
    """

    kind: Literal["integer", "fixed", "rational"]
    places: int = 0

    @property
    def scale(self) -> int:
        """Units per vote: ``10**places`` for fixed decimals, else 1."""
        return 10**self.places if self.kind == "fixed" else 1

    def describe(self) -> str:
        """A phrase for reports, e.g. ``"fixed, 2 decimal places (truncated)"``."""
        if self.kind == "fixed":
            return f"fixed, {self.places} decimal places (truncated)"
        return self.kind


def ceil_div(a: int, b: int) -> int:
    """``a / b`` rounded up, in integers."""
    return -((-a) // b)


def format_value(value: Fraction, places: int) -> str:
    """``value`` written with ``places`` decimals, truncated toward zero.

    Fixed-decimal counts hold values with at most ``places`` decimals, so
    nothing is lost; rational values are shown truncated, never rounded up.
    """
    sign = "-" if value < 0 else ""
    value = abs(value)
    scaled = value.numerator * 10**places // value.denominator
    if places == 0:
        return f"{sign}{scaled}"
    whole, frac = divmod(scaled, 10**places)
    return f"{sign}{whole}.{frac:0{places}d}"
