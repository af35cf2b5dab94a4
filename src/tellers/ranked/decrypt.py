"""Decrypting the mixed rows one by one, with one batched Chaum–Pedersen proof (ranked.md §5).

Each trustee of the decrypting quorum publishes, for every ciphertext of the last
shuffle's rows in row-major order (row 1's positions 1..W, then row 2's, …), its share
D_i = x_l·α_i, and one Chaum–Pedersen proof that all M of them share the exponent x_l of
its verification key X_l: the proof of ceremony.md §4.1 for the random combination
A = Σ ρ_i·α_i, D = Σ ρ_i·D_i, with 128-bit weights ρ_i hashed from every α_i and D_i
(``batch_digest``, ``batch_weights``). A share that is not x_l·α_i makes D ≠ x_l·A but
with probability 2⁻¹²⁸, so the one proof stands for every share, and checking it costs
two sums of M products (``multi_sum``) instead of M proofs of two multiplications each.
Anyone combines k checked trustees' shares into v·G = β − Σ λ_l·D_l and reads v
(``open_rows``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from tellers.crypto.ceremony_messages import (
    MAX_TRUSTEES,
    TrusteeCommitment,
    TrusteeKey,
    decryption_context,
)
from tellers.crypto.group import (
    POINT_BYTES,
    Point,
    Scalar,
    multi_sum,
    points_from_encodings,
    points_from_native,
    points_to_native,
    small_sums,
)
from tellers.crypto.hashing import hash_fields, int_field, short_challenges
from tellers.crypto.packed import PackedRows, Row, packed
from tellers.crypto.proofs import (
    ChaumPedersenProof,
    check_decryption_share,
    prove_decryption_share,
)
from tellers.crypto.shuffle_proof import ChunkMap, Rand
from tellers.crypto.threshold import combine_share_points, quorum_weights, verification_key
from tellers.errors import EncodingError, InvalidProof
from tellers.ranked.ranking import decode_value, value_table

__all__ = [
    "TAG_BATCH",
    "TAG_WEIGHT",
    "RowShares",
    "batch_context",
    "batch_digest",
    "batch_weights",
    "check_row_shares",
    "open_rows",
    "row_shares",
]

TAG_BATCH: Final = "tellers/v1/mix-decryption/batch"
TAG_WEIGHT: Final = "tellers/v1/mix-decryption/weight"
CHUNK: Final = 8192
"""Ciphertexts per chunk: long enough for ``multi_sum``'s byte buckets, small enough to
send to another process cheaply."""


@dataclass(frozen=True, slots=True)
class RowShares:
    """One trustee's decryption of the mixed rows: a share per ciphertext and one proof."""

    trustee: int
    shares: tuple[Point, ...]
    """D_i = x_l·α_i for the M = N·W ciphertexts, row-major."""
    proof: ChaumPedersenProof
    """The Chaum–Pedersen proof that log_G X_l = log_A D for the batch's A and D."""


