"""The dated statutory rules table (tellers.statute; record.md §3.6)."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest

from tellers.errors import ManifestError
from tellers.statute import ERA_2025, RULE_NAMES, RULES, TUA_2016, rules_in_force

DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("on", "turnout", "ips", "notice", "mandate"),
    [
        (TUA_2016, 50, 40, 14, 6),
        (TUA_2016 + DAY, 50, 40, 14, 6),
        (ERA_2025 - DAY, 50, 40, 14, 6),
        (ERA_2025, 50, None, 10, 12),
        (ERA_2025 + DAY, 50, None, 10, 12),
        (date(2030, 1, 1), 50, None, 10, 12),
    ],
)
def test_values_either_side_of_each_change(
    on: date, turnout: int, ips: int | None, notice: int, mandate: int
) -> None:
    rules = rules_in_force(on)
    assert rules.on == on
    assert (rules.turnout_percent, rules.important_services_yes_percent) == (turnout, ips)
    assert (rules.notice_days, rules.mandate_months, rules.term_years) == (notice, mandate, 5)


def test_the_day_before_the_2016_act_has_no_rules() -> None:
    with pytest.raises(ManifestError, match=r"rules\.turnout_percent.*2017-02-28.*2017-03-01"):
        rules_in_force(TUA_2016 - DAY)
    with pytest.raises(ManifestError, match="1990-01-01"):
        rules_in_force(date(1990, 1, 1))


def test_sources_name_the_act_in_force() -> None:
    before, after = rules_in_force(ERA_2025 - DAY), rules_in_force(ERA_2025)
    assert "Trade Union Act 2016 s.3" in before.source("important_services_yes_percent")
    assert "Employment Rights Act 2025 s.69" in after.source("important_services_yes_percent")
    assert "s.234A" in before.source("notice_days") and "2016" in before.source("notice_days")
    assert "Employment Rights Act 2025" in after.source("notice_days")
    assert "s.72" in after.source("mandate_months")
    assert "s.226(2)(a)(iia)" in after.source("turnout_percent")
    assert "s.46(1)(b)" in after.source("term_years")
    rule = after.rule("mandate_months")
    assert (rule.value, rule.in_force_from, rule.in_force_until) == (12, ERA_2025, None)
    assert before.rule("mandate_months").in_force_until == ERA_2025


def test_an_unknown_rule_name_is_refused() -> None:
    with pytest.raises(ManifestError, match="'quorum'"):
        rules_in_force(ERA_2025).source("quorum")


def test_spans_of_one_rule_never_overlap_and_leave_no_gap() -> None:
    for name in RULE_NAMES:
        spans = sorted((r for r in RULES if r.name == name), key=lambda r: r.in_force_from)
        assert spans, name
        for earlier, later in pairwise(spans):
            assert earlier.in_force_until == later.in_force_from, name
        assert spans[-1].in_force_until is None, name
        assert all(r.source.strip() for r in spans)
