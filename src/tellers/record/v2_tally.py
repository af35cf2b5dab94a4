"""Record format ``v2``, second half: the tally and the result (record.md §6.2, §7).

Kept apart from ``v2`` only for length; the same rules apply. The ceremony
and the decryptions are trustee messages: ``v2_trustee``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from tellers.record.v2 import ciphertext_from_json, ciphertext_to_json, exact_keys, get
from tellers.tally import ContestTally, Result

__all__ = [
    "result_to_json",
    "tally_from_json",
    "tally_to_json",
]

Json = Any


def tally_to_json(tallies: tuple[ContestTally, ...]) -> Json:
    return {
        "contests": [
            {
                "id": t.contest_id,
                "ballots": t.ballots,
                "choices": [ciphertext_to_json(c) for c in t.choices],
                "blank": None if t.blank is None else ciphertext_to_json(t.blank),
            }
            for t in tallies
        ]
    }


def tally_from_json(obj: Json, where: str = "tally") -> tuple[ContestTally, ...]:
    exact_keys(obj, {"contests"}, where)
    out = []
    for i, t in enumerate(get(obj, "contests", list, where)):
        w = f"{where}.contests[{i}]"
        exact_keys(t, {"id", "ballots", "choices", "blank"}, w)
        blank = get(t, "blank", (dict, type(None)), w)
        out.append(
            ContestTally(
                get(t, "id", str, w),
                get(t, "ballots", int, w),
                tuple(
                    ciphertext_from_json(c, f"{w}.choices[{j}]", allow_infinity=True)
                    for j, c in enumerate(get(t, "choices", list, w))
                ),
                None
                if blank is None
                else ciphertext_from_json(blank, f"{w}.blank", allow_infinity=True),
            )
        )
    return tuple(out)


def result_to_json(result: Result) -> Json:
    """The declared result; fractions as exact "p/q" strings and as rounded percentages."""
    return {
        "electorate": result.electorate,
        "ballots_counted": result.ballots_counted,
        "turnout": _ratio(result.ballots_counted, result.electorate),
        "contests": [
            {
                "id": c.contest_id,
                "counts": dict(c.counts),
                "blank": c.blank,
                "ballots": c.ballots,
                "electorate": c.electorate,
                "turnout": _ratio(c.ballots, c.electorate),
                "winners": list(c.winners),
                "tied": list(c.tied),
                "thresholds": [
                    {
                        "name": t.name,
                        "required": _ceil(t.required),
                        "achieved": t.achieved,
                        "met": t.met,
                    }
                    for t in c.thresholds
                ],
                "thresholds_met": c.thresholds_met,
                **({} if c.count is None else {"count": c.count, "sheet": c.sheet}),
            }
            for c in result.contests
        ],
    }


def _ceil(x: Fraction) -> int:
    """Votes required, as a whole number (a fraction of a vote rounds up)."""
    return -((-x.numerator) // x.denominator)


def _ratio(numerator: int, denominator: int) -> Json:
    """An exact ratio plus a percentage to 2 decimals for people (as a string, never a float)."""
    if denominator == 0:
        return {"exact": "0/0", "percent": "0.00"}
    hundredths = (numerator * 10000 * 2 + denominator) // (2 * denominator)
    return {
        "exact": f"{numerator}/{denominator}",
        "percent": f"{hundredths // 100}.{hundredths % 100:02d}",
    }
