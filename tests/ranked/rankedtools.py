"""Three trustees (quorum 2) who ran the ceremony, for the ranked tests."""

from __future__ import annotations

from dataclasses import dataclass

from tellers.crypto.ceremony_messages import TrusteeCommitment, TrusteeKey
from tellers.crypto.group import Point
from tellers.crypto.threshold import (
    commit,
    joint_public_key,
    make_shares,
    new_ceremony_key,
    new_polynomial,
    receive_shares,
)

FP = bytes(range(32))


@dataclass(frozen=True)
class Trustees:
    public: Point
    commitments: tuple[TrusteeCommitment, ...]
    keys: tuple[TrusteeKey, ...]


def make_trustees(n: int = 3, k: int = 2) -> Trustees:
    """n trustees who ran the ceremony with quorum k."""
    ceremony = [new_ceremony_key(i) for i in range(1, n + 1)]
    polynomials = [new_polynomial(i, k) for i in range(1, n + 1)]
    commitments = tuple(commit(FP, p) for p in polynomials)
    sent = [make_shares(FP, p, ceremony)[0] for p in polynomials]
    keys = tuple(
        receive_shares(
            FP, ceremony[l - 1], commitments, [s[l - 1] for s in sent], quorum=k, trustees=n
        )
        for l in range(1, n + 1)  # noqa: E741
    )
    return Trustees(joint_public_key(commitments), commitments, keys)
