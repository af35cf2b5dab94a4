"""Counting the decrypted rows under the contest's rule (ranked.md §6).

The decrypted rows become ``tellers.counting`` papers (``ranking.ranks_of``), identical
papers merged with their weight in the order first seen, and are counted by
``tellers.counting.count`` exactly as ``tellers count`` counts a ballot file holding the
same rankings; ``tellers.counting.format_result`` makes the stage-by-stage sheet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from tellers.counting import Ballot, Election, Result, Rules, count
from tellers.ranked.ranking import ranks_of

__all__ = ["count_rows", "ranked_election"]


def ranked_election(
    candidates: Sequence[str],
    rows: Sequence[Sequence[int | None]],
    *,
    seats: int,
    title: str = "",
) -> Election:
    """The papers of ``rows`` (decrypted values) for a count of ``candidates``' contest."""
    papers: Counter[tuple[tuple[int, ...], ...]] = Counter(ranks_of(row) for row in rows)
    return Election(
        candidates=tuple(candidates),
        ballots=tuple(Ballot(ranks, weight) for ranks, weight in papers.items()),
        seats=seats,
        title=title,
    )


def count_rows(
    candidates: Sequence[str],
    rows: Sequence[Sequence[int | None]],
    rules: Rules,
    *,
    seats: int,
    title: str = "",
) -> Result:
    """The count of the decrypted ``rows`` under ``rules`` (stages, winners, event log)."""
    return count(ranked_election(candidates, rows, seats=seats, title=title), rules)
