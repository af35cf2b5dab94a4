"""Bounded discrete logarithms by baby-step giant-step (ceremony.md §6).

Decryption of an exponential-ElGamal total leaves m·G; the count m is small
(at most the number of members), so it is recovered by searching
0 <= m <= bound. With a table width M (a power of two, about sqrt(bound + 1)),
write m = i·M + j with 0 <= j < M: the baby-step table maps the encoding of
j·G to j, and the giant steps walk P, P - M·G, P - 2M·G, ... until one is in
the table. Memory and time are both O(sqrt(bound)); small m are found after
few giant steps, which is the common case for a tally.

The tables are cached between calls (a handful of widths at most), because a
tally decrypts many totals against the same bound.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from tellers.crypto.group import Point
from tellers.errors import DecryptionError, EncodingError

__all__ = ["MAX_BOUND", "discrete_log", "table_width"]

MAX_BOUND: Final = 1 << 40
"""The largest bound accepted: about 10^12, far beyond any electorate."""

_MIN_WIDTH: Final = 16
_MAX_WIDTH: Final = 1 << 18
"""At most 2^18 baby steps (about 40 MB of Python dict); larger bounds take more giant steps."""


def table_width(bound: int) -> int:
    """M: the least power of two with M² > bound, kept within [16, 2^18]."""
    width = _MIN_WIDTH
    while width * width <= bound and width < _MAX_WIDTH:
        width *= 2
    return width


@lru_cache(maxsize=4)
def _baby_steps(width: int) -> tuple[dict[bytes, int], Point]:
    """The table {encoding of j·G: j} for 0 <= j < width, and -width·G for the giant step."""
    table: dict[bytes, int] = {}
    g = Point.generator()
    point = Point.infinity()
    for j in range(width):
        table[point.to_bytes()] = j
        point = point + g
    # point is now width·G
    return table, -point


def discrete_log(point: Point, bound: int) -> int:
    """The m with 0 <= m <= bound and m·G = ``point``; ``DecryptionError`` if there is none.

    m = 0 is the point at infinity. The search is ceremony.md §6's baby-step
    giant-step; a value above ``bound`` is refused even when the last giant
    step happens to find it, so the result never depends on the table width.
    """
    if not 0 <= bound <= MAX_BOUND:
        raise EncodingError("bound", f"expected 0 <= bound <= {MAX_BOUND}, found {bound}")
    width = table_width(bound)
    table, giant = _baby_steps(width)
    current = point
    for i in range(bound // width + 1):
        j = table.get(current.to_bytes())
        if j is not None:
            m = i * width + j
            if m > bound:
                break
            return m
        current = current + giant
    raise DecryptionError(
        f"no m in [0, {bound}] has m·G equal to {point.hex()}: the plaintext is out of range"
    )
