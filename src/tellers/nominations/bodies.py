"""Nominating bodies: the branches, workplaces and regions that may nominate (nominations.md §2).

The officer gives them as a CSV with a header row ``body_id,name,kind,region``:
``body_id`` a short identifier, ``kind`` one of ``branch``, ``workplace`` or
``region``, ``region`` the region the body belongs to (a region names itself).
Every malformed line is refused with its line number; the list is published
whole in the log's first event, so every decision can be re-derived from it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from tellers.errors import NominationsFileError

__all__ = ["BODY_KINDS", "HEADER", "BodyKind", "NominatingBody", "read_bodies_csv"]

BodyKind = Literal["branch", "workplace", "region"]
BODY_KINDS: Final = ("branch", "workplace", "region")
HEADER: Final = ("body_id", "name", "kind", "region")
_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,63}$")


@dataclass(frozen=True, slots=True)
class NominatingBody:
    """A body that may nominate a candidate (nominations.md §2)."""

    id: str
    name: str
    kind: BodyKind
    region: str
    """The region the body belongs to: nominations "from more than N regions" count these."""

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "region": self.region}


def _body(row: list[str], path: str, line: int) -> NominatingBody:
    if len(row) != len(HEADER):
        raise NominationsFileError(
            path, line, f"expected {len(HEADER)} fields {list(HEADER)}, found {len(row)}"
        )
    body_id, name, kind, region = (x.strip() for x in row)
    if not _ID.match(body_id):
        raise NominationsFileError(
            path, line, f"body_id: expected letters, digits, _ . / or -, found {body_id!r}"
        )
    if not name:
        raise NominationsFileError(path, line, "name: must not be empty")
    if kind not in BODY_KINDS:
        raise NominationsFileError(
            path, line, f"kind: expected one of {BODY_KINDS}, found {kind!r}"
        )
    if not region:
        raise NominationsFileError(path, line, "region: must not be empty")
    return NominatingBody(body_id, name, kind, region)  # type: ignore[arg-type]


def read_bodies_csv(lines: Iterable[str], path: str) -> tuple[NominatingBody, ...]:
    """The bodies of a CSV; ``NominationsFileError`` naming the first bad line."""
    rows = csv.reader(lines)
    try:
        header = next(rows)
    except StopIteration:
        raise NominationsFileError(path, 0, "the file is empty") from None
    except csv.Error as exc:
        raise NominationsFileError(path, 1, f"not CSV: {exc}") from None
    if tuple(h.strip().lstrip("\ufeff") for h in header) != HEADER:
        raise NominationsFileError(path, 1, f"header: expected {list(HEADER)}, found {header}")
    bodies: list[NominatingBody] = []
    seen: dict[str, int] = {}
    try:
        for row in rows:
            line = rows.line_num
            if not any(x.strip() for x in row):
                continue
            body = _body(row, path, line)
            if body.id in seen:
                raise NominationsFileError(
                    path, line, f"body_id {body.id!r} repeats line {seen[body.id]}"
                )
            seen[body.id] = line
            bodies.append(body)
    except csv.Error as exc:
        raise NominationsFileError(path, rows.line_num, f"not CSV: {exc}") from None
    if not bodies:
        raise NominationsFileError(path, 0, "no nominating bodies")
    return tuple(bodies)
