"""The verifier of a shuffle proof, row work in chunks that may run elsewhere (shuffle.md §7).

Nearly all of a check is sums over rows — Σ u_j·c_j, Σ s'_i·h_i, Σ u_j·e_j and
Σ s'_i·e'_i per column — and the chain equation (5) of each row, which needs
only its own row and the chain point before it. ``check_shuffle_proof`` cuts
the rows into ``RowsChunk`` values, has ``chunk_terms`` computed for each
through ``map_chunks`` (the builtin ``map`` by default: in this process), adds
the partial sums and checks the equations in the spec's order. A caller with
processes to spare passes a ``map_chunks`` that sends the chunks to them
(``tellers.parallel`` is above this layer: the caller adapts it); the result,
and every refusal, is the same whichever map ran the chunks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tellers.crypto.elgamal import Ciphertext
from tellers.crypto.group import (
    GROUP_ORDER,
    Point,
    Scalar,
    multi_sum,
    points_from_native,
    points_to_native,
    times,
)
from tellers.crypto.packed import PackedRows, Row, packed
from tellers.crypto.shuffle_proof import (
    CHUNK_ROWS,
    ChunkMap,
    ShuffleProof,
    decoded,
    row_ranges,
    shuffle_challenge,
    shuffle_generators,
    statement_digest,
    vector_challenges,
)
from tellers.errors import InvalidProof

__all__ = [
    "ChunkTerms",
    "RowsChunk",
    "check_shuffle_proof",
    "chunk_terms",
]


@dataclass(frozen=True, slots=True)
class RowsChunk:
    """Rows ``first`` .. ``first + len(inputs) − 1`` (0-based) of one check, with the values
    of the statement and proof those rows' terms need."""

    first: int
    inputs: PackedRows | tuple[Row, ...]
    """The rows' encodings, decoded (each point's curve check) where the chunk is computed."""
    outputs: PackedRows | tuple[Row, ...]
    u: tuple[Scalar, ...]
    commitments: tuple[Point, ...]
    hs: tuple[Point, ...]
    s_prime: tuple[Scalar, ...]
    chain_before: Point
    """ĉ_{first−1}, or h for the first chunk."""
    chain: tuple[Point, ...]
    t_hat: tuple[Point, ...]
    s_hat: tuple[Scalar, ...]
    minus_c: Scalar

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # The rows as their encodings, the proof's points in libsecp256k1's own form, as
        # NonceChunk's.
        points = [*self.commitments, *self.hs, self.chain_before, *self.chain, *self.t_hat]
        rows = (packed(self.inputs), packed(self.outputs))
        scalars = (self.u, self.s_prime, self.s_hat, self.minus_c)
        return (_rows_chunk, (self.first, rows, points_to_native(points), scalars))


def _rows_chunk(
    first: int,
    rows: tuple[PackedRows, PackedRows],
    wire: bytes,
    scalars: tuple[tuple[Scalar, ...], tuple[Scalar, ...], tuple[Scalar, ...], Scalar],
) -> RowsChunk:
    u, s_prime, s_hat, minus_c = scalars
    points, count = points_from_native(wire), len(u)
    at = [count * i for i in range(4)]
    return RowsChunk(
        first,
        *rows,
        u,
        tuple(points[at[0] : at[1]]),
        tuple(points[at[1] : at[2]]),
        s_prime,
        points[at[2]],
        tuple(points[at[2] + 1 : at[3] + 1]),
        tuple(points[at[3] + 1 :]),
        s_hat,
        minus_c,
    )


@dataclass(frozen=True, slots=True)
class ChunkTerms:
    """One chunk's partial sums, and the first row (0-based) whose equation (5) fails."""

    c_tilde: Point
    """Σ u_j·c_j over the chunk."""
    s_h: Point
    """Σ s'_i·h_i."""
    inputs: tuple[Ciphertext, ...]
    """(Σ u_j·α_{j,k}, Σ u_j·β_{j,k}) per column k."""
    outputs: tuple[Ciphertext, ...]
    """(Σ s'_i·α'_{i,k}, Σ s'_i·β'_{i,k}) per column k."""
    broken_link: int | None