def batch_digest(
    fingerprint: bytes,
    trustee: int,
    public: Point,
    alphas: bytes | Sequence[Point],
    shares: Sequence[Point],
) -> bytes:
    """d = H(TAG_BATCH; fp, u64(l), X_l, u64(M), α_1‖…‖α_M, D_1‖…‖D_M) (ranked.md §5.2);
    a share at infinity enters as 33 zero bytes. ``alphas`` may be given as their
    encodings, one after another (``PackedRows.alphas``)."""
    if not isinstance(alphas, bytes):
        alphas = b"".join(p.to_bytes() for p in alphas)
    return hash_fields(
        TAG_BATCH,
        [
            fingerprint,
            int_field(trustee),
            public.to_bytes(),
            int_field(len(alphas) // POINT_BYTES),
            alphas,
            b"".join(p.to_bytes() for p in shares),
        ],
    )


def batch_weights(fingerprint: bytes, digest: bytes, count: int) -> list[Scalar]:
    """ρ_i = int(H(TAG_WEIGHT; fp, d, u64(i))) mod 2^128 for i = 1..count (ranked.md §5.2)."""
    return short_challenges(TAG_WEIGHT, fingerprint, digest, count)


def batch_context(trustee: int, digest: bytes) -> bytes:
    """The batched proof's context: ``decryption_context(l) ‖ d`` (ranked.md §5.2)."""
    return decryption_context(trustee) + digest


def row_shares(
    fingerprint: bytes,
    key: TrusteeKey,
    rows: PackedRows | Sequence[Row],
    *,
    rand: Rand = Scalar.random,
    map_chunks: ChunkMap = map,
    chunk: int = CHUNK,
) -> RowShares:
    """Trustee ``key.trustee``'s share of every ciphertext of ``rows``, row-major, and the
    batch's proof; ``map_chunks`` makes the shares and the sum A ``chunk`` ciphertexts at a
    time (``map``, or a map over the trustee's own processes: the key share goes to them).
    The α go to them as their encodings, each decompressed there."""
    alphas = packed(rows).alphas()
    count = len(alphas) // POINT_BYTES
    size = chunk * POINT_BYTES
    tasks = (
        _ToShare(key.secret, alphas[first : first + size]) for first in range(0, len(alphas), size)
    )
    shares = tuple(p for part in map_chunks(_share_chunk, tasks) for p in part.points)
    public = Point.base_times(key.secret)
    digest = batch_digest(fingerprint, key.trustee, public, alphas, shares)
    weights = batch_weights(fingerprint, digest, count)
    combined = _weighted_sum(alphas, weights, map_chunks, chunk)
    _, proof = prove_decryption_share(
        fingerprint, key.secret, combined, context=batch_context(key.trustee, digest), rand=rand
    )
    return RowShares(key.trustee, shares, proof)


class _Points:
    """Points sent to processes of this machine in libsecp256k1's own form
    (shuffle_proof.NonceChunk says why)."""

    __slots__ = ("points",)

    def __init__(self, points: Sequence[Point]) -> None:
        self.points = tuple(points)

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (_points, (points_to_native(self.points),))


def _points(wire: bytes) -> _Points:
    return _Points(points_from_native(wire))


@dataclass(frozen=True, slots=True)
class _ToShare:
    secret: Scalar
    alphas: bytes
    """The α's encodings, one after another."""


def _decoded(encodings: bytes) -> list[Point]:
    """The points of encodings one after another (of checked rows: a point that is not one
    is named by its place all the same)."""
    items = [encodings[i : i + POINT_BYTES] for i in range(0, len(encodings), POINT_BYTES)]
    points = points_from_encodings(items)
    if points is None:
        points = [Point.from_bytes(e, f"alphas[{i}]") for i, e in enumerate(items)]
    return points


def _share_chunk(task: _ToShare) -> _Points:
    """x·α for each α (libsecp256k1's constant-time multiplication: x is the key share)."""
    return _Points([alpha * task.secret for alpha in _decoded(task.alphas)])


@dataclass(frozen=True, slots=True)
class _ToSum:
    points: bytes | tuple[Point, ...]
    """Encodings one after another (the α), or points (the shares, sent in native form)."""
    weights: tuple[Scalar, ...]

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        if isinstance(self.points, bytes):
            return (_ToSum, (self.points, self.weights))
        return (_to_sum, (points_to_native(self.points), self.weights))


def _to_sum(wire: bytes, weights: tuple[Scalar, ...]) -> _ToSum:
    return _ToSum(tuple(points_from_native(wire)), weights)


def _sum_chunk(task: _ToSum) -> _Points:
    points = _decoded(task.points) if isinstance(task.points, bytes) else task.points
    return _Points([multi_sum(points, task.weights)])


def _weighted_sum(
    points: bytes | Sequence[Point], weights: Sequence[Scalar], map_chunks: ChunkMap, chunk: int
) -> Point:
    """Σ ρ_i·P_i, chunk by chunk through ``map_chunks``; ``points`` as points, or as their
    encodings one after another (decoded chunk by chunk where the sums are made)."""
    if isinstance(points, bytes):
        size = chunk * POINT_BYTES
        tasks = (
            _ToSum(points[k * size : (k + 1) * size], tuple(weights[first : first + chunk]))
            for k, first in enumerate(range(0, len(weights), chunk))
        )
    else:
        tasks = (
            _ToSum(tuple(points[first : first + chunk]), tuple(weights[first : first + chunk]))
            for first in range(0, len(points), chunk)
        )
    return Point.sum([part.points[0] for part in map_chunks(_sum_chunk, tasks)])


def check_row_shares(
    fingerprint: bytes,
    commitments: Sequence[TrusteeCommitment],
    rows: PackedRows | Sequence[Row],
    given: RowShares,
    *,
    map_chunks: ChunkMap = map,
    chunk: int = CHUNK,
) -> None:
    """Raise ``InvalidProof`` unless ``given`` holds one share per ciphertext of ``rows``
    and its proof checks against the trustee's X_l recomputed from the commitments (ranked.md
    §5.2). Whether the trustee may decrypt is the caller's to check. ``map_chunks`` makes
    the two sums ``chunk`` terms at a time (``map``, or a map over this machine's
    processes)."""
    alphas = packed(rows).alphas()
    count = len(alphas) // POINT_BYTES
    trustee = given.trustee
    if len(given.shares) != count:
        raise InvalidProof(
            f"trustee {trustee}: expected {count} decryption shares (one per ciphertext "
            f"of the mixed rows), found {len(given.shares)}"
        )
    if not isinstance(trustee, int) or not 1 <= trustee <= MAX_TRUSTEES:
        raise InvalidProof(f"decryption shares from unknown trustee {trustee!r}")
    public = verification_key(trustee, commitments)
    digest = batch_digest(fingerprint, trustee, public, alphas, given.shares)
    weights = batch_weights(fingerprint, digest, count)
    combined_alpha = _weighted_sum(alphas, weights, map_chunks, chunk)
    combined_share = _weighted_sum(given.shares, weights, map_chunks, chunk)
    try:
        check_decryption_share(
            fingerprint, public, combined_alpha, combined_share, given.proof,
            context=batch_context(trustee, digest),
        )  # fmt: skip
    except InvalidProof as exc:
        raise InvalidProof(
            f"trustee {trustee}: the batched proof of its {count} shares does not "
            f"check, so at least one share is not x_l·α ({exc})"
        ) from None


SMALL_WEIGHTS: Final = 64
"""The largest Σ|weights| for which ``open_rows`` combines by additions (``small_sums``)."""


def open_rows(
    rows: PackedRows | Sequence[Row], batches: Sequence[RowShares], candidates: int
) -> tuple[tuple[int | None, ...], ...]:
    """Each row's values v_1..v_W (None where a point is not 0·G..C·G), from the checked
    shares of a quorum (one ``RowShares`` per trustee).

    M = β − Σ λ_l·D_l is v·G exactly when δ·β − Σ μ_l·D_l is (δv)·G (``quorum_weights``:
    δ is below n, so multiplying by it is one-to-one); with small weights that is a sum
    of a few points named several times, read against a table of (δv)·G; otherwise the
    λ_l·D_l are multiplied out. The rows are decoded a block at a time."""
    if not rows:
        raise EncodingError("rows", "expected at least one row, found none")
    rows = packed(rows)
    width = rows.width
    total = len(rows) * width
    for batch in batches:
        if len(batch.shares) != total:
            raise EncodingError(
                "decryption_shares", f"expected {total} shares, found {len(batch.shares)}"
            )
    trustees = [b.trustee for b in batches]
    delta, mus = quorum_weights(trustees)
    small = delta + sum(abs(m) for m in mus) <= SMALL_WEIGHTS
    table = value_table(candidates, delta) if small else value_table(candidates)
    values: list[int | None] = []
    block = max(1, CHUNK // width)
    for first in range(0, len(rows), block):
        ciphertexts = [c for row in rows.decode(first, first + block) for c in row]
        at, end = first * width, first * width + len(ciphertexts)
        shares = [b.shares[at:end] for b in batches]
        if small:
            betas = [c.beta for c in ciphertexts]
            points = small_sums([betas, *shares], [delta, *(-m for m in mus)])
        else:
            points = combine_share_points(ciphertexts, shares, trustees)
        values += [decode_value(p, table) for p in points]
    return tuple(tuple(values[i : i + width]) for i in range(0, len(values), width))
