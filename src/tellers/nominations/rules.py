"""The nomination period and the eligibility rules (nominations.md §3, TULRCA s.47).

A union's rules say how many nominations a candidate needs and from where.
``Rules`` holds the usual forms, any of which may be combined:

- at least ``min_nominations`` valid nominations (Unite 2013: 50);
- from bodies in more than ``more_than_regions`` regions (Unite 2013: more than one);
- at least ``percent_of_bodies`` percent of the bodies of the counted kinds, rounded up
  (Unite 2021: 5% of branches, which was 174).

Only nominations from bodies of ``counted_kinds`` count, and only one per body
where ``one_per_body`` (a branch nominates one candidate). The rules also say
how long an election address may be (s.48: at least 100 words must be
allowed), whether a photograph may go with it, and how the candidates are
ordered on the ballot and in the addresses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any, Final, Literal

from tellers.errors import NominationError

__all__ = ["MIN_WORD_LIMIT", "ORDERS", "Order", "Period", "Rules", "parse_time"]

MIN_WORD_LIMIT: Final = 100
"""s.48(2): the rules must allow an address of at least this many words."""
MAX_WORD_LIMIT: Final = 2000
ORDERS: Final = ("alphabetical", "lot")
Order = Literal["alphabetical", "lot"]


def parse_time(value: str, field: str) -> datetime:
    """An ISO 8601 date-time with its UTC offset, or ``NominationError`` naming ``field``."""
    try:
        when = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise NominationError(f"{field}: expected an ISO 8601 date-time, found {value!r}") from None
    if when.tzinfo is None:
        raise NominationError(f"{field}: {value!r} has no UTC offset")
    return when


@dataclass(frozen=True, slots=True)
class Period:
    """When nominations are taken, and until when a candidate may withdraw."""

    opens: str
    closes: str
    withdrawals_close: str
    """No withdrawal at or after this time (ISO 8601 with offset); not after ``closes``,
    since the close fixes the list of candidates."""

    def __post_init__(self) -> None:
        opens = parse_time(self.opens, "period.opens")
        closes = parse_time(self.closes, "period.closes")
        cutoff = parse_time(self.withdrawals_close, "period.withdrawals_close")
        if closes <= opens:
            raise NominationError(f"period.closes: {self.closes} is not after opens {self.opens}")
        if not opens < cutoff <= closes:
            raise NominationError(
                f"period.withdrawals_close: expected after opens {self.opens} and not after "
                f"closes {self.closes}, found {self.withdrawals_close}"
            )

    def to_json(self) -> dict[str, str]:
        return {
            "opens": self.opens,
            "closes": self.closes,
            "withdrawals_close": self.withdrawals_close,
        }


@dataclass(frozen=True, slots=True)
class Rules:
    """Eligibility thresholds and address rules (nominations.md §3)."""

    min_nominations: int = 1
    more_than_regions: int = 0
    """Valid nominations must come from bodies in more than this many regions."""
    percent_of_bodies: str | None = None
    """A decimal percentage (``"5"``, ``"2.5"``) of the counted bodies, rounded up; exact."""
    counted_kinds: tuple[str, ...] = ("branch", "workplace")
    one_per_body: bool = True
    """A body may validly nominate one candidate only."""
    word_limit: int = 500
    photo_allowed: bool = False
    photo_max_bytes: int = 2_000_000
    order: Order = "alphabetical"
    """``alphabetical`` (by name, then id) or ``lot`` (by a seed drawn at the close, logged)."""

    def __post_init__(self) -> None:
        if not isinstance(self.min_nominations, int) or self.min_nominations < 0:
            raise NominationError(
                f"rules.min_nominations: expected a whole number >= 0, found "
                f"{self.min_nominations!r}"
            )
        if not isinstance(self.more_than_regions, int) or self.more_than_regions < 0:
            raise NominationError(
                f"rules.more_than_regions: expected a whole number >= 0, found "
                f"{self.more_than_regions!r}"
            )
        if self.percent_of_bodies is not None:
            fraction = self.percent_fraction()
            if not 0 < fraction <= 100:
                raise NominationError(
                    f"rules.percent_of_bodies: expected more than 0 and at most 100, found "
                    f"{self.percent_of_bodies!r}"
                )
        if not self.counted_kinds or any(
            k not in ("branch", "workplace", "region") for k in self.counted_kinds
        ):
            raise NominationError(
                f"rules.counted_kinds: expected some of branch, workplace, region, found "
                f"{list(self.counted_kinds)}"
            )
        if not MIN_WORD_LIMIT <= self.word_limit <= MAX_WORD_LIMIT:
            raise NominationError(
                f"rules.word_limit: s.48 needs at least {MIN_WORD_LIMIT} words allowed "
                f"(at most {MAX_WORD_LIMIT} here), found {self.word_limit!r}"
            )
        if self.photo_max_bytes < 1:
            raise NominationError(f"rules.photo_max_bytes: found {self.photo_max_bytes!r}")
        if self.order not in ORDERS:
            raise NominationError(f"rules.order: expected one of {ORDERS}, found {self.order!r}")

    def percent_fraction(self) -> Fraction:
        try:
            return Fraction(str(self.percent_of_bodies))
        except (ValueError, ZeroDivisionError):
            raise NominationError(
                f"rules.percent_of_bodies: expected a decimal number, found "
                f"{self.percent_of_bodies!r}"
            ) from None

    def required(self, counted_bodies: int) -> int:
        """The valid nominations a candidate needs, given how many bodies may nominate:
        the larger of ``min_nominations`` and ``percent_of_bodies`` of them, rounded up."""
        need = self.min_nominations
        if self.percent_of_bodies is not None:
            need = max(need, math.ceil(self.percent_fraction() * counted_bodies / 100))
        return need

    def to_json(self) -> dict[str, Any]:
        return {
            "min_nominations": self.min_nominations,
            "more_than_regions": self.more_than_regions,
            "percent_of_bodies": self.percent_of_bodies,
            "counted_kinds": list(self.counted_kinds),
            "one_per_body": self.one_per_body,
            "word_limit": self.word_limit,
            "photo_allowed": self.photo_allowed,
            "photo_max_bytes": self.photo_max_bytes,
            "order": self.order,
        }

    @classmethod
    def from_json(cls, obj: Any, where: str = "rules") -> Rules:
        if not isinstance(obj, dict) or set(obj) != set(cls().to_json()):
            found = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
            raise NominationError(
                f"{where}: expected the fields {sorted(cls().to_json())}, found {found}"
            )
        kinds = obj["counted_kinds"]
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            raise NominationError(f"{where}.counted_kinds: expected a list of strings")
        for name in ("min_nominations", "more_than_regions", "word_limit", "photo_max_bytes"):
            if type(obj[name]) is not int:
                raise NominationError(f"{where}.{name}: expected a whole number")
        for name in ("one_per_body", "photo_allowed"):
            if type(obj[name]) is not bool:
                raise NominationError(f"{where}.{name}: expected true or false")
        if obj["percent_of_bodies"] is not None and not isinstance(obj["percent_of_bodies"], str):
            raise NominationError(f"{where}.percent_of_bodies: expected a decimal string or null")
        return cls(**{**obj, "counted_kinds": tuple(kinds)})