def chunk_terms(chunk: RowsChunk) -> ChunkTerms:
    """The partial sums and chain checks of one chunk (pure: may run in any process).

    Every sum is one ``multi_sum`` (the scalars are public). The chunk's equations (5) are
    checked together first, as one random combination Σ ρ_i·(t̂_i − ŝ_i·G − s'_i·ĉ_{i−1}
    + c·ĉ_i) = O with ρ_i drawn here (a false equation survives it with probability 1/n);
    only if that fails are the rows checked one by one, to name the first that fails.
    A point of the rows that is not one raises ``EncodingError`` naming its field.
    """
    in_rows, out_rows = decoded(chunk.inputs), decoded(chunk.outputs)
    width = len(in_rows[0])
    inputs, outputs = [], []
    for k in range(width):
        inputs.append(
            Ciphertext(
                multi_sum([row[k].alpha for row in in_rows], chunk.u),
                multi_sum([row[k].beta for row in in_rows], chunk.u),
            )
        )
        outputs.append(
            Ciphertext(
                multi_sum([row[k].alpha for row in out_rows], chunk.s_prime),
                multi_sum([row[k].beta for row in out_rows], chunk.s_prime),
            )
        )
    del in_rows, out_rows
    return ChunkTerms(
        multi_sum(chunk.commitments, chunk.u),
        multi_sum(chunk.hs, chunk.s_prime),
        tuple(inputs),
        tuple(outputs),
        None if _chain_holds(chunk) else _broken_link(chunk),
    )


def _chain_holds(chunk: RowsChunk) -> bool:
    """The chunk's equations (5) in one random linear combination."""
    rho = [Scalar.random() for _ in chunk.chain]
    c = -chunk.minus_c
    # ĉ_{i−1} is weighted −ρ_i·s'_i and ĉ_i is weighted ρ_i·c: each link but the chunk's
    # last and the one before it appears in two rows.
    points = [*chunk.t_hat, chunk.chain_before, *chunk.chain]
    weights = [*rho, -(rho[0] * chunk.s_prime[0])]
    for i in range(len(chunk.chain)):
        after = rho[i + 1] * chunk.s_prime[i + 1] if i + 1 < len(chunk.chain) else Scalar(0)
        weights.append(rho[i] * c - after)
    s_hat = Scalar(sum(r.value * s.value for r, s in zip(rho, chunk.s_hat, strict=True)))
    return multi_sum(points, weights) == Point.base_times(s_hat)


def _broken_link(chunk: RowsChunk) -> int | None:
    """The first row (0-based, of the whole list) of the chunk whose equation (5) fails."""
    previous = chunk.chain_before
    for i, (link, t, s_hat, s) in enumerate(
        zip(chunk.chain, chunk.t_hat, chunk.s_hat, chunk.s_prime, strict=True)
    ):
        if t != Point.base_plus(s_hat, previous, s) + link * chunk.minus_c:
            return chunk.first + i
        previous = link
    return None  # the random combination failed, by a chance of 1/n: every row holds


