"""The exact shape of every board event's body (record.md §5.2): the ``event-format`` check.

Each body has exactly its fields, each of its JSON type: a boolean is never
an integer, a hash is 64 lower-case hex digits, a time an ISO 8601 date-time
with a UTC offset. Nested values (a ballot, a reveal, the tally's contests,
the result's figures) are read or compared by the checks that use them; an
event whose body is the wrong shape is reported here and taken no further.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tellers.board import REASONS
from tellers.postal.ledger import POSTAL_REASONS

__all__ = ["body_problem", "parse_time"]

_HEX32 = re.compile(r"^[0-9a-f]{64}$")
_POINT = re.compile(r"^(0[23][0-9a-f]{64})$")

Kind = Callable[[Any], bool]


def parse_time(text: Any) -> datetime | None:
    """An ISO 8601 date-time with a UTC offset, or None."""
    if not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _str(v: Any) -> bool:
    return isinstance(v, str)


def _hex32(v: Any) -> bool:
    return isinstance(v, str) and bool(_HEX32.match(v))


def _point(v: Any) -> bool:
    return isinstance(v, str) and bool(_POINT.match(v))


def _time(v: Any) -> bool:
    return parse_time(v) is not None


def _obj(v: Any) -> bool:
    return isinstance(v, dict)


def _list(v: Any) -> bool:
    return isinstance(v, list)


def _or_null(kind: Kind) -> Kind:
    return lambda v: v is None or kind(v)


def _one_of(*values: str) -> Kind:
    return lambda v: isinstance(v, str) and v in values


_BODIES: dict[str, dict[str, Kind]] = {
    "election-opened": {
        "authority": _obj,
        "credentials": _int,
        "credentials_hash": _hex32,
        "fingerprint": _hex32,
        "joint_key": _point,
        "manifest_hash": _hex32,
        "opened_at": _time,
    },
    "ballot-accepted": {
        "at": _time,
        "ballot": _obj,
        "supersedes": _or_null(_hex32),
        "tracker": _hex32,
    },
    "ballot-refused": {
        "at": _time,
        "audit": _or_null(_obj),
        "ballot": _or_null(_obj),
        "detail": _str,
        "reason": _one_of(*REASONS),
        "request": _one_of("cast", "audit"),
        "tracker": _or_null(_hex32),
    },
    "ballot-audited": {"at": _time, "contests": _list, "reveal": _list, "tracker": _hex32},
    "election-closed": {"closed_at": _time, "counted": _int, "events": _int},
    "tally": {"contests": _list},
    "decryption": {
        "election_id": _str,
        "fingerprint": _hex32,
        "format": _str,
        "shares": _list,
        "signature": _str,
        "tally": _hex32,
        "trustee": _int,
    },
    "mix": {
        "contest": _str,
        "election_id": _str,
        "fingerprint": _hex32,
        "format": _str,
        "input": _hex32,
        "position": _int,
        "proof": _obj,
        "rows": _list,
        "signature": _str,
        "trustee": _int,
    },
    "mix-decryption": {
        "contest": _str,
        "election_id": _str,
        "fingerprint": _hex32,
        "format": _str,
        "mix": _hex32,
        "proof": _obj,
        "shares": _list,
        "signature": _str,
        "trustee": _int,
    },
    "result": {"ballots_counted": _int, "contests": _list, "electorate": _int, "turnout": _obj},
    # The postal channel (postal.md §5): the signed messages are checked by the postal checks.
    "papers-issued": {"at": _time, "statement": _obj},
    "paper-voided": {"at": _time, "message": _obj},
    "paper-issued": {"at": _time, "message": _obj},
    "paper-accepted": {
        "at": _time,
        "return": _obj,
        "supersedes": _or_null(_hex32),
        "tracker": _hex32,
    },
    "paper-refused": {
        "at": _time,
        "detail": _str,
        "reason": _one_of(*POSTAL_REASONS),
        "return": _or_null(_obj),
        "tracker": _or_null(_hex32),
    },
    "paper-audit": {"at": _time, "message": _obj},
}


_NAMES = {kind: frozenset(fields) for kind, fields in _BODIES.items()}


def body_problem(kind: str, body: Any) -> str | None:
    """What is wrong with the shape of an event's body, or None."""
    fields = _BODIES.get(kind)
    if fields is None:
        return None  # an unknown type is board-order's to report
    if not isinstance(body, dict):
        return "the event body is not an object"
    names = _NAMES[kind]
    if body.keys() != names:
        extra, missing = body.keys() - names, names - body.keys()
        if extra:
            return f"unexpected field(s) {sorted(extra)}"
        return f"missing field(s) {sorted(missing)}"
    wrong = [name for name, ok in fields.items() if not ok(body[name])]
    if wrong:
        return f"field(s) {sorted(wrong)} of the wrong type or form"
    if kind == "ballot-refused":
        return _refusal_shape(body)
    if kind == "paper-refused" and (
        (body["return"] is None) != (body["reason"] == "malformed")
        or (body["return"] is None) != (body["tracker"] is None)
    ):
        return "a paper's refusal has a null return and tracker exactly when it is 'malformed'"
    return None


def _refusal_shape(body: dict[str, Any]) -> str | None:
    """The links between a refusal's fields (record.md §5.4)."""
    if (body["ballot"] is None) != (body["reason"] == "malformed"):
        return "a refusal has a null ballot exactly when the reason is 'malformed'"
    if body["ballot"] is None and body["tracker"] is not None:
        return "an unreadable ballot has no tracker"
    if body["ballot"] is not None and body["tracker"] is None:
        return "a readable ballot's refusal names its tracker"
    if (body["audit"] is not None) != (body["reason"] == "bad-audit"):
        return (
            "a refusal carries the failed reveal ('audit') exactly when the reason is 'bad-audit'"
        )
    if body["reason"] == "bad-audit" and (
        body["request"] != "audit" or set(body["audit"]) != {"reveal", "signature"}
    ):
        return "a bad-audit refusal is of an audit request and carries {'reveal', 'signature'}"
    if body["request"] == "audit" and body["reason"] in ("revote-forbidden", "first-counts"):
        return f"an audit request is never refused as {body['reason']!r}"
    return None
