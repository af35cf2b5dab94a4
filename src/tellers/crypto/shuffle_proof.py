"""The Terelius–Wikström proof of a re-encryption shuffle of rows (shuffle.md §4–§6).

The statement (shuffle.md §3): N input rows and N output rows of W ciphertexts
each, under the election key H; output row i is input row π(i) re-encrypted,
ciphertext by ciphertext, with fresh randomness r'_{i,k}, for one permutation π
that stays secret. The prover commits to π column by column against
independent generators h_1..h_N (``shuffle_generators``), receives the
challenge vector u derived from the statement and that commitment, proves
with a commitment chain that the permuted vector u' = (u_π(1), ..., u_π(N)) has
the same product as u, and proves one linear relation per column: the inner
product of u' with the outputs is the inner product of u with the inputs
re-encrypted. The whole is one sigma protocol made non-interactive by
Fiat–Shamir over every input of the statement (shuffle.md §5).

The proof carries its commitments t (Belenios's and CHVote's layout), so the
verifier (``shuffle_check``) names the equation that fails; the challenge c is
recomputed, never read from the proof. This module holds what prover and
verifier share: the generators, the hashes, the proof's type, the chunking.

Cost (shuffle.md §8): per row the prover makes 2W re-encryptions, two
``Point.base_plus`` (the chain and t̂) and 2W + 1 terms of sums, the verifier
4W + 4 terms of sums; a sum of many products is one ``multi_sum`` (Pippenger's
buckets, each added in one libsecp256k1 call), so the C additions and the
multiplications that remain dominate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, TypeVar

from tellers.crypto.elgamal import Ciphertext
from tellers.crypto.group import (
    GROUP_ORDER,
    Point,
    Scalar,
    hash_to_point,
    multi_sum,
    points_from_native,
    points_to_native,
    times,
)
from tellers.crypto.hashing import (
    FINGERPRINT_BYTES,
    challenge,
    hash_fields,
    int_field,
    short_challenges,
)
from tellers.crypto.packed import PackedRows, Row, packed
from tellers.errors import EncodingError

__all__ = [
    "CHUNK_ROWS",
    "TAG_CHALLENGE",
    "TAG_GENERATOR",
    "TAG_STATEMENT",
    "TAG_VECTOR",
    "VECTOR_BITS",
    "ChunkMap",
    "Generators",
    "NonceChunk",
    "NonceTerms",
    "Row",
    "ShuffleProof",
    "chain_scalars",
    "chunk_rows_for",
    "decoded",
    "nonce_terms",
    "prove_shuffle",
    "row_ranges",
    "shuffle_challenge",
    "shuffle_generators",
    "statement_digest",
    "vector_challenges",
]

VECTOR_BITS = 128
"""The vector challenges u_i are this many bits (shuffle.md §5.2)."""
TAG_GENERATOR = "tellers/v1/shuffle/generator"
TAG_STATEMENT = "tellers/v1/shuffle/statement"
TAG_VECTOR = "tellers/v1/shuffle/vector"
TAG_CHALLENGE = "tellers/v1/shuffle/challenge"

T = TypeVar("T")
R = TypeVar("R")

Rand = Callable[[], Scalar]


@dataclass(frozen=True, slots=True)
class Generators:
    """The commitment generators of one election for N rows (shuffle.md §2)."""

    h: Point
    """h = hash_to_point(TAG_GENERATOR, fp ‖ u64(0)): the chain's start ĉ_0."""
    hs: tuple[Point, ...]
    """h_i = hash_to_point(TAG_GENERATOR, fp ‖ u64(i)) for i = 1..N."""


