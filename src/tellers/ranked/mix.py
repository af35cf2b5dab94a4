"""The mixnet: the trustees shuffle a ranked contest's rows in turn (ranked.md §4).

Step k of the chain (position k = 1, 2, …) is one trustee's ``tellers.crypto.shuffle``
of the rows step k - 1 published (step 0's rows are the board's: the counted ballots'
rows in board order), under the context ``mix_context(contest, trustee, k)``, so that a
proof is valid only for its trustee, its place in the chain and its contest. A trustee
checks every earlier step before it shuffles (``check_mix``); so does the verifier, and
the trustees decrypt only the rows ``check_mix`` returns. As long as one trustee of the
chain kept its permutation secret, no decrypted row can be linked to its ballot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tellers.crypto.group import Point, Scalar
from tellers.crypto.packed import PackedRows, Row, packed
from tellers.crypto.shuffle import ShuffleProof, check_shuffle, shuffle, shuffle_context
from tellers.crypto.shuffle_proof import CHUNK_ROWS, ChunkMap, Rand
from tellers.errors import InvalidProof

__all__ = ["MixStep", "check_mix", "mix", "mix_context"]


@dataclass(frozen=True, slots=True)
class MixStep:
    """One trustee's shuffle in the chain."""

    trustee: int
    """l, the shuffling trustee's index."""
    position: int
    """k: 1 for the shuffle of the board's rows, then 2, 3, …"""
    rows: PackedRows
    """The output rows e′, as their encodings."""
    proof: ShuffleProof


def mix_context(contest_id: str, trustee: int, position: int) -> bytes:
    """shuffle.md §5.4's context with the contest's id (UTF-8) as its last part."""
    return shuffle_context(trustee, position, contest_id.encode())


def mix(
    fingerprint: bytes,
    public: Point,
    rows: PackedRows | Sequence[Row],
    *,
    contest_id: str,
    trustee: int,
    position: int,
    rand: Rand = Scalar.random,
    map_chunks: ChunkMap = map,
    chunk_rows: int = CHUNK_ROWS,
) -> MixStep:
    """Trustee ``trustee``'s shuffle of ``rows`` at ``position`` (the caller has checked the
    chain up to ``rows`` with ``check_mix``)."""
    out, proof = shuffle(
        fingerprint, public, rows, context=mix_context(contest_id, trustee, position),
        rand=rand, map_chunks=map_chunks, chunk_rows=chunk_rows,
    )  # fmt: skip
    return MixStep(trustee, position, out, proof)


def check_mix(
    fingerprint: bytes,
    public: Point,
    board_rows: PackedRows | Sequence[Row],
    steps: Sequence[MixStep],
    *,
    contest_id: str,
    map_chunks: ChunkMap = map,
    chunk_rows: int = CHUNK_ROWS,
) -> PackedRows:
    """The last step's rows (the board's if there is no step), after checking every step's
    proof against the rows before it; ``InvalidProof`` names the first step that fails: one
    out of place (positions run 1, 2, …), a trustee shuffling twice, or a proof that does
    not check."""
    rows = packed(board_rows)
    shuffled: set[int] = set()
    for k, step in enumerate(steps, 1):
        where = f"shuffle {k} (trustee {step.trustee})"
        if step.position != k:
            raise InvalidProof(f"{where}: expected position {k}, found {step.position}")
        if step.trustee in shuffled:
            raise InvalidProof(f"{where}: the trustee has already shuffled this list")
        shuffled.add(step.trustee)
        try:
            check_shuffle(
                fingerprint, public, rows, step.rows, step.proof,
                context=mix_context(contest_id, step.trustee, k),
                map_chunks=map_chunks, chunk_rows=chunk_rows,
            )  # fmt: skip
        except InvalidProof as exc:
            raise InvalidProof(f"{where}: {exc}") from None
        rows = step.rows
    return rows
