"""Read the JSON-lines ballot form (one paper per line).

Each line: ``{"weight": 1, "ranks": [["A"], [], ["B", "C"], ["#OVERVOTE"]]}``;
``[]`` is a skipped rank, several names an overvote (or equal ranks),
``"#OVERVOTE"`` an overvote without names, ``"#UWI"`` an undeclared
write-in (counted as the candidate ``"Undeclared Write-ins"``). An optional
first line ``{"candidates": [...], "seats": N, "withdrawn": [...]}`` fixes
the candidate order; otherwise candidates are taken in order of first
appearance. Errors name the file and line.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tellers.counting.ballots import OVERVOTE, Ballot, Election
from tellers.errors import BallotFileError

__all__ = ["UNDECLARED_WRITE_IN", "parse_jsonl", "read_jsonl"]

UNDECLARED_WRITE_IN = "Undeclared Write-ins"


def read_jsonl(
    path: str | Path, *, candidates: Sequence[str] | None = None, seats: int = 1
) -> Election:
    """Read a ``.jsonl`` (or ``.jsonl.gz``) ballot file."""
    p = Path(path)
    opener = gzip.open if p.suffix == ".gz" else open
    with opener(p, "rt", encoding="utf-8") as fh:
        return parse_jsonl(fh, str(p), candidates=candidates, seats=seats)


def parse_jsonl(
    lines: Iterable[str],
    path: str = "<jsonl>",
    *,
    candidates: Sequence[str] | None = None,
    seats: int = 1,
) -> Election:
    """Parse JSON-lines ballots; ``candidates`` fixes the order if given."""
    names: list[str] = list(candidates or [])
    index = {n: i for i, n in enumerate(names)}
    withdrawn: list[str] = []
    title = ""
    ballots: list[Ballot] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BallotFileError(path, number, f"not JSON: {exc.msg}") from exc
        if not isinstance(obj, dict):
            raise BallotFileError(path, number, "expected a JSON object")
        if "ranks" not in obj:
            if "candidates" in obj and not ballots:
                for n in obj["candidates"]:
                    if n not in index:
                        index[n] = len(names)
                        names.append(n)
                seats = int(obj.get("seats", seats))
                withdrawn = list(obj.get("withdrawn", []))
                title = str(obj.get("title", ""))
                continue
            raise BallotFileError(path, number, "expected a 'ranks' list")
        weight = obj.get("weight", 1)
        if isinstance(weight, float) and weight.is_integer():
            weight = int(weight)
        if not isinstance(weight, int) or isinstance(weight, bool) or weight < 0:
            raise BallotFileError(path, number, f"weight must be a whole number, found {weight!r}")
        ranks: list[tuple[int, ...]] = []
        raw = obj["ranks"]
        if not isinstance(raw, list):
            raise BallotFileError(path, number, "'ranks' must be a list")
        for group in raw:
            items = [group] if isinstance(group, str) else group
            if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
                raise BallotFileError(path, number, f"bad rank {group!r}")
            marks: list[int] = []
            for name in items:
                if name == "#OVERVOTE":
                    marks.append(OVERVOTE)
                    continue
                if name == "#UWI":
                    name = UNDECLARED_WRITE_IN
                if name not in index:
                    if candidates is not None and name != UNDECLARED_WRITE_IN:
                        raise BallotFileError(path, number, f"unknown candidate {name!r}")
                    index[name] = len(names)
                    names.append(name)
                marks.append(index[name])
            ranks.append(tuple(marks))
        ballots.append(Ballot(tuple(ranks), weight))
    unknown = [w for w in withdrawn if w not in index]
    if unknown:
        raise BallotFileError(path, 1, f"withdrawn candidate(s) not listed: {', '.join(unknown)}")
    return Election(
        tuple(names), tuple(ballots), seats, frozenset(index[w] for w in withdrawn), title
    )
