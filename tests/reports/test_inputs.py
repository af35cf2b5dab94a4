"""The statements and logs files: well-formed ones read, malformed ones refused by line and field
(reports.md §3, §4). Each case is one line: a change to a good file, and what the error says."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tellers.errors import StatementsFileError
from tellers.reports import parse_logs, parse_statements
from tellers.reports.statements import statements_to_json

GOOD: dict[str, Any] = {
    "format": "tellers-statements/v1",
    "election_id": "gs-2026",
    "scrutineer": "Independent Scrutineer Ltd",
    "made_on": "2026-03-25",
    "no_breach": {"satisfied": True},
    "arrangements_adequate": {"satisfied": False, "reasons": "The store room was unlocked."},
    "no_interference": {"satisfied": True, "reasons": ""},
    "register": {
        "inspected": False,
        "inspected_by": "",
        "on_request": 0,
        "own_instance": 0,
        "requests_declined": 0,
        "matters": "",
    },
    "persons": [],
}


def _with(change: dict[str, Any]) -> str:
    raw = json.loads(json.dumps(GOOD))
    for path, value in change.items():
        *parents, last = path.split(".")
        target = raw
        for p in parents:
            target = target[int(p)] if p.isdigit() else target[p]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value
    return json.dumps(raw, indent=2)


def test_a_good_file_reads_and_writes_back_the_same() -> None:
    s = parse_statements(json.dumps(GOOD))
    assert [st.satisfied for st in s.statements] == [True, False, True]
    assert s.not_satisfied[0].reasons == "The store room was unlocked."
    again = parse_statements(json.dumps(statements_to_json(s)))
    assert again == s


@pytest.mark.parametrize(
    ("change", "on_line", "message"),
    [
        (
            {"arrangements_adequate.reasons": "  "},
            '"reasons": "  "',
            "arrangements_adequate.reasons: the scrutineer is not satisfied, so the reasons are",
        ),
        (
            {"arrangements_adequate.reasons": KeyError},
            '"arrangements_adequate"',
            "arrangements_adequate.reasons: the scrutineer is not satisfied",
        ),
        (
            {"no_breach.satisfied": "yes"},
            '"satisfied": "yes"',
            'no_breach.satisfied: expected true or false, found "yes"',
        ),
        ({"no_interference": KeyError}, "", "(the file): the field 'no_interference' is missing"),
        ({"ballots_counted": 999}, '"ballots_counted": 999', "ballots_counted: unknown field"),
        (
            {"register.requested_by": "A. Member"},
            '"requested_by"',
            "register.requested_by: unknown field",
        ),
        (
            {"format": "tellers-statements/v2"},
            '"format"',
            "format: expected 'tellers-statements/v1'",
        ),
        ({"made_on": "25/03/2026"}, '"made_on"', "made_on: expected a date YYYY-MM-DD"),
        (
            {"register.inspected": True},
            '"inspected_by"',
            "register.inspected_by: the register was inspected: say by whom",
        ),
        (
            {"register.on_request": 2},
            '"inspected": false',
            "register.inspected: false, but inspections are counted",
        ),
        (
            {"register.requests_declined": -1},
            '"requests_declined": -1',
            "register.requests_declined: expected a whole number >= 0",
        ),
        (
            {"persons": [{"name": "X", "duties": ["guard"]}]},
            '"duties"',
            "persons.0.duties: expected a list of some of store, distribute, count",
        ),
        (
            {"persons": [{"name": " ", "duties": ["count"]}]},
            '"name": " "',
            "persons.0.name: expected a name",
        ),
    ],
)
def test_a_malformed_statements_file_is_refused_by_line_and_field(
    change: dict[str, Any], on_line: str, message: str
) -> None:
    """``on_line``: what the line the error names holds (none: a missing top-level field)."""
    text = _with(change)
    with pytest.raises(StatementsFileError) as caught:
        parse_statements(text, "statements.json")
    assert message in str(caught.value)
    if on_line:
        assert caught.value.line > 0
        assert on_line in text.splitlines()[caught.value.line - 1]
        assert str(caught.value).startswith(f"statements.json:{caught.value.line}: ")


def test_a_statements_file_that_is_not_json_names_its_line() -> None:
    with pytest.raises(StatementsFileError, match=r"statements.json:3: not JSON"):
        parse_statements('{\n"format": "tellers-statements/v1",\n oops\n}', "statements.json")


HEADER = '{"format": "tellers-logs/v1", "election_id": "gs-2026"}'
ACTION = {
    "at": "2026-03-02T08:00:00+00:00",
    "role": "mail house",
    "person": "Mail House plc",
    "action": "papers posted",
    "detail": "",
    "duty": "distribute",
}


def test_a_good_log_reads() -> None:
    logs = parse_logs("\n".join([HEADER, json.dumps(ACTION), json.dumps(ACTION | {"duty": None})]))
    assert logs.doers("distribute") == (("Mail House plc", "mail house", 1),)
    assert logs.delivery == {}


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "logs.jsonl: empty"),
        (['{"format": "tellers-logs/v2", "election_id": "x"}'], "logs.jsonl:1: format: expected"),
        (
            ['{"format": "tellers-logs/v1", "election_id": "x", "delivery": {"emails_sent": -3}}'],
            "logs.jsonl:1: delivery.emails_sent: expected a whole number",
        ),
        ([HEADER, json.dumps(ACTION), "{not json"], "logs.jsonl:3: not JSON"),
        (
            [HEADER, json.dumps(ACTION | {"duty": "vote"})],
            "logs.jsonl:2: duty: expected one of store, distribute, count",
        ),
        (
            [HEADER, json.dumps(ACTION | {"at": "2026-03-02 08:00"})],
            "logs.jsonl:2: at: expected a date-time with its offset",
        ),
        ([HEADER, json.dumps(ACTION | {"votes": 3})], "logs.jsonl:2: votes: unknown field"),
        (
            [HEADER, json.dumps({k: v for k, v in ACTION.items() if k != "person"})],
            "logs.jsonl:2: person: expected text",
        ),
        (
            [HEADER, json.dumps(ACTION | {"role": "Officer!"})],
            "logs.jsonl:2: role: expected lower-case words",
        ),
    ],
)
def test_a_malformed_log_is_refused_by_line_and_field(lines: list[str], message: str) -> None:
    with pytest.raises(StatementsFileError) as caught:
        parse_logs("\n".join(lines), "logs.jsonl")
    assert message in str(caught.value)
