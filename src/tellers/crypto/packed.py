"""A list of ciphertext rows held as their encodings: the mixnet's compact form (shuffle.md §5).

A ranked contest's list is N rows of W ciphertexts; at Unite 2017's size that is 2.6
million points, each about 240 bytes as a ``Point`` but 33 as its compressed encoding.
``PackedRows`` keeps the encodings alone, in the order the statement hashes them
(shuffle.md §5.1: α_{1,1}, β_{1,1}, α_{1,2}, …, row after row), in one ``bytes``: a range
of rows is a slice, sent to another process as it is, and decoded (``decode``) only
where its arithmetic is done, each point decompressed once. A point that is not one is
named by its field, ``rows[3][1].beta`` under the list's ``where``, exactly as reading the
rows from JSON one by one names it.

The encodings are not checked when the list is made from bytes (``PackedRows(width,
data)``): ``decode`` checks each point it decodes. A list made from ``Row`` values
(``from_rows``) holds points already checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Final, overload

from tellers.crypto.elgamal import Ciphertext
from tellers.crypto.group import POINT_BYTES, Point, points_from_encodings
from tellers.errors import EncodingError

__all__ = ["CIPHERTEXT_BYTES", "PackedRows", "Row", "packed"]

Row = tuple[Ciphertext, ...]
"""One ballot's ciphertexts, one per preference position (width W)."""

CIPHERTEXT_BYTES: Final = 2 * POINT_BYTES
"""enc(α) ‖ enc(β)."""
_BLOCK: Final = 1024
"""Rows decoded at a time when the list is iterated."""


