"""Read and write ``.blt`` ballot files (the OpenSTV / ERS / Droop format).

Layout: ``ncand nseats``; an optional withdrawn line (``-2 -5``); ballot
lines ``weight c1 c2 ... 0``; a ``0`` line; one quoted name per candidate;
a quoted title. Droop's variants are accepted: ``[nick a b c]``,
``[withdrawn a]``, ``[tie c b a]`` option lines, nicknames in ballots,
``a=b`` equal ranks, ``-`` for a skipped rank, an ``(id)`` before the weight,
and ``//`` comments. Anything else is a :class:`~tellers.errors.BallotFileError`
naming the file and line.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

from tellers.counting.ballots import Ballot, Election
from tellers.errors import BallotFileError

__all__ = ["parse_blt", "read_blt", "write_blt"]

_WS = re.compile(r"\s+")


def _clean_name(name: str) -> str:
    # Official files pad names ("Kevin  LANG"); compare after collapsing.
    return _WS.sub(" ", name).strip()


def _lines(text: str) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw
        if "//" in line and not line.lstrip().startswith('"'):
            line = line[: line.index("//")]
        line = line.strip()
        if line:
            yield number, line


def read_blt(path: str | Path) -> Election:
    """Read a ``.blt`` file; errors name ``path`` and the line."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BallotFileError(str(p), 0, f"not UTF-8 text ({exc.reason})") from exc
    return parse_blt(text, str(p))


def parse_blt(text: str, path: str = "<blt>") -> Election:
    """Parse ``.blt`` text; ``path`` is used in error messages."""
    lines = list(_lines(text))
    if not lines:
        raise BallotFileError(path, 0, "empty file; expected 'candidates seats' on line 1")
    pos = 0
    number, head = lines[0]
    parts = head.split()
    if len(parts) != 2 or not all(x.isdigit() for x in parts):
        raise BallotFileError(path, number, f"expected 'candidates seats', found {head!r}")
    ncand, seats = int(parts[0]), int(parts[1])
    if ncand < 1 or seats < 1:
        raise BallotFileError(path, number, "need at least one candidate and one seat")
    pos = 1
    withdrawn: set[int] = set()
    nicks: dict[str, int] = {}
    tie_tokens: list[tuple[int, str]] = []
    # Withdrawn line and Droop option lines come before the ballots.
    while pos < len(lines):
        number, line = lines[pos]
        if line.startswith("["):
            if not line.endswith("]"):
                raise BallotFileError(path, number, f"unclosed option {line!r}")
            words = line[1:-1].split()
            if not words:
                raise BallotFileError(path, number, "empty option []")
            key, args = words[0], words[1:]
            if key == "nick":
                if len(args) != ncand:
                    raise BallotFileError(
                        path, number, f"[nick] lists {len(args)} names for {ncand} candidates"
                    )
                nicks = {a: i for i, a in enumerate(args)}
            elif key == "withdrawn":
                withdrawn.update(_candidate(path, number, a, ncand, nicks) for a in args)
            elif key == "tie":
                tie_tokens = [(number, a) for a in args]
            else:
                raise BallotFileError(path, number, f"unknown option [{key}]")
            pos += 1
            continue
        words = line.split()
        if words and all(w.startswith("-") and w[1:].isdigit() for w in words):
            for w in words:
                withdrawn.add(_candidate(path, number, w[1:], ncand, nicks))
            pos += 1
            continue
        break
    ballots: list[Ballot] = []
    ended = False
    while pos < len(lines):
        number, line = lines[pos]
        pos += 1
        words = line.split()
        if words and words[0].startswith("("):
            words = words[1:]
        if words == ["0"]:
            ended = True
            break
        if not words[0].isdigit():
            raise BallotFileError(path, number, f"expected a ballot weight, found {words[0]!r}")
        if words[-1] != "0":
            raise BallotFileError(path, number, "ballot line does not end with 0")
        weight = int(words[0])
        ranks: list[tuple[int, ...]] = []
        for token in words[1:-1]:
            if token == "-":
                ranks.append(())
                continue
            ranks.append(tuple(_candidate(path, number, t, ncand, nicks) for t in token.split("=")))
        ballots.append(Ballot(tuple(ranks), weight))
    if not ended:
        raise BallotFileError(path, lines[-1][0], "ballots do not end with a line '0'")
    strings: list[tuple[int, str]] = []
    for number, line in lines[pos:]:
        if len(strings) > ncand:
            break  # ERBS files carry free notes after the title; they are not read.
        try:
            strings.extend((number, s) for s in shlex.split(line))
        except ValueError as exc:
            raise BallotFileError(path, number, f"bad quoted name: {exc}") from exc
    if len(strings) < ncand:
        where = strings[-1][0] if strings else lines[-1][0]
        raise BallotFileError(
            path, where, f"expected {ncand} candidate names, found {len(strings)}"
        )
    names = tuple(_clean_name(s) for _, s in strings[:ncand])
    title = strings[ncand][1] if len(strings) > ncand else ""
    tie = tuple(_candidate(path, n, t, ncand, nicks) for n, t in tie_tokens) or None
    return Election(names, tuple(ballots), seats, frozenset(withdrawn), _clean_name(title), tie)


def _candidate(path: str, number: int, token: str, ncand: int, nicks: dict[str, int]) -> int:
    if token in nicks:
        return nicks[token]
    if token.isdigit():
        value = int(token)
        if 1 <= value <= ncand:
            return value - 1
        raise BallotFileError(path, number, f"candidate {value} outside 1..{ncand}")
    raise BallotFileError(path, number, f"unknown candidate {token!r}")


def write_blt(election: Election) -> str:
    """``election`` as ``.blt`` text (equal ranks as ``a=b``, skips as ``-``)."""
    out = [f"{len(election.candidates)} {election.seats}"]
    if election.withdrawn:
        out.append(" ".join(f"-{c + 1}" for c in sorted(election.withdrawn)))
    for b in election.ballots:
        marks = ["=".join(str(c + 1) for c in g) if g else "-" for g in b.ranks]
        out.append(" ".join([str(b.weight), *marks, "0"]))
    out.append("0")
    out.extend(_quote(n) for n in election.candidates)
    out.append(_quote(election.title))
    return "\n".join(out) + "\n"


def _quote(s: str) -> str:
    return '"' + s.replace('"', "'") + '"'
