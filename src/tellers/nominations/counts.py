"""A closed nominations log's figures: what the s.52 report states of nominations
(nominations.md §6.4; record.md §9.2, ``nominations``).

Counted from the replayed log alone, so the verifier and the report give the same
numbers: nominations received, ruled valid, ruled invalid by the ruling's code (every
invalid code, zeros included, so that the figures have one shape), candidates registered,
withdrawn and standing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from tellers.nominations.state import CODES, NominationsState

__all__ = ["INVALID_CODES", "nomination_counts"]

INVALID_CODES = tuple(code for code in CODES if code != "valid")
"""The codes of an invalid ruling, in the order the figures list them."""


def nomination_counts(log: NominationsState) -> dict[str, Any]:
    """``{"contest", "head", "candidates", "received", "valid", "invalid": {code: n},
    "withdrawn", "standing"}`` of a closed log (``log.outcome`` set)."""
    outcome = log.outcome
    assert outcome is not None, "a closed log"
    codes = Counter(n.ruling.code for n in log.nominations if n.ruling is not None)
    return {
        "contest": outcome.contest,
        "head": outcome.head,
        "candidates": len(log.candidates),
        "received": len(log.nominations),
        "valid": codes["valid"],
        "invalid": {code: codes[code] for code in INVALID_CODES},
        "withdrawn": sum(1 for c in log.candidates.values() if c.withdrawn_at is not None),
        "standing": len(outcome.candidates),
    }
