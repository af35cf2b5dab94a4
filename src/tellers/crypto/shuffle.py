"""A verifiable re-encryption shuffle of ciphertext rows: the mixnet's one step (shuffle.md).

A ranked ballot is a row of W ciphertexts, one per preference position. A
shuffler (a trustee, in turn) takes the N rows of the board, permutes them
with one secret permutation π, re-encrypts every ciphertext with fresh
randomness, and publishes the new rows with a proof (``shuffle_proof``) that
they are exactly the old ones permuted and re-encrypted: no row added,
dropped, duplicated or changed, and nothing else learnt. The next shuffler
takes these rows as its input; after the last, the trustees decrypt the
rows one by one. One honest shuffler in the chain is enough to unlink every
decrypted row from the ballot it came from (security.md §3.15).

``shuffle`` / ``check_shuffle`` are the producer and checker twins; the
statement is bound to the election fingerprint and to a caller's
``context`` naming the shuffle's place in the chain (for a trustee's
shuffle: its index and the shuffle's position, shuffle.md §5.4), so a proof
cannot be replayed as another trustee's or at another step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tellers.crypto.elgamal import Ciphertext
from tellers.crypto.group import Point, Scalar, table_of, times
from tellers.crypto.hashing import int_field
from tellers.crypto.packed import PackedRows, Row, packed
from tellers.crypto.shuffle_check import check_shuffle_proof
from tellers.crypto.shuffle_proof import (
    CHUNK_ROWS,
    ChunkMap,
    Rand,
    ShuffleProof,
    decoded,
    prove_shuffle,
    row_ranges,
)
from tellers.errors import EncodingError, InvalidProof

__all__ = [
    "ReencryptionChunk",
    "Row",
    "ShuffleProof",
    "check_shuffle",
    "random_permutation",
    "reencrypt",
    "reencrypt_row",
    "reencrypt_rows",
    "shuffle",
    "shuffle_context",
]


def shuffle_context(trustee: int, position: int, contest: bytes = b"") -> bytes:
    """The context of trustee ``trustee``'s shuffle at ``position`` (1 for the first shuffle
    of the board's rows) of one list of rows: ``"shuffle" ‖ u64(trustee) ‖ u64(position) ‖
    contest`` (shuffle.md §5.4), so that no proof is valid as another trustee's, at another
    place in the chain, or for another contest's list."""
    return b"shuffle" + int_field(trustee) + int_field(position) + contest


def reencrypt(public: Point, ciphertext: Ciphertext, r: Scalar) -> Ciphertext:
    """(α + r·G, β + r·H): the same plaintext under fresh randomness (shuffle.md §3)."""
    table = table_of(public)
    if table is None:
        beta = ciphertext.beta + times(public, r)
    else:
        beta = table.times_plus(r, (ciphertext.beta,))
    return Ciphertext(ciphertext.alpha + Point.base_times(r), beta)


def reencrypt_row(public: Point, row: Row, randomness: Sequence[Scalar]) -> Row:
    """Each ciphertext of ``row`` re-encrypted with its own randomness."""
    return tuple(reencrypt(public, c, r) for c, r in zip(row, randomness, strict=True))


@dataclass(frozen=True, slots=True)
class ReencryptionChunk:
    """Rows to re-encrypt, already in their output order, each with its randomness; and,
    as ``reencrypt_rows`` returns it, the rows re-encrypted (``randomness`` then empty).
    The rows travel as their encodings (``PackedRows``) both ways: decoded where they are
    re-encrypted, and the results joined by the shuffler without being decoded."""

    public: Point
    rows: PackedRows | tuple[Row, ...]
    randomness: tuple[tuple[Scalar, ...], ...]

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (ReencryptionChunk, (self.public, packed(self.rows), self.randomness))


def reencrypt_rows(chunk: ReencryptionChunk) -> ReencryptionChunk:
    """Every row of ``chunk`` re-encrypted (pure: may run in any process)."""
    rows = (
        reencrypt_row(chunk.public, row, r)
        for row, r in zip(decoded(chunk.rows), chunk.randomness, strict=True)
    )
    return ReencryptionChunk(chunk.public, PackedRows.from_rows(rows), ())


def random_permutation(count: int, rand: Rand = Scalar.random) -> tuple[int, ...]:
    """A uniform permutation of 0..count−1 by Fisher–Yates, the swap partner of position i
    (from count−1 down to 1) being ``rand() mod (i + 1)`` (bias below count/n: none that
    matters). The draws are in shuffle.md §6.1 so the vectors can be reproduced."""
    order = list(range(count))
    for i in range(count - 1, 0, -1):
        j = rand().value % (i + 1)
        order[i], order[j] = order[j], order[i]
    return tuple(order)


