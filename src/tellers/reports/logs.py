"""The officers' and scrutineer's log of actions: the ``tellers-logs/v1`` file (reports.md §4).

JSON Lines: a header line ``{"format": "tellers-logs/v1", "election_id": ...}``,
optionally with a ``delivery`` object of counts (emails sent and bounced,
letters printed and returned, ...), then one action per line: when, which
role, which person, what action, a detail, and — where the action was
storing, distributing or counting the voting papers — that ``duty``. The
s.52 report names the persons who stored, distributed and counted from the
actions that carry a duty (s.52(1)(e), s.51A).

A malformed line is refused with ``StatementsFileError`` naming the file,
the line and the field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tellers.errors import StatementsFileError
from tellers.reports.statements import DUTIES

__all__ = ["FORMAT", "Action", "Logs", "parse_logs", "read_logs"]

FORMAT = "tellers-logs/v1"

_ACTION = ("at", "role", "person", "action", "detail", "duty")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_WORD = re.compile(r"^[a-z][a-z0-9 -]*$")


@dataclass(frozen=True, slots=True)
class Action:
    line: int
    at: datetime
    role: str
    """Lower-case words: ``officer``, ``scrutineer``, ``mail house``, ``opening house`` ..."""
    person: str
    action: str
    """Lower-case words naming what was done: ``papers printed``, ``returns opened`` ..."""
    detail: str
    duty: str | None
    """One of ``DUTIES`` where the action was storing, distributing or counting the papers."""


@dataclass(frozen=True, slots=True)
class Logs:
    election_id: str
    actions: tuple[Action, ...]
    delivery: dict[str, int]
    """Counts by key (``emails_sent``, ``letters_returned`` ...), in the file's order."""

    def doers(self, duty: str) -> tuple[tuple[str, str, int], ...]:
        """(person, role, actions) of everyone logged doing ``duty``, in first-seen order."""
        found: dict[tuple[str, str], int] = {}
        for a in self.actions:
            if a.duty == duty:
                found[(a.person, a.role)] = found.get((a.person, a.role), 0) + 1
        return tuple((p, r, n) for (p, r), n in found.items())


def _fail(name: str, line: int, field: str, problem: str) -> StatementsFileError:
    return StatementsFileError(name, line, f"{field}: {problem}")


def _header(name: str, raw: Any) -> tuple[str, dict[str, int]]:
    if not isinstance(raw, dict):
        raise _fail(name, 1, "(header)", "expected an object")
    extra = sorted(set(raw) - {"format", "election_id", "delivery"})
    if extra:
        raise _fail(name, 1, extra[0], "unknown field; expected format, election_id, delivery")
    if raw.get("format") != FORMAT:
        raise _fail(name, 1, "format", f"expected {FORMAT!r}, found {raw.get('format')!r}")
    election = raw.get("election_id")
    if not isinstance(election, str) or not election:
        raise _fail(name, 1, "election_id", f"expected the election's id, found {election!r}")
    delivery = raw.get("delivery", {})
    if not isinstance(delivery, dict):
        raise _fail(name, 1, "delivery", "expected an object of counts")
    for key, n in delivery.items():
        if not _KEY.match(key):
            raise _fail(name, 1, f"delivery.{key}", "expected a lower_case_name")
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise _fail(name, 1, f"delivery.{key}", f"expected a whole number >= 0, found {n!r}")
    return election, dict(delivery)


def _action(name: str, line: int, raw: Any) -> Action:
    if not isinstance(raw, dict):
        raise _fail(name, line, "(action)", "expected an object")
    extra = sorted(set(raw) - set(_ACTION))
    if extra:
        raise _fail(name, line, extra[0], f"unknown field; expected {', '.join(_ACTION)}")
    for key in ("at", "role", "person", "action", "detail"):
        if not isinstance(raw.get(key), str):
            raise _fail(name, line, key, f"expected text, found {json.dumps(raw.get(key))}")
    try:
        at = datetime.fromisoformat(raw["at"])
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise _fail(name, line, "at", f"expected a date-time with its offset, found {raw['at']!r}")
    for key in ("role", "action"):
        if not _WORD.match(raw[key]):
            raise _fail(name, line, key, f"expected lower-case words, found {raw[key]!r}")
    if not raw["person"].strip():
        raise _fail(name, line, "person", "expected a name, found an empty text")
    duty = raw.get("duty")
    if duty is not None and duty not in DUTIES:
        raise _fail(
            name, line, "duty", f"expected one of {', '.join(DUTIES)} or null, found {duty!r}"
        )
    return Action(line, at, raw["role"], raw["person"].strip(), raw["action"], raw["detail"], duty)


def parse_logs(text: str, name: str = "logs.jsonl") -> Logs:
    """The log in ``text``; ``StatementsFileError`` (file, line, field) if malformed."""
    rows: list[tuple[int, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise StatementsFileError(name, number, f"not JSON: {exc.msg}") from None
    if not rows:
        raise StatementsFileError(name, 0, f"empty: expected a {FORMAT} header line")
    first, header = rows[0]
    if first != 1:
        raise StatementsFileError(name, 1, f"expected the {FORMAT} header on the first line")
    election, delivery = _header(name, header)
    actions = tuple(_action(name, number, raw) for number, raw in rows[1:])
    return Logs(election, actions, delivery)


def read_logs(path: Path) -> Logs:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StatementsFileError(str(path), 0, f"cannot be read: {exc}") from None
    return parse_logs(text, str(path))
