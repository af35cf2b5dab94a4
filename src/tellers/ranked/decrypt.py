"""Decrypting the mixed rows one by one, with Chaum–Pedersen proofs (ranked.md §5).

Each trustee of the decrypting quorum publishes, for every ciphertext of the last
shuffle's rows in row-major order (row 1's positions 1..W, then row 2's, …), its share
D_l = x_l·α and the proof of ceremony.md §4.1 (``tellers.crypto.threshold``), exactly as
for a tally's totals. Anyone combines k checked shares into v·G = β − Σ λ_l·D_l and reads
v (``ranking.decode_value``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tellers.crypto.ceremony_messages import (
    MAX_TRUSTEES,
    DecryptionShare,
    TrusteeCommitment,
    TrusteeKey,
)
from tellers.crypto.elgamal import Ciphertext
from tellers.crypto.group import Point, Scalar
from tellers.crypto.shuffle import Row
from tellers.crypto.shuffle_proof import ChunkMap, Rand
from tellers.crypto.threshold import (
    check_decryption_share_of,
    combine_shares,
    decryption_shares,
    verification_key,
)
from tellers.errors import EncodingError, InvalidProof
from tellers.ranked.ranking import decode_value, value_table

__all__ = ["check_row_shares", "open_rows", "row_shares"]


def _flat(rows: Sequence[Row]) -> list[Ciphertext]:
    return [c for row in rows for c in row]


def row_shares(
    fingerprint: bytes,
    key: TrusteeKey,
    rows: Sequence[Row],
    *,
    rand: Rand = Scalar.random,
    map_chunks: ChunkMap = map,
    chunk: int = 4096,
) -> tuple[DecryptionShare, ...]:
    """Trustee ``key.trustee``'s share and proof for every ciphertext of ``rows``, row-major;
    ``map_chunks`` makes them ``chunk`` ciphertexts at a time (``map``, or a map over the
    trustee's own processes: the key share goes to them)."""
    flat = _flat(rows)
    tasks = (
        _ToShare(fingerprint, key, tuple(flat[first : first + chunk]), rand)
        for first in range(0, len(flat), chunk)
    )
    return tuple(share for part in map_chunks(_share_chunk, tasks) for share in part)


@dataclass(frozen=True, slots=True)
class _ToShare:
    fingerprint: bytes
    key: TrusteeKey
    ciphertexts: tuple[Ciphertext, ...]
    rand: Rand


def _share_chunk(chunk: _ToShare) -> tuple[DecryptionShare, ...]:
    return decryption_shares(chunk.fingerprint, chunk.key, chunk.ciphertexts, rand=chunk.rand)


def check_row_shares(
    fingerprint: bytes,
    commitments: Sequence[TrusteeCommitment],
    rows: Sequence[Row],
    shares: Sequence[DecryptionShare],
    *,
    map_chunks: ChunkMap = map,
    chunk: int = 4096,
) -> None:
    """Raise ``InvalidProof`` unless ``shares`` are one trustee's N·W checked shares of
    ``rows``; it names the trustee, the row and the preference (1-based) of the first that
    is not. Whether the trustee may decrypt is the caller's to check. ``map_chunks`` checks
    the proofs ``chunk`` at a time (``map``, or a map over this machine's processes)."""
    flat = _flat(rows)
    if len(shares) != len(flat):
        raise InvalidProof(f"expected {len(flat)} decryption shares, found {len(shares)}")
    if not shares:
        return
    trustee = shares[0].trustee
    if not isinstance(trustee, int) or not 1 <= trustee <= MAX_TRUSTEES:
        raise InvalidProof(f"decryption share from unknown trustee {trustee!r}")
    public = verification_key(trustee, commitments)
    width = len(rows[0])
    for position, share in enumerate(shares):
        if share.trustee != trustee:
            row, slot = divmod(position, width)
            raise InvalidProof(
                f"trustee {trustee}, row {row + 1}, preference {slot + 1}: a share from "
                f"trustee {share.trustee}"
            )
    tasks = (
        _SharesChunk(fingerprint, public, trustee, width, first, tuple(flat[first : first + chunk]),
                     tuple(shares[first : first + chunk]))
        for first in range(0, len(flat), chunk)
    )  # fmt: skip
    for problem in map_chunks(_check_chunk, tasks):
        if problem is not None:
            raise InvalidProof(problem)


@dataclass(frozen=True, slots=True)
class _SharesChunk:
    fingerprint: bytes
    public: Point
    trustee: int
    width: int
    first: int
    ciphertexts: tuple[Ciphertext, ...]
    shares: tuple[DecryptionShare, ...]


def _check_chunk(chunk: _SharesChunk) -> str | None:
    """The first share of the chunk that does not check, described, or None."""
    for k, (ciphertext, share) in enumerate(zip(chunk.ciphertexts, chunk.shares, strict=True)):
        try:
            check_decryption_share_of(chunk.fingerprint, chunk.public, ciphertext, share)
        except InvalidProof as exc:
            row, slot = divmod(chunk.first + k, chunk.width)
            return f"trustee {chunk.trustee}, row {row + 1}, preference {slot + 1}: {exc}"
    return None


def open_rows(
    rows: Sequence[Row], shares: Sequence[Sequence[DecryptionShare]], candidates: int
) -> tuple[tuple[int | None, ...], ...]:
    """Each row's values v_1..v_W (None where a point is not 0·G..C·G), from the checked
    shares of a quorum (one sequence per trustee, each row-major as ``row_shares``)."""
    if not rows:
        raise EncodingError("rows", "expected at least one row, found none")
    width = len(rows[0])
    table = value_table(candidates)
    points = combine_shares(_flat(rows), shares)
    values = [decode_value(p, table) for p in points]
    return tuple(tuple(values[i : i + width]) for i in range(0, len(values), width))