@dataclass(frozen=True, slots=True)
class ShuffleProof:
    """A proof that output rows are a re-encrypted permutation of input rows (shuffle.md §4).

    Lists indexed by row have N entries, by column W entries.
    """

    commitments: tuple[Point, ...]
    """c_j = r_j·G + h_i where π(i) = j: the commitment to the permutation, by input row j."""
    chain: tuple[Point, ...]
    """ĉ_i = r̂_i·G + u'_i·ĉ_{i−1}, i = 1..N, from ĉ_0 = h."""
    t1: Point
    """t_1 = ω_1·G."""
    t2: Point
    """t_2 = ω_2·G."""
    t3: Point
    """t_3 = ω_3·G + Σ ω'_i·h_i."""
    t4: tuple[Ciphertext, ...]
    """t_{4,k} = (−ω_{4,k}·G + Σ ω'_i·α'_{i,k}, −ω_{4,k}·H + Σ ω'_i·β'_{i,k}), k = 1..W."""
    t_hat: tuple[Point, ...]
    """t̂_i = ω̂_i·G + ω'_i·ĉ_{i−1}, i = 1..N."""
    s1: Scalar
    """s_1 = ω_1 + c·r̄ with r̄ = Σ r_j."""
    s2: Scalar
    """s_2 = ω_2 + c·r̂ with r̂ the randomness of ĉ_N (ĉ_N = r̂·G + (Π u_i)·h)."""
    s3: Scalar
    """s_3 = ω_3 + c·r̃ with r̃ = Σ r_j·u_j."""
    s4: tuple[Scalar, ...]
    """s_{4,k} = ω_{4,k} + c·r'_k with r'_k = Σ r'_{i,k}·u'_i, k = 1..W."""
    s_hat: tuple[Scalar, ...]
    """ŝ_i = ω̂_i + c·r̂_i, i = 1..N."""
    s_prime: tuple[Scalar, ...]
    """s'_i = ω'_i + c·u'_i, i = 1..N."""


def shuffle_generators(fingerprint: bytes, count: int) -> Generators:
    """h and h_1..h_count for this election (shuffle.md §2): a try-and-increment hash to the
    curve of the fingerprint and the index, so nobody knows a relation between any two of
    them or with G. The same for every shuffle of the election; kept for the last two sizes
    asked, since a chain of trustees derives them again and again."""
    _check_fingerprint(fingerprint)
    if count < 1:
        raise EncodingError("rows", f"expected at least 1 row, found {count}")
    return _generators(bytes(fingerprint), count)


@lru_cache(maxsize=2)
def _generators(fingerprint: bytes, count: int) -> Generators:
    points = [hash_to_point(TAG_GENERATOR, fingerprint + int_field(i)) for i in range(count + 1)]
    return Generators(points[0], tuple(points[1:]))


def statement_digest(
    fingerprint: bytes,
    public: Point,
    generators: Generators,
    inputs: PackedRows | Sequence[Row],
    outputs: PackedRows | Sequence[Row],
    commitments: Sequence[Point],
    context: bytes,
) -> bytes:
    """d = H(TAG_STATEMENT; fp, ctx, u64(N), u64(W), H, h, h_1‖…‖h_N, E, E′, c_1‖…‖c_N)
    (shuffle.md §5.1): every input of the statement and the permutation commitment. The
    rows enter as the encodings ``PackedRows`` holds: nothing is decoded."""
    inputs, outputs = packed(inputs), packed(outputs)
    return hash_fields(
        TAG_STATEMENT,
        [
            fingerprint,
            context,
            int_field(len(inputs)),
            int_field(inputs.width),
            public.to_bytes(),
            generators.h.to_bytes(),
            b"".join(p.to_bytes() for p in generators.hs),
            inputs.data,
            outputs.data,
            b"".join(p.to_bytes() for p in commitments),
        ],
    )


def vector_challenges(fingerprint: bytes, digest: bytes, count: int) -> list[Scalar]:
    """u_i = int(H(TAG_VECTOR; fp, d, u64(i))) mod 2^128 for i = 1..N (shuffle.md §5.2).

    128 bits are enough (a false shuffle passes with probability at most N·2⁻¹²⁸) and
    halve the cost of the verifier's sums Σ u_j·c_j and Σ u_j·e_j, whose bucket method
    then has half the byte positions to go through.
    """
    _check_fingerprint(fingerprint)
    return short_challenges(TAG_VECTOR, fingerprint, digest, count)


class ChunkMap(Protocol):
    """How chunks of rows are computed: the builtin ``map``, or any map with its signature
    that returns the results in order (``ProcessPoolExecutor.map``, an adapted
    ``tellers.parallel`` mapper)."""

    def __call__(self, func: Callable[[T], R], items: Iterable[T], /) -> Iterable[R]: ...


