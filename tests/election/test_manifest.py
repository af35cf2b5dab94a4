"""Manifest validation: every error names the field (record.md §3)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from recordtools import small_manifest

from tellers.election.manifest import Choice, Contest, Manifest, Thresholds
from tellers.errors import ManifestError

BASE = small_manifest()
PRESIDENT, STRIKE = BASE.contests


def _with(**changes: Any) -> Manifest:
    return dataclasses.replace(BASE, **changes)


def _contest(**changes: Any) -> Manifest:
    return _with(contests=(dataclasses.replace(PRESIDENT, **changes), STRIKE))


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: _with(election_id="Small 2026"), "election_id"),
        (lambda: _with(title="  "), "title"),
        (lambda: _with(organisation=""), "organisation"),
        (lambda: _with(scrutineer=""), "scrutineer"),
        (lambda: _with(opens="next Monday"), "opens/closes"),
        (lambda: _with(opens="2026-03-02T09:00:00"), "opens/closes"),
        (lambda: _with(closes="2026-03-01T09:00:00+00:00"), "closes"),
        (lambda: _with(revote="never"), "revote"),
        (lambda: _with(quorum=4), "quorum"),
        (lambda: _with(quorum=0), "quorum"),
        (lambda: _with(constituencies=()), "constituencies"),
        (lambda: _with(constituencies=("north", "north")), "constituencies"),
        (lambda: _with(contests=()), "contests"),
        (lambda: _with(contests=(PRESIDENT, PRESIDENT)), "contests[1] (president)"),
        (lambda: _contest(id="Président"), "contests[0] (Président).id"),
        (lambda: _contest(method="borda"), "contests[0] (president).method"),
        (lambda: _contest(choices=(Choice("ada", "Ada"),)), "contests[0] (president).choices"),
        (lambda: _contest(choices=(Choice("a", "A"), Choice("a", "B"))), "(president).choices"),
        (lambda: _contest(seats=3), "contests[0] (president).seats"),
        (lambda: _contest(seats=0), "contests[0] (president).seats"),
        (lambda: _contest(thresholds=Thresholds(50)), "contests[0] (president).thresholds"),
        (lambda: _contest(constituencies=("east",)), "contests[0] (president).constituencies"),
        (lambda: _contest(constituencies=()), "contests[0] (president).constituencies"),
        (lambda: _with(contests=(PRESIDENT, dataclasses.replace(STRIKE, seats=2))), "seats"),
        (
            lambda: _with(
                contests=(PRESIDENT, dataclasses.replace(STRIKE, choices=(Choice("no", "No"),)))
            ),
            "contests[1] (strike-north).choices",
        ),
        (lambda: Thresholds(turnout_percent=101), "thresholds.turnout_percent"),
        (lambda: Thresholds(yes_percent_of_entitled=-1), "thresholds.yes_percent_of_entitled"),
    ],
)
def test_each_error_names_its_field(build: Any, field: str) -> None:
    with pytest.raises(ManifestError) as caught:
        build()
    assert str(caught.value).startswith(field) or f"{field}:" in str(caught.value), caught.value


def test_too_many_selections_are_refused() -> None:
    many = tuple(Choice(f"c{i}", f"C{i}") for i in range(65))
    with pytest.raises(ManifestError, match=r"contests\[0\] \(president\): at most 64"):
        _contest(method="approval", choices=many)


@pytest.mark.parametrize(
    ("method", "seats", "choices", "k"),
    [
        ("plurality", 1, 3, 1),
        ("plurality", 2, 4, 2),
        ("approval", 1, 5, 5),
        ("yes-no", 1, 2, 1),
    ],
)
def test_max_selections(method: str, seats: int, choices: int, k: int) -> None:
    options = (
        (Choice("yes", "Yes"), Choice("no", "No"))
        if method == "yes-no"
        else tuple(Choice(f"c{i}", f"C{i}") for i in range(choices))
    )
    contest = Contest("q", "Q", method, options, seats=seats)  # type: ignore[arg-type]
    assert contest.max_selections == k


def test_entitlement_by_constituency() -> None:
    assert BASE.contests_for("north") == (0, 1)
    assert BASE.contests_for("south") == (0,)
    assert BASE.contest("strike-north") is STRIKE
    with pytest.raises(ManifestError, match="no contest 'vice'"):
        BASE.contest("vice")
    with pytest.raises(ManifestError, match="contest president: no choice 'zoe'"):
        PRESIDENT.choice_index("zoe")
