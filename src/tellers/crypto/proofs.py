"""Non-interactive zero-knowledge proofs (protocol.md §5).

All proofs are sigma protocols made non-interactive by Fiat–Shamir with the
challenge of ``hashing.challenge``: it binds the election fingerprint, a
caller-chosen ``context`` (for a ballot: the credential and the position of
the selection, so a proof cannot be lifted into another ballot), the whole
statement and the commitments. Proofs are stored as challenges and
responses; a check recomputes the commitments and the challenge.

Every ``prove_*`` has a ``check_*`` twin that returns None or raises
``InvalidProof`` saying which equation failed.

Nonces come from ``rand`` (the OS CSPRNG by default); tests and the spec's
worked examples pass a deterministic source to make vectors reproducible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tellers.crypto.elgamal import Ciphertext, plaintext_point
from tellers.crypto.group import Point, Scalar, table_of, times
from tellers.crypto.hashing import challenge, int_field
from tellers.errors import EncodingError, InvalidProof

__all__ = [
    "TAG_DECRYPTION",
    "TAG_KEY",
    "TAG_RANGE",
    "ChaumPedersenProof",
    "RangeProof",
    "SchnorrProof",
    "check_bit",
    "check_decryption_share",
    "check_key",
    "check_range",
    "prove_bit",
    "prove_decryption_share",
    "prove_key",
    "prove_range",
]

TAG_KEY = "tellers/v1/proof/key"
TAG_DECRYPTION = "tellers/v1/proof/decryption"
TAG_RANGE = "tellers/v1/proof/range"

Rand = Callable[[], Scalar]

MAX_RANGE = 64
"""The widest [lo, hi] a range proof may cover: each value costs one branch."""


@dataclass(frozen=True, slots=True)
class SchnorrProof:
    """Knowledge of x with X = x·G (protocol.md §5.1)."""

    challenge: Scalar
    """c = H(TAG_KEY; fingerprint, context, X, a) with a = w·G."""
    response: Scalar
    """s = w + c·x."""


@dataclass(frozen=True, slots=True)
class ChaumPedersenProof:
    """log_G X = log_A D: a decryption share D = x·A is correct for X = x·G (§5.2)."""

    challenge: Scalar
    """c = H(TAG_DECRYPTION; fingerprint, context, X, A, D, a, b) with a = w·G, b = w·A."""
    response: Scalar
    """s = w + c·x."""


@dataclass(frozen=True, slots=True)
class RangeProof:
    """(alpha, beta) encrypts some m in [lo, hi] under H (§5.3, disjunctive Chaum–Pedersen).

    One branch per value j = lo, ..., hi; the challenges add up to the
    Fiat–Shamir challenge.
    """

    challenges: tuple[Scalar, ...]
    """c_j for j = lo..hi; sum c_j = H(TAG_RANGE; fingerprint, context, H, alpha, beta,
    lo, hi, A_lo, B_lo, ..., A_hi, B_hi)."""
    responses: tuple[Scalar, ...]
    """s_j for j = lo..hi."""


def prove_key(
    fingerprint: bytes, secret: Scalar, *, context: bytes = b"", rand: Rand = Scalar.random
) -> SchnorrProof:
    public = Point.base_times(secret)
    w = rand()
    c = challenge(TAG_KEY, fingerprint, [context, public, Point.base_times(w)])
    return SchnorrProof(c, w + c * secret)


def check_key(
    fingerprint: bytes, public: Point, proof: SchnorrProof, *, context: bytes = b""
) -> None:
    if public.is_infinity():
        raise InvalidProof("key proof: the public key is the point at infinity")
    a = Point.base_plus(proof.response, public, -proof.challenge)
    if challenge(TAG_KEY, fingerprint, [context, public, a]) != proof.challenge:
        raise InvalidProof("key proof: challenge does not match (s·G - c·X)")


def prove_decryption_share(
    fingerprint: bytes,
    secret: Scalar,
    alpha: Point,
    *,
    context: bytes = b"",
    rand: Rand = Scalar.random,
) -> tuple[Point, ChaumPedersenProof]:
    """The share D = x·alpha with its proof."""
    public = Point.base_times(secret)
    share = alpha * secret
    w = rand()
    c = challenge(
        TAG_DECRYPTION,
        fingerprint,
        [context, public, alpha, share, Point.base_times(w), alpha * w],
    )
    return share, ChaumPedersenProof(c, w + c * secret)


def check_decryption_share(
    fingerprint: bytes,
    public: Point,
    alpha: Point,
    share: Point,
    proof: ChaumPedersenProof,
    *,
    context: bytes = b"",
) -> None:
    if public.is_infinity():
        raise InvalidProof("decryption proof: the trustee's key is the point at infinity")
    minus_c = -proof.challenge
    a = Point.base_plus(proof.response, public, minus_c)
    b = Point.sum([alpha * proof.response, share * minus_c])
    if challenge(TAG_DECRYPTION, fingerprint, [context, public, alpha, share, a, b]) != (
        proof.challenge
    ):
        raise InvalidProof("decryption proof: challenge does not match (s·G - c·X, s·A - c·D)")


def prove_range(
    fingerprint: bytes,
    public: Point,
    ciphertext: Ciphertext,
    m: int,
    r: Scalar,
    lo: int,
    hi: int,
    *,
    context: bytes = b"",
    rand: Rand = Scalar.random,
) -> RangeProof:
    """Prove ``ciphertext`` = (r·G, m·G + r·H) with lo <= m <= hi, hiding m."""
    _check_bounds(lo, hi)
    if not lo <= m <= hi:
        raise ValueError(f"cannot prove {m} lies in [{lo}, {hi}]")
    challenges: list[Scalar] = []
    responses: list[Scalar] = []
    commitments: list[Point] = []
    w = rand()
    for j in range(lo, hi + 1):
        if j == m:
            challenges.append(Scalar(0))  # fixed below, once the total is known
            responses.append(Scalar(0))
            commitments += [Point.base_times(w), times(public, w)]
        else:
            c_j, s_j = rand(), rand()
            challenges.append(c_j)
            responses.append(s_j)
            commitments += _branch_commitments(public, ciphertext, j, c_j, s_j)
    c = challenge(
        TAG_RANGE,
        fingerprint,
        [*_range_statement(context, public, ciphertext, lo, hi), *commitments],
    )
    k = m - lo
    c_m = c - sum((x.value for x in challenges), 0)
    challenges[k] = c_m
    responses[k] = w + c_m * r
    return RangeProof(tuple(challenges), tuple(responses))


def check_range(
    fingerprint: bytes,
    public: Point,
    ciphertext: Ciphertext,
    lo: int,
    hi: int,
    proof: RangeProof,
    *,
    context: bytes = b"",
) -> None:
    _check_bounds(lo, hi)
    width = hi - lo + 1
    if len(proof.challenges) != width or len(proof.responses) != width:
        raise InvalidProof(
            f"range proof: expected {width} branches for [{lo}, {hi}], found "
            f"{len(proof.challenges)} challenges and {len(proof.responses)} responses"
        )
    if public.is_infinity():
        raise InvalidProof("range proof: the election key is the point at infinity")
    commitments: list[Point] = []
    for j, c_j, s_j in zip(range(lo, hi + 1), proof.challenges, proof.responses, strict=True):
        commitments += _branch_commitments(public, ciphertext, j, c_j, s_j)
    c = challenge(
        TAG_RANGE,
        fingerprint,
        [*_range_statement(context, public, ciphertext, lo, hi), *commitments],
    )
    if Scalar(sum(x.value for x in proof.challenges)) != c:
        raise InvalidProof(f"range proof for [{lo}, {hi}]: challenges do not add up to the hash")


def prove_bit(
    fingerprint: bytes,
    public: Point,
    ciphertext: Ciphertext,
    m: int,
    r: Scalar,
    *,
    context: bytes = b"",
    rand: Rand = Scalar.random,
) -> RangeProof:
    """The 0/1 proof for one choice: a range proof over [0, 1]."""
    return prove_range(fingerprint, public, ciphertext, m, r, 0, 1, context=context, rand=rand)


def check_bit(
    fingerprint: bytes,
    public: Point,
    ciphertext: Ciphertext,
    proof: RangeProof,
    *,
    context: bytes = b"",
) -> None:
    check_range(fingerprint, public, ciphertext, 0, 1, proof, context=context)


def _check_bounds(lo: int, hi: int) -> None:
    if lo < 0 or hi < lo or hi - lo + 1 > MAX_RANGE:
        raise EncodingError(
            "range", f"expected 0 <= lo <= hi with at most {MAX_RANGE} values, found [{lo}, {hi}]"
        )


def _branch_commitments(
    public: Point, ciphertext: Ciphertext, j: int, c_j: Scalar, s_j: Scalar
) -> list[Point]:
    """A_j = s_j·G - c_j·alpha and B_j = s_j·H - c_j·(beta - j·G)."""
    minus_c = -c_j
    shifted = ciphertext.beta if j == 0 else ciphertext.beta + plaintext_point(-j)
    table = table_of(public)  # the election key's, once it has been used often
    second = shifted * minus_c
    return [
        Point.base_plus(s_j, ciphertext.alpha, minus_c),
        Point.sum([times(public, s_j), second])
        if table is None
        else table.times_plus(s_j, (second,)),
    ]


def _range_statement(
    context: bytes, public: Point, ciphertext: Ciphertext, lo: int, hi: int
) -> list[Point | Scalar | bytes]:
    return [context, public, ciphertext.alpha, ciphertext.beta, int_field(lo), int_field(hi)]