def shuffle(
    fingerprint: bytes,
    public: Point,
    rows: PackedRows | Sequence[Row],
    *,
    context: bytes,
    rand: Rand = Scalar.random,
    map_chunks: ChunkMap = map,
    chunk_rows: int = CHUNK_ROWS,
) -> tuple[PackedRows, ShuffleProof]:
    """Permute and re-encrypt ``rows`` under the election key ``public``; return the new rows
    and the proof (shuffle.md §6). ``rand`` draws the permutation, then the re-encryption
    randomness row by row, then the proof's nonces; it is the OS CSPRNG unless a test or
    vector fixes it. The permutation and randomness are forgotten on return: they would
    link every output row to its ballot.

    ``map_chunks`` computes the re-encryptions and the proof's nonce commitments by chunks
    of ``chunk_rows`` rows: ``map`` here, or a caller's map over this machine's processes
    (the randomness goes to them: never to another machine). The rows go to them, and
    come back, as their encodings (``PackedRows``): this process decodes none of them."""
    inputs = _packed(rows, "rows")
    count, width = len(inputs), inputs.width
    if public.is_infinity():
        raise EncodingError("public", "the election key must not be the point at infinity")
    permutation = random_permutation(count, rand)
    randomness = tuple(tuple(rand() for _ in range(width)) for _ in range(count))
    chunks = (
        ReencryptionChunk(
            public,
            PackedRows(width, inputs.taken(permutation[first:end])),
            randomness[first:end],
        )
        for first, end in row_ranges(count, chunk_rows)
    )
    done = map_chunks(reencrypt_rows, chunks)
    outputs = PackedRows.join((packed(part.rows) for part in done), width)
    proof = prove_shuffle(
        fingerprint, public, inputs, outputs, permutation, randomness, context=context, rand=rand,
        map_chunks=map_chunks, chunk_rows=chunk_rows,
    )  # fmt: skip
    return outputs, proof


def check_shuffle(
    fingerprint: bytes,
    public: Point,
    input_rows: PackedRows | Sequence[Row],
    output_rows: PackedRows | Sequence[Row],
    proof: ShuffleProof,
    *,
    context: bytes,
    map_chunks: ChunkMap = map,
    chunk_rows: int = CHUNK_ROWS,
) -> None:
    """Return None if ``output_rows`` are ``input_rows`` permuted and re-encrypted under
    ``public`` as ``proof`` proves, for this fingerprint and context; else raise
    ``InvalidProof`` saying which check or equation failed (shuffle.md §7).

    ``map_chunks`` computes the rows' terms chunk by chunk (``shuffle_check``): ``map``
    here, or a caller's map over processes for a large list."""
    if public.is_infinity():
        raise InvalidProof("shuffle proof: the election key is the point at infinity")
    try:
        inputs = _packed(input_rows, "input rows")
        outputs = _packed(output_rows, "output rows")
    except EncodingError as exc:
        raise InvalidProof(f"shuffle proof: {exc}") from None
    count, width = len(inputs), inputs.width
    out_count, out_width = len(outputs), outputs.width
    if out_count != count:
        raise InvalidProof(
            f"shuffle proof: expected {count} output rows (one per input row), found {out_count}"
        )
    if out_width != width:
        raise InvalidProof(
            f"shuffle proof: expected output rows of width {width} as the inputs, found {out_width}"
        )
    check_shuffle_proof(
        fingerprint, public, inputs, outputs, proof, context=context,
        map_chunks=map_chunks, chunk_rows=chunk_rows,
    )  # fmt: skip


def _packed(rows: PackedRows | Sequence[Row], field: str) -> PackedRows:
    """``rows`` in the compact form, refusing no rows, empty rows and rows of unequal width
    (rows counted from 1, as in the spec)."""
    if isinstance(rows, PackedRows):
        if not rows:
            raise EncodingError(field, "expected at least one row, found none")
        return rows
    _shape(rows, field)
    return PackedRows.from_rows(rows)


def _shape(rows: Sequence[Row], field: str) -> tuple[int, int]:
    if not rows:
        raise EncodingError(field, "expected at least one row, found none")
    width = len(rows[0])
    if width < 1:
        raise EncodingError(field, "expected at least one ciphertext in row 1, found none")
    for i, row in enumerate(rows):
        if len(row) != width:
            raise EncodingError(
                field, f"expected {width} ciphertexts in row {i + 1} as in row 1, found {len(row)}"
            )
    return len(rows), width
