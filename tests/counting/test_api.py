"""The public API of tellers.counting, pinned (STYLE 8)."""

from __future__ import annotations

import tellers.counting


def test_public_api_is_exactly_this() -> None:
    assert tellers.counting.__all__ == [
        "METHODS",
        "OVERVOTE",
        "Arithmetic",
        "Ballot",
        "BallotOptions",
        "Election",
        "Event",
        "Method",
        "Result",
        "Round",
        "Rules",
        "ThresholdResult",
        "TiePolicy",
        "check_thresholds",
        "count",
        "default_ballot_options",
        "format_result",
        "parse_blt",
        "parse_jsonl",
        "read_blt",
        "read_jsonl",
        "write_blt",
    ]
    for name in tellers.counting.__all__:
        assert hasattr(tellers.counting, name)
