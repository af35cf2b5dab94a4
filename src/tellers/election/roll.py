"""The roll: the members entitled to vote, frozen at the relevant date (s.49(8)).

Imported from CSV with a header row. Required columns: ``member_id`` and
``constituency``; any other column (name, email, address, ...) is kept as a
contact field for the mailing house and never published. A cell that
``tellers.spreadsheet.safe_cell`` wrote (an apostrophe before a formula
character) reads back as it was before. A bad row raises
``RollError`` with the file and line; nothing is half-imported.
``check_roll_csv`` instead gathers every problem, for a person to fix in one go.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tellers.election.manifest import Manifest
from tellers.errors import RollError
from tellers.spreadsheet import plain_cell

__all__ = ["Member", "Roll", "check_roll_csv", "iter_members", "read_roll_csv"]

REQUIRED = ("member_id", "constituency")


@dataclass(frozen=True, slots=True)
class Member:
    member_id: str
    constituency: str
    contact: tuple[tuple[str, str], ...] = ()
    """Other columns, as (name, value) pairs, for the mailing file only."""
    line: int = 0
    """The member's line in the roll file (1-based; 0 when not read from a file)."""


@dataclass(frozen=True, slots=True)
class Roll:
    """The members, in roll order, each id once."""

    members: tuple[Member, ...]

    def __len__(self) -> int:
        return len(self.members)

    def __iter__(self) -> Iterator[Member]:
        return iter(self.members)

    def electorate(self, manifest: Manifest) -> dict[str, int]:
        """Members entitled to each contest, by contest id."""
        return manifest.electorate(m.constituency for m in self.members)[0]

    def check_against(self, manifest: Manifest, path: str = "roll") -> None:
        """Every member's constituency must be one the manifest names."""
        for problem in self.problems(manifest, path):
            raise problem

    def problems(self, manifest: Manifest, path: str = "roll") -> Iterator[RollError]:
        """Each member whose constituency the manifest does not name, with its line."""
        known = set(manifest.constituencies)
        for member in self.members:
            if member.constituency not in known:
                yield RollError(
                    path,
                    member.line,
                    f"constituency {member.constituency!r} is not in the manifest "
                    f"(expected one of {sorted(known)})",
                )


def read_roll_csv(
    source: Path | str | Iterable[str], name: str | None = None, *, id_column: str = "member_id"
) -> Roll:
    """Read a roll from a CSV file path or from lines; errors give the file and line.

    ``id_column`` names the column that identifies a member: ``member_id`` in
    the union's roll, ``reference`` in the mailing roll the credential
    authority is given (which carries no membership number, credentials.md §8).
    """
    if isinstance(source, Path | str) and not isinstance(source, io.StringIO):
        path = str(source)
        try:
            with open(source, newline="", encoding="utf-8-sig") as handle:
                return _parse(handle, name or path, id_column=id_column)
        except OSError as exc:
            raise RollError(path, 0, f"cannot read the roll ({exc.strerror})") from None
        except UnicodeDecodeError:
            raise RollError(path, 0, "the roll is not UTF-8 text") from None
    return _parse(source, name or "roll", id_column=id_column)


def check_roll_csv(
    lines: Iterable[str], name: str, manifest: Manifest, *, limit: int = 100
) -> tuple[Roll | None, list[RollError]]:
    """The roll and every problem found (up to ``limit``); the roll is None if there are any.

    Bad rows are skipped and reading goes on, so one report lists them all,
    the constituencies checked against ``manifest`` included.
    """
    problems: list[RollError] = []
    roll: Roll | None = None

    def report(problem: RollError) -> None:
        problems.append(problem)
        if len(problems) >= limit:
            raise problem

    try:
        roll = _parse(lines, name, report)
        for problem in roll.problems(manifest, name):
            report(problem)
    except RollError as exc:
        if exc not in problems:
            problems.append(exc)  # the header, or unreadable CSV: nothing more can be read
    return (None if problems else roll), problems[:limit]


def _raise(problem: RollError) -> None:
    raise problem


def _parse(
    lines: Iterable[str],
    path: str,
    report: Callable[[RollError], None] = _raise,
    *,
    id_column: str = "member_id",
) -> Roll:
    """The members; a bad row goes to ``report``, which raises it unless gathering them all."""
    members = tuple(iter_members(lines, path, report, id_column=id_column))
    if not members:
        raise RollError(path, 2, "the roll has no members")
    return Roll(members)


def iter_members(
    lines: Iterable[str],
    path: str,
    report: Callable[[RollError], None] = _raise,
    *,
    id_column: str = "member_id",
    strict: bool = True,
) -> Iterator[Member]:
    """Each good row's member in file order, read as it comes (a million-member roll is
    never held whole); a bad row goes to ``report``. The header's faults raise.

    ``strict=False`` lets through a repeated id and an empty constituency, for the roll's
    checks (``roll_checks``) to count and show with the rest of their findings.
    """
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise RollError(path, 1, "the roll is empty (expected a header row)") from None
    except csv.Error as exc:
        raise RollError(path, 1, f"unreadable CSV ({exc})") from None
    header = [h.strip() for h in header]
    required = (id_column, "constituency")
    missing = [c for c in required if c not in header]
    if missing:
        raise RollError(path, 1, f"header lacks column(s) {', '.join(missing)}; found {header}")
    if len(set(header)) != len(header):
        raise RollError(path, 1, "header repeats a column name")
    seen: dict[str, int] = {}
    id_at, constituency_at = header.index(id_column), header.index("constituency")
    others = [(i, h) for i, h in enumerate(header) if i not in (id_at, constituency_at)]
    end = reader.line_num
    try:
        for cells in reader:
            # As Tellers' own CSVs write them; the test first, as a million rows pass here.
            row = [plain_cell(c) if c[:1] == "'" else c for c in cells]
            # The row's first line: a quoted address may run over several lines.
            line, end = end + 1, reader.line_num
            if not "".join(row).strip():
                continue  # blank lines are harmless
            member = _member(
                row, header, (id_at, constituency_at), seen, path, line, strict, others
            )
            if isinstance(member, RollError):
                report(member)
                continue
            if strict:
                seen[member.member_id] = line
            yield member
    except csv.Error as exc:
        raise RollError(path, reader.line_num, f"unreadable CSV ({exc})") from None


def _member(
    row: list[str],
    header: list[str],
    at: tuple[int, int],
    seen: dict[str, int],
    path: str,
    line: int,
    strict: bool = True,
    others: list[tuple[int, str]] | None = None,
) -> Member | RollError:
    id_at, constituency_at = at
    id_name = header[id_at]
    if len(row) != len(header):
        return RollError(
            path, line, f"expected {len(header)} fields as in the header, found {len(row)}"
        )
    member_id, constituency = row[id_at].strip(), row[constituency_at].strip()
    if not member_id:
        return RollError(path, line, f"{id_name} is empty")
    if not constituency and strict:
        return RollError(path, line, "constituency is empty")
    if member_id in seen:
        return RollError(
            path, line, f"{id_name} {member_id!r} already appears on line {seen[member_id]}"
        )
    if others is None:
        others = [(i, h) for i, h in enumerate(header) if i not in (id_at, constituency_at)]
    contact = tuple([(h, row[i].strip()) for i, h in others])
    return Member(member_id, constituency, contact, line)
