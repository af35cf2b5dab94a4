"""A ranking as the plaintexts of a ranked ballot, and a decrypted row as ranks (ranked.md §2).

A member ranks up to W of the contest's C candidates, each at most once. Position p of
the ballot's row (p = 1..W) encrypts v_p = the number (1..C) of the candidate ranked p-th,
or 0 when the member gave fewer than p preferences. Decrypting a row gives v_p·G; a
point that is no multiple 0..C of G (only a hand-made ballot can hold one: the casting
proof shows knowledge of the randomness, not the range) is "not a candidate". A count
reads the row as rank groups (``tellers.counting.Ballot``): (c - 1,) for candidate c, ()
for 0 and ``OVERVOTE`` for not a candidate, trailing empty ranks dropped, so the rule's
own ballot options decide what a gap, a repeated candidate or a void mark does, exactly
as for a paper marked that way.
"""

from __future__ import annotations

from collections.abc import Sequence

from tellers.counting.ballots import OVERVOTE
from tellers.crypto.elgamal import plaintext_point
from tellers.crypto.group import Point
from tellers.errors import EncodingError

__all__ = ["MAX_CANDIDATES", "decode_value", "ranking_values", "ranks_of", "value_table"]

MAX_CANDIDATES = 64
"""C at most: every decrypted point is looked up among 0·G..C·G."""


def ranking_values(ranking: Sequence[int], candidates: int, preferences: int) -> tuple[int, ...]:
    """(v_1, …, v_W) for ``ranking``, the candidates' 0-based indices in order of preference;
    refuses a candidate twice, an unknown candidate and more than W preferences."""
    _check_shape(candidates, preferences)
    if len(ranking) > preferences:
        raise EncodingError(
            "ranking", f"expected at most {preferences} preferences, found {len(ranking)}"
        )
    seen: set[int] = set()
    for place, index in enumerate(ranking, 1):
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < candidates:
            raise EncodingError(
                f"ranking[{place}]", f"expected a candidate 0..{candidates - 1}, found {index!r}"
            )
        if index in seen:
            raise EncodingError(f"ranking[{place}]", f"candidate {index} is ranked twice")
        seen.add(index)
    return tuple(index + 1 for index in ranking) + (0,) * (preferences - len(ranking))


def value_table(candidates: int, scale: int = 1) -> dict[bytes, int]:
    """(scale·v)·G's encoding → v for v = 0..C (``scale`` for rows opened with their
    Lagrange weights cleared of denominators, ranked.md §5.3)."""
    _check_shape(candidates, 1)
    return {plaintext_point(scale * v).to_bytes(): v for v in range(candidates + 1)}


def decode_value(point: Point, table: dict[bytes, int]) -> int | None:
    """v if ``point`` is v·G for a v in ``table``, else None (not a candidate)."""
    return table.get(point.to_bytes())


def ranks_of(values: Sequence[int | None]) -> tuple[tuple[int, ...], ...]:
    """The rank groups a count reads from one decrypted row (module docstring)."""
    ranks = [(OVERVOTE,) if v is None else () if v == 0 else (v - 1,) for v in values]
    while ranks and ranks[-1] == ():
        ranks.pop()
    return tuple(ranks)


def _check_shape(candidates: int, preferences: int) -> None:
    if not 2 <= candidates <= MAX_CANDIDATES:
        raise EncodingError("candidates", f"expected 2..{MAX_CANDIDATES}, found {candidates}")
    if not 1 <= preferences <= candidates:
        raise EncodingError("preferences", f"expected 1..{candidates}, found {preferences}")
