"""Eligibility thresholds and the nominating-bodies CSV (nominations.md §2–§3)."""

from __future__ import annotations

import pytest

from tellers.errors import NominationError, NominationsFileError
from tellers.nominations import Period, Rules, read_bodies_csv


def test_five_percent_of_3480_branches_is_174_as_unite_2021() -> None:
    rules = Rules(min_nominations=0, percent_of_bodies="5")
    assert rules.required(3480) == 174
    assert rules.required(3461) == 174  # 173.05 rounds up
    assert rules.required(3460) == 173
    assert rules.required(3481) == 175


def test_the_larger_of_the_minimum_and_the_percentage_applies() -> None:
    rules = Rules(min_nominations=50, percent_of_bodies="2.5")
    assert rules.required(100) == 50
    assert rules.required(4000) == 100


def test_unite_2013_rule_needs_fifty_from_more_than_one_region() -> None:
    rules = Rules(min_nominations=50, more_than_regions=1)
    assert rules.required(10_000) == 50
    assert Rules.from_json(rules.to_json()) == rules


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"word_limit": 99}, "at least 100 words"),
        ({"percent_of_bodies": "0"}, "more than 0"),
        ({"percent_of_bodies": "five"}, "decimal number"),
        ({"min_nominations": -1}, "min_nominations"),
        ({"order": "seniority"}, "rules.order"),
        ({"counted_kinds": ("club",)}, "counted_kinds"),
    ],
)
def test_rules_refuse_what_the_statute_or_sense_forbids(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(NominationError, match=message):
        Rules(**changes)  # type: ignore[arg-type]


def test_withdrawal_cut_off_must_fall_within_the_period() -> None:
    with pytest.raises(NominationError, match="withdrawals_close"):
        Period(
            "2026-03-02T09:00:00+00:00", "2026-03-30T17:00:00+00:00", "2026-04-02T09:00:00+00:00"
        )
    with pytest.raises(NominationError, match="no UTC offset"):
        Period("2026-03-02T09:00:00", "2026-03-30T17:00:00+00:00", "2026-03-20T09:00:00+00:00")


def test_bodies_csv_is_read_and_a_bad_line_is_named() -> None:
    good = (
        "body_id,name,kind,region\nNW0001,Salford branch,branch,North West\n"
        "LN0001,London,region,London\n"
    )
    listed = read_bodies_csv(good.splitlines(keepends=True), "bodies.csv")
    assert [(b.id, b.kind, b.region) for b in listed] == [
        ("NW0001", "branch", "North West"),
        ("LN0001", "region", "London"),
    ]
    cases = [
        ("body_id,name,kind\n", 1, "header"),
        ("body_id,name,kind,region\nA1,A,branch,North\nA2,B,club,North\n", 3, "kind"),
        ("body_id,name,kind,region\nA1,A,branch,North\nA1,B,branch,North\n", 3, "repeats line 2"),
        ("body_id,name,kind,region\nA1,A,branch\n", 2, "expected 4 fields"),
        ("body_id,name,kind,region\nA 1,A,branch,North\n", 2, "body_id"),
        ("body_id,name,kind,region\nA1,,branch,North\n", 2, "name"),
        ("body_id,name,kind,region\nA1,A,branch,\n", 2, "region"),
    ]
    for text, line, problem in cases:
        with pytest.raises(NominationsFileError, match=problem) as caught:
            read_bodies_csv(text.splitlines(keepends=True), "bodies.csv")
        assert caught.value.line == line and caught.value.path == "bodies.csv"