CHUNK_ROWS = 8192
"""Rows per chunk: enough that sending one to another process costs little beside its
multiplications, and that each sum is long enough for ``multi_sum``'s bucket method."""


SPLIT_FLOOR = 256
"""Fewer rows than this are one chunk, however many processes there are."""


def chunk_rows_for(count: int, workers: int) -> int:
    """Rows per chunk for ``count`` rows over ``workers`` processes: at most ``CHUNK_ROWS``,
    and from ``SPLIT_FLOOR`` rows on a multiple of ``workers`` chunks of nearly equal size,
    so that every process has its share. How rows are cut changes no output byte: each
    row's work is its own and the partial sums add to the same points."""
    if workers <= 1 or count < SPLIT_FLOOR:
        return CHUNK_ROWS
    chunks = workers * -(-count // (workers * CHUNK_ROWS))
    return -(-count // chunks)


def row_ranges(count: int, size: int) -> list[tuple[int, int]]:
    """[(first, end), ...]: rows 0..count−1 cut into ranges of ``size`` (the last shorter)."""
    size = max(1, size)
    return [(first, min(first + size, count)) for first in range(0, count, size)]


@dataclass(frozen=True, slots=True)
class NonceChunk:
    """What the prover's nonce commitments and commitment chain need of a range of rows."""

    outputs: PackedRows | tuple[Row, ...]
    """The range's output rows: their encodings, decoded where the chunk is computed."""
    hs: tuple[Point, ...]
    w_prime: tuple[Scalar, ...]
    h: Point
    before: tuple[Scalar, Scalar] | None
    """(R, U) of ĉ_{first−1} = R·G + U·h (``chain_scalars``), or None for the first range,
    whose ĉ_{first−1} is ĉ_0 = h."""
    chain_r: tuple[Scalar, ...]
    chain_u: tuple[Scalar, ...]
    """(R_i, U_i) of the range's own links ĉ_i = R_i·G + U_i·h."""
    w_hat: tuple[Scalar, ...]

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # To another process of this machine: the rows as their encodings (33 bytes a
        # point, decompressed there), the generators in libsecp256k1's own form
        # (``points_to_native``), which costs no square root to read back.
        points = [*self.hs, self.h]
        scalars = (self.w_prime, self.before, self.chain_r, self.chain_u, self.w_hat)
        return (_nonce_chunk, (packed(self.outputs), points_to_native(points), scalars))


def _nonce_chunk(outputs: PackedRows, wire: bytes, scalars: tuple[object, ...]) -> NonceChunk:
    w_prime, before, chain_r, chain_u, w_hat = scalars
    points, count = points_from_native(wire), len(w_prime)  # type: ignore[arg-type]
    return NonceChunk(
        outputs,
        tuple(points[:count]),
        w_prime,  # type: ignore[arg-type]
        points[count],
        before,  # type: ignore[arg-type]
        chain_r,  # type: ignore[arg-type]
        chain_u,  # type: ignore[arg-type]
        w_hat,  # type: ignore[arg-type]
    )


@dataclass(frozen=True, slots=True)
class NonceTerms:
    """A range's part of t3 and t4, its links ĉ_i and its t̂_i."""

    w_h: Point
    """Σ ω'_i·h_i."""
    outputs: tuple[Ciphertext, ...]
    """(Σ ω'_i·α'_{i,k}, Σ ω'_i·β'_{i,k}) per column k."""
    chain: tuple[Point, ...]
    """ĉ_i = R_i·G + U_i·h."""
    t_hat: tuple[Point, ...]
    """t̂_i = ω̂_i·G + ω'_i·ĉ_{i−1}."""

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        points = [self.w_h, *(p for c in self.outputs for p in (c.alpha, c.beta))]
        points += [*self.chain, *self.t_hat]
        return (_nonce_terms, (points_to_native(points), len(self.outputs)))


def _nonce_terms(wire: bytes, width: int) -> NonceTerms:
    points = points_from_native(wire)
    pairs = points[1 : 1 + 2 * width]
    rest = points[1 + 2 * width :]
    half = len(rest) // 2
    return NonceTerms(
        points[0],
        tuple(Ciphertext(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)),
        tuple(rest[:half]),
        tuple(rest[half:]),
    )


def chain_scalars(u_prime: Sequence[int], r_hat: Sequence[Scalar]) -> tuple[list[int], list[int]]:
    """(R_i), (U_i) with ĉ_i = R_i·G + U_i·h for i = 1..N: unrolling ĉ_i = r̂_i·G +
    u'_i·ĉ_{i−1} from ĉ_0 = h gives R_i = r̂_i + u'_i·R_{i−1} and U_i = u'_i·U_{i−1}
    (R_0 = 0, U_0 = 1), so that every link can be computed on its own, in any process."""
    rs, us = [], []
    r, u = 0, 1
    for x, r_i in zip(u_prime, r_hat, strict=True):
        r = (r_i.value + x * r) % GROUP_ORDER
        u = u * x % GROUP_ORDER
        rs.append(r)
        us.append(u)
    return rs, us


def nonce_terms(chunk: NonceChunk) -> NonceTerms:
    """One range's links and nonce commitments (pure: may run in any process). The sums are
    ``multi_sum``: not constant-time in the secret ω', as the re-encryptions' ``FixedBase``
    is not in r' — the shuffler's machine is its own (security.md §3.15)."""
    outputs = decoded(chunk.outputs)
    width = len(outputs[0])
    if chunk.before is None:
        previous = chunk.h
    else:
        previous = Point.base_plus(chunk.before[0], chunk.h, chunk.before[1])
    chain = tuple(
        Point.base_plus(r, chunk.h, u) for r, u in zip(chunk.chain_r, chunk.chain_u, strict=True)
    )
    return NonceTerms(
        multi_sum(chunk.hs, chunk.w_prime),
        tuple(
            Ciphertext(
                multi_sum([o[k].alpha for o in outputs], chunk.w_prime),
                multi_sum([o[k].beta for o in outputs], chunk.w_prime),
            )
            for k in range(width)
        ),
        chain,
        tuple(
            Point.base_plus(w, c, v)
            for w, c, v in zip(chunk.w_hat, (previous, *chain[:-1]), chunk.w_prime, strict=True)
        ),
    )


def prove_shuffle(
    fingerprint: bytes,
    public: Point,
    inputs: PackedRows | Sequence[Row],
    outputs: PackedRows | Sequence[Row],
    permutation: Sequence[int],
    randomness: Sequence[Sequence[Scalar]],
    *,
    context: bytes,
    rand: Rand = Scalar.random,
    generators: Generators | None = None,
    map_chunks: ChunkMap = map,
    chunk_rows: int = CHUNK_ROWS,
) -> ShuffleProof:
    """The proof for output row i = input row ``permutation[i]`` re-encrypted with
    ``randomness[i]`` (shuffle.md §6; rows are 0-based here, 1-based in the spec).

    The nonce commitments t3, t4 and t̂ — most of the work — and the commitment chain are
    computed by chunks of rows through ``map_chunks`` (``map``: here; or a caller's map
    over processes): the chain's links by their scalars (``chain_scalars``), which are
    sequential but cheap, each link then on its own.

    The prover does not check its witness: a false one gives a proof that fails, which is
    what the soundness tests rely on. ``generators`` is for those tests alone (a proof
    made against any generators but the derived ones must fail); the check always derives
    its own.
    """
    inputs, outputs = packed(inputs), packed(outputs)
    count, width = len(inputs), inputs.width
    gens = generators or shuffle_generators(fingerprint, count)
    r = [rand() for _ in range(count)]
    commitments: list[Point] = [Point.infinity()] * count
    for i, j in enumerate(permutation):
        commitments[j] = Point.base_times(r[j]) + gens.hs[i]
    digest = statement_digest(fingerprint, public, gens, inputs, outputs, commitments, context)
    u = [x.value for x in vector_challenges(fingerprint, digest, count)]
    u_prime = [u[j] for j in permutation]

    r_hat = [rand() for _ in range(count)]
    chain_r, chain_u = chain_scalars(u_prime, r_hat)
    r_chain = chain_r[-1]
    r_sum = sum(x.value for x in r) % GROUP_ORDER
    r_inner = sum(x.value * y for x, y in zip(r, u, strict=True)) % GROUP_ORDER
    r_reenc = [
        sum(randomness[i][k].value * u_prime[i] for i in range(count)) % GROUP_ORDER
        for k in range(width)
    ]

    w1, w2, w3 = rand(), rand(), rand()
    w4 = [rand() for _ in range(width)]
    w_hat = [rand() for _ in range(count)]
    w_prime = [rand() for _ in range(count)]
    chunks = (
        NonceChunk(
            outputs.cut(first, end),
            gens.hs[first:end],
            tuple(w_prime[first:end]),
            gens.h,
            (Scalar(chain_r[first - 1]), Scalar(chain_u[first - 1])) if first else None,
            tuple(map(Scalar, chain_r[first:end])),
            tuple(map(Scalar, chain_u[first:end])),
            tuple(w_hat[first:end]),
        )
        for first, end in row_ranges(count, chunk_rows)
    )
    terms = list(map_chunks(nonce_terms, chunks))
    chain = [p for t in terms for p in t.chain]
    t1 = Point.base_times(w1)
    t2 = Point.base_times(w2)
    t3 = Point.sum([Point.base_times(w3), *(t.w_h for t in terms)])
    t4 = tuple(
        Ciphertext(
            Point.sum([Point.base_times(-w4[k]), *(t.outputs[k].alpha for t in terms)]),
            Point.sum([times(public, -w4[k]), *(t.outputs[k].beta for t in terms)]),
        )
        for k in range(width)
    )
    t_hat = tuple(p for t in terms for p in t.t_hat)
    c = _challenge(fingerprint, digest, chain, t1, t2, t3, t4, t_hat)
    return ShuffleProof(
        commitments=tuple(commitments),
        chain=tuple(chain),
        t1=t1,
        t2=t2,
        t3=t3,
        t4=t4,
        t_hat=t_hat,
        s1=w1 + c * r_sum,
        s2=w2 + c * r_chain,
        s3=w3 + c * r_inner,
        s4=tuple(w + c * x for w, x in zip(w4, r_reenc, strict=True)),
        s_hat=tuple(w + c * x for w, x in zip(w_hat, r_hat, strict=True)),
        s_prime=tuple(w + c * x for w, x in zip(w_prime, u_prime, strict=True)),
    )


def shuffle_challenge(fingerprint: bytes, digest: bytes, proof: ShuffleProof) -> Scalar:
    """The proof's Fiat–Shamir challenge c, recomputed from its commitments (shuffle.md §5.3)."""
    return _challenge(
        fingerprint, digest, proof.chain, proof.t1, proof.t2, proof.t3, proof.t4, proof.t_hat
    )


def _challenge(
    fingerprint: bytes,
    digest: bytes,
    chain: Sequence[Point],
    t1: Point,
    t2: Point,
    t3: Point,
    t4: Sequence[Ciphertext],
    t_hat: Sequence[Point],
) -> Scalar:
    """c = int(H(TAG_CHALLENGE; fp, d, ĉ_1‖…‖ĉ_N, t1, t2, t3, T4, t̂_1‖…‖t̂_N)) mod n
    (shuffle.md §5.3)."""
    return challenge(
        TAG_CHALLENGE,
        fingerprint,
        [
            digest,
            b"".join(p.to_bytes() for p in chain),
            t1,
            t2,
            t3,
            b"".join(t.to_bytes() for t in t4),
            b"".join(p.to_bytes() for p in t_hat),
        ],
    )


def decoded(rows: PackedRows | Sequence[Row]) -> tuple[Row, ...]:
    """``rows`` as ``Row`` values: a chunk's, decoded where its arithmetic is done."""
    return rows.decode() if isinstance(rows, PackedRows) else tuple(rows)


def _check_fingerprint(fingerprint: bytes) -> None:
    if len(fingerprint) != FINGERPRINT_BYTES:
        raise EncodingError(
            "fingerprint", f"expected {FINGERPRINT_BYTES} bytes, found {len(fingerprint)}"
        )
