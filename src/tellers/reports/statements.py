"""The scrutineer's statements: the ``tellers-statements/v1`` file (reports.md §3).

The three statements of s.52(2) TULRCA, each satisfied or not with the
scrutineer's reasons where not; what s.52(2A) asks about the register; and
the independent persons appointed under s.51A (s.52(1)(e)). These are the
scrutineer's own words: the report prints them as given, beside figures
that come from the verified record only.

A malformed file is refused with ``StatementsFileError`` naming the file,
the line and the field; an unknown field is refused, not dropped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from tellers.errors import StatementsFileError

__all__ = [
    "DUTIES",
    "FORMAT",
    "STATEMENTS",
    "Person",
    "Register",
    "Statement",
    "Statements",
    "line_of",
    "parse_statements",
    "read_statements",
    "statements_to_json",
]

FORMAT = "tellers-statements/v1"

STATEMENTS = {
    "no_breach": "There are no reasonable grounds for believing that any requirement imposed "
    "by or under any enactment in relation to the ballot was contravened (s.52(2)(a)).",
    "arrangements_adequate": "The arrangements for the production, storage, distribution, "
    "return or other handling of the voting papers, and for counting the votes, included "
    "all the security arrangements reasonably practicable to minimise the risk of "
    "unfairness or malpractice (s.52(2)(b)).",
    "no_interference": "The scrutineer was able to carry out the scrutineer's functions "
    "without interference that would make it reasonable to call the scrutineer's "
    "independence from the union into question (s.52(2)(c)).",
}
"""Each statement's key in the file, and what the scrutineer states by ``satisfied: true``."""

DUTIES = ("store", "distribute", "count")
"""What a person appointed under s.51A may be appointed to do with the voting papers."""

_TOP = ("format", "election_id", "scrutineer", "made_on", *STATEMENTS, "register", "persons")
_REGISTER = (
    "inspected",
    "inspected_by",
    "on_request",
    "own_instance",
    "requests_declined",
    "matters",
)


@dataclass(frozen=True, slots=True)
class Statement:
    key: str
    """One of ``STATEMENTS``."""
    satisfied: bool
    reasons: str
    """Required, in the scrutineer's words, where not satisfied."""

    @property
    def text(self) -> str:
        return STATEMENTS[self.key]


@dataclass(frozen=True, slots=True)
class Register:
    """s.52(2A): whether the register (or the copy supplied under s.49(5A)) was inspected."""

    inspected: bool
    inspected_by: str
    on_request: int
    """Inspections made at a member's or candidate's request (who asked is never named)."""
    own_instance: int
    """Inspections made at the scrutineer's own instance."""
    requests_declined: int
    matters: str
    """Any matter the inspection revealed that should be drawn to the union's attention."""


@dataclass(frozen=True, slots=True)
class Person:
    """An independent person appointed under s.51A, and the duties appointed to."""

    name: str
    duties: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Statements:
    election_id: str
    scrutineer: str
    made_on: date
    statements: tuple[Statement, ...]
    """In the order of ``STATEMENTS``."""
    register: Register
    persons: tuple[Person, ...]
    """Empty when no one was appointed under s.51A (the report says so)."""

    @property
    def not_satisfied(self) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if not s.satisfied)


def line_of(text: str, path: Sequence[str | int]) -> int:
    """The line of ``text`` where the field at ``path`` starts (its keys found in order), or 0."""
    at, line = 0, 0
    for part in path:
        if isinstance(part, int):
            continue
        found = text.find(json.dumps(part), at)
        if found < 0:
            return line
        at = found
        line = text.count("\n", 0, at) + 1
    return line