def check_shuffle_proof(
    fingerprint: bytes,
    public: Point,
    inputs: PackedRows | Sequence[Row],
    outputs: PackedRows | Sequence[Row],
    proof: ShuffleProof,
    *,
    context: bytes,
    map_chunks: ChunkMap = map,
    chunk_rows: int = CHUNK_ROWS,
) -> None:
    """The verifier of shuffle.md §7, steps 2–6 (``shuffle.check_shuffle`` does step 1, the
    rows' shapes): raises ``InvalidProof`` naming the first equation that fails, or
    ``EncodingError`` naming a point of the rows that is not one (each is decoded, in its
    chunk, only here)."""
    inputs, outputs = packed(inputs), packed(outputs)
    count, width = len(inputs), inputs.width
    _check_proof_shape(proof, count, width)
    gens = shuffle_generators(fingerprint, count)
    digest = statement_digest(
        fingerprint, public, gens, inputs, outputs, proof.commitments, context
    )
    u = vector_challenges(fingerprint, digest, count)
    minus_c = -shuffle_challenge(fingerprint, digest, proof)

    # The rows' terms first: they decode every point of the rows, so that one that is not
    # a point is named (``EncodingError``) before any equation is found false for it.
    chunks = (
        RowsChunk(
            first,
            inputs.cut(first, end),
            outputs.cut(first, end),
            tuple(u[first:end]),
            proof.commitments[first:end],
            gens.hs[first:end],
            proof.s_prime[first:end],
            proof.chain[first - 1] if first else gens.h,
            proof.chain[first:end],
            proof.t_hat[first:end],
            proof.s_hat[first:end],
            minus_c,
        )
        for first, end in row_ranges(count, chunk_rows)
    )
    terms = list(map_chunks(chunk_terms, chunks))

    c_bar = Point.sum([*proof.commitments, *(-h for h in gens.hs)])
    if proof.t1 != Point.base_plus(proof.s1, c_bar, minus_c):
        raise InvalidProof(
            "shuffle proof: equation (1) fails, t1 ≠ s1·G − c·(Σ c_j − Σ h_i): the proof was "
            "made for another statement (fingerprint, context, key, rows or generators), or "
            "its permutation commitment does not commit to one input row per output row"
        )
    u_product = 1
    for x in u:
        u_product = u_product * x.value % GROUP_ORDER
    c_hat = proof.chain[-1] - gens.h * Scalar(u_product)
    if proof.t2 != Point.base_plus(proof.s2, c_hat, minus_c):
        raise InvalidProof(
            "shuffle proof: equation (2) fails, t2 ≠ s2·G − c·(ĉ_N − (Π u_i)·h): the "
            "commitment chain does not end at the product of the challenges"
        )

    c_tilde = Point.sum([t.c_tilde for t in terms])
    t3 = Point.sum([Point.base_plus(proof.s3, c_tilde, minus_c), *(t.s_h for t in terms)])
    if proof.t3 != t3:
        raise InvalidProof(
            "shuffle proof: equation (3) fails, t3 ≠ s3·G + Σ s'_i·h_i − c·Σ u_j·c_j: the "
            "responses s' are not the permuted challenges the commitment opens to"
        )
    for k in range(width):
        alpha_in = Point.sum([t.inputs[k].alpha for t in terms])
        beta_in = Point.sum([t.inputs[k].beta for t in terms])
        alpha = Point.sum(
            [Point.base_plus(-proof.s4[k], alpha_in, minus_c), *(t.outputs[k].alpha for t in terms)]
        )
        beta = Point.sum(
            [
                times(public, -proof.s4[k]),
                beta_in * minus_c,
                *(t.outputs[k].beta for t in terms),
            ]
        )
        if proof.t4[k] != Ciphertext(alpha, beta):
            raise InvalidProof(
                f"shuffle proof: equation (4) fails in column {k + 1} of {width}, t4 ≠ "
                "(−s4·G + Σ s'_i·α'_i − c·Σ u_j·α_j, −s4·H + Σ s'_i·β'_i − c·Σ u_j·β_j): the "
                "output ciphertexts are not the inputs permuted and re-encrypted"
            )
    for t in terms:
        if t.broken_link is not None:
            raise InvalidProof(
                f"shuffle proof: equation (5) fails at row {t.broken_link + 1} of {count}, "
                "t̂_i ≠ ŝ_i·G + s'_i·ĉ_{i−1} − c·ĉ_i: the commitment chain is broken there"
            )


def _check_proof_shape(proof: ShuffleProof, count: int, width: int) -> None:
    for name, items, expected, per in (
        ("commitments", proof.commitments, count, "row"),
        ("chain", proof.chain, count, "row"),
        ("t_hat", proof.t_hat, count, "row"),
        ("s_hat", proof.s_hat, count, "row"),
        ("s_prime", proof.s_prime, count, "row"),
        ("t4", proof.t4, width, "column"),
        ("s4", proof.s4, width, "column"),
    ):
        if len(items) != expected:
            raise InvalidProof(
                f"shuffle proof: expected {expected} entries in {name} (one per {per}), "
                f"found {len(items)}"
            )
