"""Record format ``v2``: a shuffle's rows and proof as JSON (shuffle.md §4.1).

``shuffle_proof_to_json`` / ``shuffle_proof_from_json`` map a
``ShuffleProof``; ``rows_to_json`` / ``rows_from_json`` map the ciphertext
rows it speaks of. Reading checks every field's type, length and canonical
encoding and raises ``EncodingError`` naming the field path (``proof.t4[2].beta``);
it does not check that the lists have the lengths the statement needs (N and
W come from the rows): ``check_shuffle`` says that, as an ``InvalidProof``.
"""

from __future__ import annotations

from typing import Any

from tellers.crypto.group import Point, Scalar
from tellers.crypto.shuffle import Row, ShuffleProof
from tellers.errors import EncodingError
from tellers.record.v2 import ciphertext_from_json, ciphertext_to_json
from tellers.record.v2_fields import exact_keys, get, point_from_json

__all__ = [
    "PROOF_FIELDS",
    "rows_from_json",
    "rows_to_json",
    "shuffle_proof_from_json",
    "shuffle_proof_to_json",
]

Json = Any

_POINT_FIELDS = ("commitments", "chain", "t1", "t2", "t3", "t4", "t_hat")
_SCALAR_FIELDS = ("s1", "s2", "s3", "s4", "s_hat", "s_prime")
PROOF_FIELDS = frozenset((*_POINT_FIELDS, *_SCALAR_FIELDS))
"""The keys of a proof object, each named as its symbol in shuffle.md §4."""


def shuffle_proof_to_json(p: ShuffleProof) -> Json:
    return {
        "commitments": [c.hex() for c in p.commitments],
        "chain": [c.hex() for c in p.chain],
        "t1": p.t1.hex(),
        "t2": p.t2.hex(),
        "t3": p.t3.hex(),
        "t4": [ciphertext_to_json(t) for t in p.t4],
        "t_hat": [t.hex() for t in p.t_hat],
        "s1": p.s1.hex(),
        "s2": p.s2.hex(),
        "s3": p.s3.hex(),
        "s4": [s.hex() for s in p.s4],
        "s_hat": [s.hex() for s in p.s_hat],
        "s_prime": [s.hex() for s in p.s_prime],
    }


def shuffle_proof_from_json(obj: Json, where: str = "proof") -> ShuffleProof:
    """The proof, every point on the curve and not the point at infinity (an honest prover
    makes one with probability 2⁻²⁵⁶), every scalar below n."""
    exact_keys(obj, PROOF_FIELDS, where)
    return ShuffleProof(
        commitments=_points(obj, "commitments", where),
        chain=_points(obj, "chain", where),
        t1=point_from_json(get(obj, "t1", str, where), f"{where}.t1"),
        t2=point_from_json(get(obj, "t2", str, where), f"{where}.t2"),
        t3=point_from_json(get(obj, "t3", str, where), f"{where}.t3"),
        t4=tuple(
            ciphertext_from_json(t, f"{where}.t4[{k}]")
            for k, t in enumerate(_list(obj, "t4", where))
        ),
        t_hat=_points(obj, "t_hat", where),
        s1=_scalar(get(obj, "s1", str, where), f"{where}.s1"),
        s2=_scalar(get(obj, "s2", str, where), f"{where}.s2"),
        s3=_scalar(get(obj, "s3", str, where), f"{where}.s3"),
        s4=_scalars(obj, "s4", where),
        s_hat=_scalars(obj, "s_hat", where),
        s_prime=_scalars(obj, "s_prime", where),
    )


def rows_to_json(rows: tuple[Row, ...] | list[Row]) -> Json:
    """``[[{"alpha", "beta"}, ...], ...]``: one list of W ciphertexts per row."""
    return [[ciphertext_to_json(c) for c in row] for row in rows]


def rows_from_json(obj: Json, where: str = "rows") -> tuple[Row, ...]:
    """Rows of ciphertexts (neither point at infinity), all of one non-zero width."""
    if not isinstance(obj, list):
        raise EncodingError(where, f"expected a list of rows, found {type(obj).__name__}")
    if not obj:
        raise EncodingError(where, "expected at least one row, found none")
    rows: list[Row] = []
    for i, row in enumerate(obj):
        if not isinstance(row, list) or not row:
            raise EncodingError(f"{where}[{i}]", "expected a non-empty list of ciphertexts")
        if rows and len(row) != len(rows[0]):
            raise EncodingError(
                f"{where}[{i}]", f"expected {len(rows[0])} ciphertexts as row 0, found {len(row)}"
            )
        rows.append(tuple(ciphertext_from_json(c, f"{where}[{i}][{k}]") for k, c in enumerate(row)))
    return tuple(rows)


def _list(obj: Json, key: str, where: str) -> list[Any]:
    items: list[Any] = get(obj, key, list, where)
    if not items:
        raise EncodingError(f"{where}.{key}", "expected at least one entry, found none")
    return items


def _points(obj: Json, key: str, where: str) -> tuple[Point, ...]:
    return tuple(
        point_from_json(p, f"{where}.{key}[{i}]") for i, p in enumerate(_list(obj, key, where))
    )


def _scalars(obj: Json, key: str, where: str) -> tuple[Scalar, ...]:
    return tuple(_scalar(s, f"{where}.{key}[{i}]") for i, s in enumerate(_list(obj, key, where)))


def _scalar(text: Json, where: str) -> Scalar:
    if not isinstance(text, str):
        raise EncodingError(where, f"expected a hex string, found {type(text).__name__}")
    return Scalar.from_hex(text, where)