class _Reader:
    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text

    def fail(
        self, path: Sequence[str | int], problem: str, missing: str = ""
    ) -> StatementsFileError:
        """The error at ``path``; a ``missing`` field is named, at the line of its object."""
        field = ".".join(str(p) for p in [*path, *([missing] if missing else [])])
        return StatementsFileError(
            self.name, line_of(self.text, path), f"{field or '(the file)'}: {problem}"
        )

    def obj(self, value: Any, path: Sequence[str | int], fields: Sequence[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, found {type(value).__name__}")
        extra = sorted(set(value) - set(fields))
        if extra:
            raise self.fail([*path, extra[0]], f"unknown field; expected only {', '.join(fields)}")
        return value

    def get(self, value: dict[str, Any], path: Sequence[str | int], key: str) -> Any:
        if key not in value:
            raise self.fail(path, f"the field {key!r} is missing")
        return value[key]

    def text_field(self, value: dict[str, Any], path: Sequence[str | int], key: str) -> str:
        found = self.get(value, path, key)
        if not isinstance(found, str):
            raise self.fail([*path, key], f"expected text, found {json.dumps(found)}")
        return found

    def name_field(self, value: dict[str, Any], path: Sequence[str | int], key: str) -> str:
        found = self.text_field(value, path, key)
        if not found.strip():
            raise self.fail([*path, key], "expected a name, found an empty text")
        return found.strip()

    def boolean(self, value: dict[str, Any], path: Sequence[str | int], key: str) -> bool:
        found = self.get(value, path, key)
        if not isinstance(found, bool):
            raise self.fail([*path, key], f"expected true or false, found {json.dumps(found)}")
        return found

    def count(self, value: dict[str, Any], path: Sequence[str | int], key: str) -> int:
        found = self.get(value, path, key)
        if not isinstance(found, int) or isinstance(found, bool) or found < 0:
            raise self.fail([*path, key], f"expected a whole number >= 0, found {found!r}")
        return found


def parse_statements(text: str, name: str = "statements.json") -> Statements:
    """The statements in ``text``; ``StatementsFileError`` (file, line, field) if malformed."""
    r = _Reader(name, text)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StatementsFileError(name, exc.lineno, f"not JSON: {exc.msg}") from None
    top = r.obj(raw, [], _TOP)
    if r.get(top, [], "format") != FORMAT:
        raise r.fail(["format"], f"expected {FORMAT!r}, found {json.dumps(top['format'])}")
    made = r.text_field(top, [], "made_on")
    try:
        made_on = date.fromisoformat(made)
    except ValueError:
        raise r.fail(["made_on"], f"expected a date YYYY-MM-DD, found {made!r}") from None
    statements = []
    for key in STATEMENTS:
        body = r.obj(r.get(top, [], key), [key], ("satisfied", "reasons"))
        satisfied = r.boolean(body, [key], "satisfied")
        reasons = r.text_field(body, [key], "reasons") if "reasons" in body else ""
        if not satisfied and not reasons.strip():
            raise r.fail(
                [key, "reasons"] if "reasons" in body else [key],
                "the scrutineer is not satisfied, so the reasons are required (s.52(2))",
                "" if "reasons" in body else "reasons",
            )
        statements.append(Statement(key, satisfied, reasons.strip()))
    return Statements(
        r.name_field(top, [], "election_id"),
        r.name_field(top, [], "scrutineer"),
        made_on,
        tuple(statements),
        _register(r, r.get(top, [], "register")),
        _persons(r, r.get(top, [], "persons")),
    )


def _register(r: _Reader, raw: Any) -> Register:
    path = ["register"]
    body = r.obj(raw, path, _REGISTER)
    inspected = r.boolean(body, path, "inspected")
    on_request, own = r.count(body, path, "on_request"), r.count(body, path, "own_instance")
    by = r.text_field(body, path, "inspected_by").strip()
    if inspected and not by:
        raise r.fail([*path, "inspected_by"], "the register was inspected: say by whom")
    if inspected and on_request + own == 0:
        raise r.fail([*path, "on_request"], "inspected, but on no request and not on its own")
    if not inspected and on_request + own:
        raise r.fail([*path, "inspected"], "false, but inspections are counted")
    return Register(
        inspected,
        by,
        on_request,
        own,
        r.count(body, path, "requests_declined"),
        r.text_field(body, path, "matters").strip(),
    )


def _persons(r: _Reader, raw: Any) -> tuple[Person, ...]:
    if not isinstance(raw, list):
        raise r.fail(["persons"], f"expected a list, found {type(raw).__name__}")
    out = []
    for i, item in enumerate(raw):
        path: list[str | int] = ["persons", i]
        body = r.obj(item, path, ("name", "duties"))
        duties = r.get(body, path, "duties")
        if (
            not isinstance(duties, list)
            or not duties
            or any(d not in DUTIES for d in duties)
            or len(set(duties)) != len(duties)
        ):
            raise r.fail(
                [*path, "duties"],
                f"expected a list of some of {', '.join(DUTIES)}, found {json.dumps(duties)}",
            )
        out.append(Person(r.name_field(body, path, "name"), tuple(duties)))
    return tuple(out)


def read_statements(path: Path) -> Statements:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StatementsFileError(str(path), 0, f"cannot be read: {exc}") from None
    return parse_statements(text, str(path))


def statements_to_json(s: Statements) -> dict[str, Any]:
    """The file's content for ``s`` (the web writes what the scrutineer entered this way)."""
    out: dict[str, Any] = {
        "format": FORMAT,
        "election_id": s.election_id,
        "scrutineer": s.scrutineer,
        "made_on": s.made_on.isoformat(),
    }
    for st in s.statements:
        out[st.key] = {"satisfied": st.satisfied, "reasons": st.reasons}
    g = s.register
    out["register"] = {
        "inspected": g.inspected,
        "inspected_by": g.inspected_by,
        "on_request": g.on_request,
        "own_instance": g.own_instance,
        "requests_declined": g.requests_declined,
        "matters": g.matters,
    }
    out["persons"] = [{"name": p.name, "duties": list(p.duties)} for p in s.persons]
    return out