class PackedRows(Sequence[Row]):
    """N rows of width W as N·W·66 bytes: each ciphertext's enc(α) ‖ enc(β), row-major."""

    __slots__ = ("_count", "data", "origin", "where", "width")
    width: int
    """W, ciphertexts per row (0 only for an empty list)."""
    _count: int
    """N, the number of rows (``len``)."""
    data: bytes
    """The encodings, row after row."""
    where: str
    """The field path a bad point is named under (``mix.rows``): not part of the value."""
    origin: int
    """The index its first row has in the list it was cut from, for naming: not part of
    the value."""

    def __init__(self, width: int, data: bytes, where: str = "rows", origin: int = 0) -> None:
        row = width * CIPHERTEXT_BYTES
        if width < 0 or (width == 0 and data) or (row and len(data) % row):
            raise EncodingError(
                where, f"expected whole rows of {width} ciphertexts, found {len(data)} bytes"
            )
        object.__setattr__(self, "width", width)
        object.__setattr__(self, "_count", len(data) // row if row else 0)
        object.__setattr__(self, "data", bytes(data))
        object.__setattr__(self, "where", where)
        object.__setattr__(self, "origin", origin)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("PackedRows is immutable")

    @classmethod
    def from_rows(cls, rows: Iterable[Row], where: str = "rows") -> PackedRows:
        """The rows' encodings; ``EncodingError`` if they are not all of one width."""
        width = -1
        parts = []
        for i, row in enumerate(rows):
            if width < 0:
                width = len(row)
            elif len(row) != width:
                raise EncodingError(
                    f"{where}[{i}]", f"expected {width} ciphertexts as row 0, found {len(row)}"
                )
            parts.append(b"".join(p.to_bytes() for c in row for p in (c.alpha, c.beta)))
        return cls(max(width, 0), b"".join(parts), where)

    @classmethod
    def join(cls, parts: Iterable[PackedRows], width: int, where: str = "rows") -> PackedRows:
        """The rows of ``parts`` one after another, none decoded."""
        datas = []
        for part in parts:
            if len(part) and part.width != width:
                raise EncodingError(where, f"expected rows of width {width}, found {part.width}")
            datas.append(part.data)
        return cls(width if any(datas) else 0, b"".join(datas), where)

    @property
    def row_size(self) -> int:
        """Bytes per row: 66·W."""
        return self.width * CIPHERTEXT_BYTES

    def row_bytes(self, first: int = 0, end: int | None = None) -> bytes:
        """The encodings of rows ``first`` .. ``end`` − 1 (a slice: nothing decoded)."""
        first, end, _ = slice(first, end).indices(self._count)
        return self.data[first * self.row_size : max(first, end) * self.row_size]

    def cut(self, first: int = 0, end: int | None = None) -> PackedRows:
        """Rows ``first`` .. ``end`` − 1 as a list of their own (named from ``first`` on)."""
        first, end, _ = slice(first, end).indices(self._count)
        return PackedRows(self.width, self.row_bytes(first, end), self.where, self.origin + first)

    def taken(self, order: Iterable[int]) -> bytes:
        """The encodings of rows ``order[0]``, ``order[1]``, … (a permutation's inputs)."""
        size, data = self.row_size, self.data
        return b"".join([data[j * size : (j + 1) * size] for j in order])

    def decode(self, first: int = 0, end: int | None = None) -> tuple[Row, ...]:
        """Rows ``first`` .. ``end`` − 1 as ``Row`` values, each point decompressed once;
        ``EncodingError`` naming the first that is not a point (``rows[3][1].beta``)."""
        first, end, _ = slice(first, end).indices(self._count)
        data = self.row_bytes(first, end)
        encodings = [data[i : i + POINT_BYTES] for i in range(0, len(data), POINT_BYTES)]
        points = points_from_encodings(encodings)
        if points is None:
            points = [self._point(first, i, e) for i, e in enumerate(encodings)]
        pairs = [Ciphertext(points[i], points[i + 1]) for i in range(0, len(points), 2)]
        w = self.width
        return tuple(tuple(pairs[i : i + w]) for i in range(0, len(pairs), w))

    def _point(self, first: int, index: int, encoding: bytes) -> Point:
        """Point ``index`` of the rows from ``first``, or the error naming its field."""
        row, rest = divmod(index, 2 * self.width)
        part = "beta" if rest % 2 else "alpha"
        where = f"{self.where}[{self.origin + first + row}][{rest // 2}].{part}"
        return Point.from_bytes(encoding, where)

    def alphas(self, first: int = 0, end: int | None = None) -> bytes:
        """enc(α) of ciphertexts ``first`` .. ``end`` − 1 in row-major order (M = N·W of
        them in all), one after another: what a decryption share multiplies."""
        return self._points(first, end, 0)

    def betas(self, first: int = 0, end: int | None = None) -> bytes:
        """enc(β) of ciphertexts ``first`` .. ``end`` − 1, as ``alphas``."""
        return self._points(first, end, POINT_BYTES)

    def _points(self, first: int, end: int | None, at: int) -> bytes:
        first, end, _ = slice(first, end).indices(self._count * self.width)
        data, step = self.data, CIPHERTEXT_BYTES
        return b"".join(
            [data[i : i + POINT_BYTES] for i in range(first * step + at, end * step, step)]
        )

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> PackedRows: ...
    def __getitem__(self, index: int | slice) -> Row | PackedRows:
        if isinstance(index, slice):
            if index.step not in (None, 1):
                return PackedRows.from_rows(self.decode()[index], self.where)
            return self.cut(index.start or 0, index.stop)
        i = index + self._count if index < 0 else index
        if not 0 <= i < self._count:
            raise IndexError("row index out of range")
        return self.decode(i, i + 1)[0]

    def __iter__(self) -> Iterator[Row]:
        for first in range(0, self._count, _BLOCK):
            yield from self.decode(first, first + _BLOCK)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedRows):
            return self.width == other.width and self.data == other.data
        if isinstance(other, tuple | list):
            try:
                return self == PackedRows.from_rows(other)
            except (EncodingError, AttributeError, TypeError):
                return False
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.width, self.data))

    def __repr__(self) -> str:
        return f"PackedRows({self._count} rows of width {self.width})"

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (PackedRows, (self.width, self.data, self.where, self.origin))


def packed(rows: PackedRows | Sequence[Row], where: str = "rows") -> PackedRows:
    """``rows`` in the compact form (themselves if they are already)."""
    if isinstance(rows, PackedRows):
        return rows
    return PackedRows.from_rows(rows, where)
