"""The manifest's statutory fields, format tellers-manifest/v4 (record.md §3.6)."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from recordtools import small_manifest

from tellers import canonical
from tellers.election.fingerprint import manifest_hash
from tellers.election.manifest import Choice, Contest, Manifest, RuleOverride, Thresholds
from tellers.election.statutory import (
    ballot_rules,
    contest_thresholds,
    manifest_warnings,
    unacknowledged_warnings,
)
from tellers.errors import EncodingError, ManifestError
from tellers.record.v2 import manifest_from_json, manifest_to_json

YES_NO = (Choice("yes", "Yes"), Choice("no", "No"))
BEFORE, ON = "2026-02-17T09:00:00+00:00", "2026-02-18T09:00:00+00:00"


def strike(opens: str = BEFORE, **changes: Any) -> Manifest:
    """An industrial-action ballot: two workplaces, one flagged, one question each."""
    closes = (datetime.fromisoformat(opens) + timedelta(days=21)).isoformat()
    contests = tuple(
        Contest(f"strike-{wp}", f"Strike at {wp}?", "yes-no", YES_NO, constituencies=(wp,))
        for wp in ("hospital", "depot")
    )
    fields: dict[str, Any] = {
        "election_id": "branch-strike",
        "title": "Branch strike ballot",
        "organisation": "Test Workers' Union",
        "scrutineer": "Independent Scrutineer Ltd",
        "opens": opens,
        "closes": closes,
        "revote": "forbidden",
        "trustees": 3,
        "quorum": 2,
        "constituencies": ("hospital", "depot"),
        "contests": contests,
        "kind": "industrial-action",
        "relevant_date": "2026-01-30",
        "important_public_services": ("hospital",),
    }
    return Manifest(**{**fields, **changes})


def election(**changes: Any) -> Manifest:
    return dataclasses.replace(small_manifest(), **{"kind": "election", **changes})


def as_json(m: Manifest, **changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = manifest_to_json(m)
    obj.update(changes)
    return obj


# --- unknown fields are refused, naming the field and where --------------------------------


@pytest.mark.parametrize("field", ["relevant_date", "effective_until", "term_years"])
def test_a_v2_manifest_refuses_each_field_it_does_not_have(field: str) -> None:
    obj = as_json(small_manifest(), **{field: "2026-01-01"})
    with pytest.raises(EncodingError, match=rf"^manifest: unexpected field\(s\) \['{field}'\]"):
        manifest_from_json(obj)


def test_a_v2_manifest_with_a_v4_field_is_told_which_format_holds_it() -> None:
    with pytest.raises(EncodingError, match=r"tellers-manifest/v4.*needs \"kind\""):
        manifest_from_json(as_json(small_manifest(), term_years=5))


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda o: o.update(effective_until="2027-01-01"), r"manifest: .*'effective_until'"),
        (lambda o: o["contests"][0].update(relevant_date="x"), r"manifest\.contests\[0\]: "),
        (lambda o: o["contests"][0]["thresholds"].update(mandate=6), r"contests\[0\]\.thresholds"),
        (lambda o: o.update(rules={"turnout_percent": {"value": 40}}), r"rules\.turnout_percent"),
        (
            lambda o: o.update(rules={"notice_days": {"value": 7, "reason": "x", "until": 1}}),
            r"rules\.notice_days: unexpected field\(s\) \['until'\]",
        ),
    ],
)
def test_a_v4_manifest_refuses_an_unknown_field_naming_where(change: Any, where: str) -> None:
    obj = json.loads(json.dumps(manifest_to_json(strike(contests=_stated()))))
    change(obj)
    with pytest.raises(EncodingError, match=where):
        manifest_from_json(obj)


def _stated() -> tuple[Contest, ...]:
    return tuple(
        dataclasses.replace(c, thresholds=Thresholds(50, True, None)) for c in strike().contests
    )


# --- the v4 form: every field written, read back the same, all in the hash ---------------


def test_v4_round_trips_and_writes_every_field() -> None:
    m = election(
        term_years=6,
        relevant_date="2026-02-01",
        rules=(RuleOverride("term_years", 6, "rule 14.2 of the union's rule book"),),
        acknowledged=("term-over-limit",),
    )
    obj = manifest_to_json(m)
    assert obj["format"] == "tellers-manifest/v4"
    assert obj["postal"] is None and obj["important_public_services"] == []
    assert obj["rules"] == {
        "term_years": {"value": 6, "reason": "rule 14.2 of the union's rule book"}
    }
    again = manifest_from_json(json.loads(canonical.dumps(obj)))
    assert again == m and manifest_to_json(again) == obj


def test_an_older_manifest_keeps_its_format_and_bytes() -> None:
    m = small_manifest()
    obj = manifest_to_json(m)
    assert obj["format"] == "tellers-manifest/v2"
    assert manifest_to_json(manifest_from_json(obj)) == obj


@pytest.mark.parametrize(
    "change",
    [
        {"relevant_date": "2026-01-31"},
        {"important_public_services": ()},
        {"important_public_services": ("hospital", "depot")},
        {"rules": (RuleOverride("turnout_percent", 60, "branch rule 3"),)},
        {"rules": (RuleOverride("turnout_percent", 50, "a different reason"),)},
        {"acknowledged": ("thresholds-below-rules",)},
    ],
)
def test_every_new_field_changes_the_manifest_hash(change: dict[str, Any]) -> None:
    base = strike(rules=(RuleOverride("turnout_percent", 50, "branch rule 3"),))
    assert manifest_hash(dataclasses.replace(base, **change)) != manifest_hash(base)


def test_kind_and_term_change_the_manifest_hash() -> None:
    assert manifest_hash(election(term_years=5)) != manifest_hash(election(term_years=4))
    assert manifest_hash(election()) != manifest_hash(small_manifest())


# --- what is refused -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: dataclasses.replace(small_manifest(), term_years=5), r"kind: required with"),
        (lambda: election(kind="strike"), r"kind: expected one of"),
        (lambda: strike(relevant_date="2026-02-20"), r"relevant_date: .* after the opening"),
        (lambda: strike(relevant_date="30/01/2026"), r"relevant_date: expected an ISO"),
        (lambda: strike(relevant_date="2026-01-30T00:00"), r"relevant_date: expected an ISO"),
        (lambda: strike(important_public_services=("ward",)), r"important_public_services"),
        (lambda: election(important_public_services=("north",)), r"only an industrial-action"),
        (lambda: strike(term_years=5), r"term_years: only an election"),
        (lambda: election(term_years=0), r"term_years: expected a whole number"),
        (lambda: strike(rules=(RuleOverride("quorum", 1, "x"),)), r"rules\.quorum: expected"),
        (lambda: strike(rules=(RuleOverride("notice_days", 7, " "),)), r"needs a recorded reason"),
        (lambda: strike(rules=(RuleOverride("notice_days", None, "x"),)), r"rules\.notice_days"),
        (lambda: strike(rules=(RuleOverride("turnout_percent", 101, "x"),)), r"0\.\.100"),
        (
            lambda: strike(
                rules=(RuleOverride("notice_days", 7, "a"), RuleOverride("notice_days", 8, "b"))
            ),
            r"overridden twice",
        ),
        (lambda: strike(acknowledged=("whatever",)), r"acknowledged: expected distinct codes"),
        (
            lambda: strike(
                contests=(Contest("gs", "GS", "plurality", (Choice("a", "A"), Choice("b", "B"))),)
            ),
            r"contests\[0\] \(gs\)\.method: an industrial-action ballot asks yes/no",
        ),
        (
            lambda: strike(opens="2017-02-28T09:00:00+00:00", relevant_date=None),
            r"rules\.turnout_percent: no statutory rule is in force on 2017-02-28",
        ),
    ],
)
def test_refused_naming_the_field(build: Any, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        build()


def test_a_ballot_before_the_table_runs_on_stated_rules() -> None:
    reason = "ballot under the rules before the Trade Union Act 2016"
    names = ("turnout_percent", "important_services_yes_percent", "notice_days", "mandate_months")
    values = (None, None, 7, 1)
    m = strike(
        opens="2016-02-10T09:00:00+00:00",
        relevant_date=None,
        rules=tuple(RuleOverride(n, v, reason) for n, v in zip(names, values, strict=True)),
    )
    rules = ballot_rules(m)
    assert (rules.turnout_percent, rules.notice_days, rules.term_years) == (None, 7, 5)
    assert rules.source("notice_days") == f"manifest override: {reason}"
    assert contest_thresholds(m, m.contests[0]) == Thresholds(None, True, None)


# --- thresholds from the rules in force on the opening day ---------------------------------


def test_thresholds_follow_the_opening_day_and_the_flag() -> None:
    before, after = strike(BEFORE), strike(ON)
    hospital, depot = before.contests
    assert contest_thresholds(before, hospital) == Thresholds(50, True, 40)
    assert contest_thresholds(before, depot) == Thresholds(50, True, None)
    assert contest_thresholds(after, after.contests[0]) == Thresholds(50, True, None)
    assert (ballot_rules(before).notice_days, ballot_rules(after).notice_days) == (14, 10)
    assert (ballot_rules(before).mandate_months, ballot_rules(after).mandate_months) == (6, 12)


def test_a_question_for_all_members_takes_the_rule_if_any_workplace_is_flagged() -> None:
    m = strike(contests=(Contest("strike", "Strike?", "yes-no", YES_NO),))
    assert contest_thresholds(m, m.contests[0]) == Thresholds(50, True, 40)
    m = dataclasses.replace(m, important_public_services=())
    assert contest_thresholds(m, m.contests[0]) == Thresholds(50, True, None)


def test_stated_thresholds_and_overrides_win_over_the_table() -> None:
    stated = strike(contests=_stated())
    assert contest_thresholds(stated, stated.contests[0]) == Thresholds(50, True, None)
    overridden = strike(rules=(RuleOverride("important_services_yes_percent", None, "CAC order"),))
    assert contest_thresholds(overridden, overridden.contests[0]) == Thresholds(50, True, None)
    assert ballot_rules(overridden).source("important_services_yes_percent") == (
        "manifest override: CAC order"
    )


def test_an_election_and_an_older_manifest_keep_their_stated_thresholds() -> None:
    for m in (small_manifest(), election()):
        assert contest_thresholds(m, m.contests[1]) == Thresholds(50)
        assert contest_thresholds(m, m.contests[0]) is None


# --- warnings the officer must acknowledge --------------------------------------------------


def test_a_term_over_five_years_is_a_warning_until_acknowledged() -> None:
    assert manifest_warnings(election(term_years=5)) == ()
    (warning,) = manifest_warnings(election(term_years=6))
    assert (warning.code, warning.field) == ("term-over-limit", "term_years")
    assert "s.46(1)(b)" in warning.message
    assert unacknowledged_warnings(election(term_years=6)) == (warning,)
    assert unacknowledged_warnings(election(term_years=6, acknowledged=("term-over-limit",))) == ()


def test_overriding_the_term_rule_does_not_hide_the_warning() -> None:
    m = election(term_years=7, rules=(RuleOverride("term_years", 7, "our rule book"),))
    assert [w.code for w in unacknowledged_warnings(m)] == ["term-over-limit"]


def test_stated_thresholds_below_the_rules_are_a_warning() -> None:
    weak = tuple(
        dataclasses.replace(c, thresholds=Thresholds(50, True, None)) for c in strike().contests
    )
    (warning,) = manifest_warnings(strike(contests=weak))
    assert (warning.code, warning.field) == (
        "thresholds-below-rules",
        "contests[0] (strike-hospital).thresholds",
    )
    # After 18 February 2026 the same thresholds are what the rules give.
    assert manifest_warnings(strike(ON, contests=weak)) == ()
    assert manifest_warnings(small_manifest()) == ()
