"""Record format ``v1``, second half: ceremony, tally, decryption and result (record.md §6–7).

Kept apart from ``v1`` only for length; the same rules apply.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from tellers.crypto.ceremony_messages import DecryptionShare, TrusteeCommitment
from tellers.record.v1 import (
    ciphertext_from_json,
    ciphertext_to_json,
    cp_proof_from_json,
    cp_proof_to_json,
    get,
    point_from_json,
    schnorr_from_json,
    schnorr_to_json,
)
from tellers.tally import ContestTally, Result

__all__ = [
    "ceremony_from_json",
    "ceremony_to_json",
    "decryption_from_json",
    "decryption_to_json",
    "result_to_json",
    "tally_from_json",
    "tally_to_json",
]

Json = Any


def ceremony_to_json(names: list[str], commitments: list[TrusteeCommitment]) -> Json:
    return {
        "trustees": [
            {
                "index": c.trustee,
                "name": name,
                "commitments": [p.hex() for p in c.coefficients],
                "proofs": [schnorr_to_json(p) for p in c.proofs],
            }
            for name, c in zip(names, commitments, strict=True)
        ]
    }


def ceremony_from_json(
    obj: Json, where: str = "ceremony"
) -> tuple[list[str], list[TrusteeCommitment]]:
    names, commitments = [], []
    for i, t in enumerate(get(obj, "trustees", list, where)):
        w = f"{where}.trustees[{i}]"
        names.append(get(t, "name", str, w))
        commitments.append(
            TrusteeCommitment(
                get(t, "index", int, w),
                tuple(
                    point_from_json(p, f"{w}.commitments[{j}]")
                    for j, p in enumerate(get(t, "commitments", list, w))
                ),
                tuple(
                    schnorr_from_json(p, f"{w}.proofs[{j}]")
                    for j, p in enumerate(get(t, "proofs", list, w))
                ),
            )
        )
    return names, commitments


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
    out = []
    for i, t in enumerate(get(obj, "contests", list, where)):
        w = f"{where}.contests[{i}]"
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


def decryption_to_json(trustee: int, shares: tuple[DecryptionShare, ...]) -> Json:
    return {
        "trustee": trustee,
        "shares": [{"share": s.share.hex(), "proof": cp_proof_to_json(s.proof)} for s in shares],
    }


def decryption_from_json(obj: Json, where: str = "decryption") -> tuple[int, list[DecryptionShare]]:
    trustee = get(obj, "trustee", int, where)
    shares = []
    for i, s in enumerate(get(obj, "shares", list, where)):
        w = f"{where}.shares[{i}]"
        shares.append(
            DecryptionShare(
                trustee,
                point_from_json(get(s, "share", str, w), f"{w}.share", allow_infinity=True),
                cp_proof_from_json(get(s, "proof", dict, w), f"{w}.proof"),
            )
        )
    return trustee, shares


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
