"""Record format ``v2``: a shuffle's rows and proof as JSON (shuffle.md §4.1).

``shuffle_proof_to_json`` / ``shuffle_proof_from_json`` map a
``ShuffleProof``; ``rows_to_json`` / ``rows_from_json`` map the ciphertext
rows it speaks of. Reading checks every field's type, length and canonical
encoding and raises ``EncodingError`` naming the field path (``proof.t4[2].beta``);
it does not check that the lists have the lengths the statement needs (N and
W come from the rows): ``check_shuffle`` says that, as an ``InvalidProof``.
"""

from __future__ import annotations

import re
from binascii import unhexlify
from collections.abc import Sequence
from typing import Any, Final

from tellers.crypto.group import Point, Scalar
from tellers.crypto.packed import PackedRows, Row, packed
from tellers.crypto.shuffle import ShuffleProof
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


def rows_to_json(rows: PackedRows | Sequence[Row]) -> Json:
    """``[[{"alpha", "beta"}, ...], ...]``: one list of W ciphertexts per row, written from
    the rows' encodings (no point is decoded)."""
    rows = packed(rows)
    text = rows.data.hex()
    step, size = 2 * _HEX_POINT, rows.width * 2 * _HEX_POINT
    return [
        [
            {"alpha": text[at : at + _HEX_POINT], "beta": text[at + _HEX_POINT : at + step]}
            for at in range(start, start + size, step)
        ]
        for start in range(0, len(text), size)
    ]


def rows_from_json(obj: Json, where: str = "rows") -> PackedRows:
    """Rows of ciphertexts (neither point at infinity), all of one non-zero width, in the
    compact form. Each field's type and form are checked here, each point's curve check is
    made when its rows are decoded (``PackedRows.decode``): either names the field."""
    if not isinstance(obj, list):
        raise EncodingError(where, f"expected a list of rows, found {type(obj).__name__}")
    if not obj:
        raise EncodingError(where, "expected at least one row, found none")
    width = len(obj[0]) if isinstance(obj[0], list) else 0
    parts: list[bytes] = []
    for i, row in enumerate(obj):
        if not isinstance(row, list) or not row:
            raise EncodingError(f"{where}[{i}]", "expected a non-empty list of ciphertexts")
        if len(row) != width:
            raise EncodingError(
                f"{where}[{i}]", f"expected {width} ciphertexts as row 0, found {len(row)}"
            )
        for k, c in enumerate(row):
            if (
                type(c) is dict
                and len(c) == 2
                and type(alpha := c.get("alpha")) is str
                and type(beta := c.get("beta")) is str
                and _POINT_HEX.fullmatch(alpha)
                and _POINT_HEX.fullmatch(beta)
            ):
                parts.append(alpha.encode())
                parts.append(beta.encode())
            else:  # raises, naming the field (or returns a point: its encoding is kept)
                ciphertext = ciphertext_from_json(c, f"{where}[{i}][{k}]")
                parts.append(ciphertext.alpha.hex().encode())
                parts.append(ciphertext.beta.hex().encode())
    return PackedRows(width, unhexlify(b"".join(parts)), where)


_HEX_POINT: Final = 66
_POINT_HEX: Final = re.compile(r"0[23][0-9a-f]{64}")
_CIPHERTEXT_TEXT: Final = rb'\{"alpha":"0[23][0-9a-f]{64}","beta":"0[23][0-9a-f]{64}"\}'
_CIPHERTEXT_CHARS: Final = 2 * _HEX_POINT + 22
"""len('{"alpha":"' ‖ hex ‖ '","beta":"' ‖ hex ‖ '"}')."""
_FIXED: Final = ((b'{"alpha":"', b""), (b'","beta":"', b""), (b'"}', b""))
_patterns: dict[int, re.Pattern[bytes]] = {}


def rows_from_canonical(text: bytes, where: str = "rows") -> PackedRows | None:
    """The rows of ``text`` if it is exactly the canonical JSON of rows as ``rows_to_json``
    writes them (each point 66 lower-case hex digits starting 02 or 03, every row of the
    first row's width), else None for the caller to read it the general way. Neither a
    JSON value nor a point is made: the text is matched by one regular expression, then
    its hex digits are read in one piece (each point's curve check is left to
    ``PackedRows.decode``, as ``rows_from_json`` leaves it)."""
    if not text.startswith(b"[["):
        return None
    row_end = text.find(b"]", 2)  # the first row's: the 1 + 155·W bytes "[" ‖ (ct ",")… ct
    width, extra = divmod(row_end - 1, _CIPHERTEXT_CHARS + 1)
    if row_end < 0 or width < 1 or extra:
        return None
    pattern = _patterns.get(width)
    if pattern is None:
        row = rb"\[" + rb",".join([_CIPHERTEXT_TEXT] * width) + rb"\]"
        pattern = _patterns.setdefault(width, re.compile(rb"\[" + row + rb"(?:," + row + rb")*\]"))
    if pattern.fullmatch(text) is None:
        return None
    digits = text
    for old, new in _FIXED:
        digits = digits.replace(old, new)
    return PackedRows(width, unhexlify(digits.translate(None, b"[],")), where)


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
