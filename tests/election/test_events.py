"""The ``event-format`` check's findings, field by field (record.md §5.2)."""

from __future__ import annotations

from typing import Any

import pytest

from tellers.verify.events import body_problem

TRACKER = "ab" * 32
ACCEPTED = {"at": "2026-03-02T09:00:05+00:00", "ballot": {}, "supersedes": None, "tracker": TRACKER}


def _with(**changes: Any) -> dict[str, Any]:
    body = {**ACCEPTED, **changes}
    return {k: v for k, v in body.items() if v != "DROP"}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (ACCEPTED, None),
        (_with(note="x"), "unexpected field(s) ['note']"),
        (_with(at="DROP"), "missing field(s) ['at']"),
        (_with(at="DROP", tracker="DROP"), "missing field(s) ['at', 'tracker']"),
        (_with(at="DROP", note="x"), "unexpected field(s) ['note']"),
        (_with(tracker="AB" * 32), "field(s) ['tracker'] of the wrong type or form"),
        (_with(at="2026-03-02T09:00:05"), "field(s) ['at'] of the wrong type or form"),
        ([], "the event body is not an object"),
    ],
)
def test_a_ballot_accepted_body(body: Any, problem: str | None) -> None:
    assert body_problem("ballot-accepted", body) == problem


def test_an_unknown_type_is_left_to_board_order() -> None:
    assert body_problem("ballot-lost", {"x": 1}) is None
