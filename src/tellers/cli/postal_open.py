"""``tellers postal open``: the opening house's returns, from scans and keyed entry
(postal.md §5.4).

Each paper that came back is read by the scanner (``tellers.postal.scan``) or keyed by an
operator; every reading of the batch is gathered by paper number, and a paper becomes a
return only when exactly one reading settles it: a clear scan, or one keyed row (which
settles a scan sent to a person, or agrees with a clear one). Anything else — a page the
scanner doubts, a number seen twice in the batch, a keyed row that differs from the scan —
goes to ``adjudication.csv`` with its reason, and no return is made for it. Each return is
signed by the opening house, its vectors and proofs re-made from the paper's seed.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tellers import canonical
from tellers.cli import postal_files as pf
from tellers.cli.postal_files import Holder, PrintElection
from tellers.cli.progress import Progress
from tellers.crypto.group import Point
from tellers.election.manifest import Manifest
from tellers.errors import EncodingError, InputFileError
from tellers.parallel import local_mapper, worker_context
from tellers.parties import SigningKey, short_text
from tellers.postal.content import PaperContent, paper_label, parse_label
from tellers.postal.preencrypt import PreencryptedPaper, paper_seed, preencrypt_paper
from tellers.postal.printing import paper_content
from tellers.postal.returns import make_return

__all__ = ["Reading", "open_papers", "read_keyed"]

Marks = dict[str, list[int]]
_PLACEHOLDER = "0000-0000-0000-0000-0000-0000"
"""Stands for a member's online code when the scanner lays a paper out: the code's place on
the page depends only on there being one, and the opening house never holds the codes."""


@dataclass(frozen=True, slots=True)
class Reading:
    """One reading of a paper in the batch: a scanned page or a keyed row."""

    number: int | None
    source: str
    status: str
    """``marked``, ``spoilt``, ``audit``, or ``adjudicate`` (a person must look)."""
    marks: Marks | None
    reason: str = ""
    keyed: bool = False


def read_keyed(
    path: Path,
    manifest: Manifest,
    holders: dict[int, Holder],
    codes_of: Callable[[int], dict[str, tuple[str, ...]]],
) -> tuple[list[Reading], list[str]]:
    """The rows of an operator's keyed CSV, and every problem found (``file:line: ...``)."""
    readings: list[Reading] = []
    problems: list[str] = []
    ids = [c.id for c in manifest.contests]
    try:
        handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115
    except OSError as exc:
        raise InputFileError(str(path), 0, f"cannot read ({exc.strerror})") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip() for h in next(reader, [])]
        except csv.Error as exc:
            raise InputFileError(str(path), 1, f"unreadable CSV ({exc})") from None
        known = {"paper", "status", *ids}
        if (
            not header
            or header[0] != "paper"
            or set(ids) - set(header)
            or set(header) - known
            or len(set(header)) != len(header)
        ):
            raise InputFileError(
                str(path),
                1,
                f"expected the header paper,{','.join(ids)} (and "
                f"optionally status), found {','.join(header)}",
            )
        try:
            for row in reader:
                line = reader.line_num
                if not any(c.strip() for c in row):
                    continue
                where = f"{path}:{line}"
                if len(row) != len(header):
                    problems.append(f"{where}: expected {len(header)} cells, found {len(row)}")
                    continue
                cells = dict(zip(header, (c.strip() for c in row), strict=True))
                reading = _keyed_row(cells, where, manifest, holders, codes_of, problems)
                if reading is not None:
                    readings.append(reading)
        except csv.Error as exc:
            raise InputFileError(str(path), reader.line_num, f"unreadable CSV ({exc})") from None
    return readings, problems


def _keyed_row(
    cells: dict[str, str],
    where: str,
    manifest: Manifest,
    holders: dict[int, Holder],
    codes_of: Callable[[int], dict[str, tuple[str, ...]]],
    problems: list[str],
) -> Reading | None:
    before = len(problems)
    try:
        number = parse_label(cells["paper"])
    except EncodingError as exc:
        problems.append(f"{where}: {exc}")
        return None
    holder = holders.get(number)
    if holder is None:
        problems.append(f"{where}: no paper No. {paper_label(number)} was issued")
        return None
    status = cells.get("status", "").lower() or "marked"
    if status not in ("marked", "spoilt", "audit"):
        problems.append(f"{where}: status {status!r}: expected spoilt, audit or nothing")
        return None
    entitled = {manifest.contests[i].id for i in manifest.contests_for(holder.constituency)}
    source = f"{where} (keyed)"
    if status != "marked":
        if any(cells[c.id] for c in manifest.contests):
            problems.append(
                f"{where}: a paper keyed as {status} has no marks: leave its contests empty"
            )
            return None
        return Reading(number, source, status, None, keyed=True)
    marks: Marks = {}
    spoilt = False
    for contest in manifest.contests:
        cell = cells[contest.id]
        at = f"{where}: contest {contest.id}"
        if contest.id not in entitled:
            if cell:
                problems.append(
                    f"{at}: paper No. {paper_label(number)} does not carry it (leave it empty)"
                )
            continue
        words = cell.replace(";", " ").split()
        if not words:
            problems.append(f"{at}: not keyed (key the marked choices, blank or spoilt)")
            continue
        if words in (["blank"], ["spoilt"]):
            if contest.allow_blank:
                marks[contest.id] = [len(contest.choices)]
            else:
                spoilt = True
            continue
        chosen = []
        for word in words:
            index = _choice(contest, word, lambda: codes_of(number))
            if index is None:
                problems.append(
                    f"{at}: {word!r} is not one of its choices "
                    f"({', '.join(c.id for c in contest.choices)}) nor a code "
                    "printed beside one of its boxes"
                )
            else:
                chosen.append(index)
        if len(set(chosen)) != len(chosen):
            problems.append(f"{at}: a choice is keyed twice")
        elif len(chosen) > contest.max_selections:
            problems.append(
                f"{at}: {len(chosen)} marks where at most {contest.max_selections} "
                "count: key 'spoilt' for an over-marked contest"
            )
        marks[contest.id] = sorted(chosen)
    if len(problems) > before:
        return None
    if spoilt:
        return Reading(number, source, "spoilt", None, keyed=True)
    return Reading(number, source, "marked", marks, keyed=True)


def _choice(contest: Any, word: str, codes: Callable[[], dict[str, tuple[str, ...]]]) -> int | None:
    for i, choice in enumerate(contest.choices):
        if choice.id == word:
            return i
    if len(word) == 4:  # the code printed beside the box: a slip in it matches no box
        printed = codes().get(contest.id, ())[: len(contest.choices)]
        if word.upper() in printed:
            return printed.index(word.upper())
    return None


class _Papers:
    """The batch's papers re-made from their seeds, once each."""

    def __init__(self, election: PrintElection, master: bytes, holders: dict[int, Holder]):
        self.election, self.master, self.holders = election, master, holders
        self.made: dict[int, PreencryptedPaper] = {}

    def paper(self, number: int) -> PreencryptedPaper:
        if number not in self.made:
            holder = self.holders[number]  # KeyError: no such paper, as the scanner expects
            e = self.election
            self.made[number] = preencrypt_paper(
                e.manifest,
                e.fingerprint,
                e.key,
                paper_seed(self.master, number),
                number,
                holder.credential,
                holder.constituency,
            )
        return self.made[number]

    def content(self, number: int) -> PaperContent:
        holder = self.holders[number]
        return paper_content(
            self.election.manifest,
            self.paper(number),
            lookup_url=self.election.lookup_url,
            credential_code=_PLACEHOLDER if holder.online else None,
            replaces=holder.replaces,
        )

    def codes(self, number: int) -> dict[str, tuple[str, ...]]:
        return {pc.contest_id: pc.codes for pc in self.paper(number).contests}


@dataclass(frozen=True, slots=True)
class _Scanning:
    election: PrintElection
    master: bytes
    folder: Path


_HELD: dict[Path, _Papers] = {}
"""Each worker's papers, its holders read from the print folder once."""


def _scan_chunk(paths: list[Path]) -> list[list[Reading]]:
    """The readings of each scanned file's pages (in a worker: the scanner is the slow part)."""
    from tellers.postal.scan import read_file

    ctx: _Scanning = worker_context()
    if ctx.folder not in _HELD:
        _HELD.clear()
        _HELD[ctx.folder] = _Papers(ctx.election, ctx.master, pf.read_holders(ctx.folder))
    papers = _HELD[ctx.folder]
    out = []
    for path in paths:
        readings = []
        for page, read in enumerate(
            read_file(path, papers.content, ctx.election.manifest.election_id), 1
        ):
            source = f"{path} page {page}"
            if read.status != "read" or read.number is None:
                readings.append(Reading(read.number, source, "adjudicate", None, read.reason))
                continue
            contests = papers.paper(read.number).contests
            marks = {pc.contest_id: list(m) for pc, m in zip(contests, read.marks, strict=True)}
            readings.append(Reading(read.number, source, "marked", marks))
        out.append(readings)
    return out


def _scans(paths: list[Path], job: _Scanning, workers: int | None) -> list[Reading]:
    readings: list[Reading] = []
    progress = Progress("reading scans")
    run = local_mapper(pf.processes(workers, len(paths), 1))
    for done, files in enumerate(run(_scan_chunk, paths, context=job, chunk=1), start=1):
        for found in files:
            readings += found
        progress(done, len(paths))
    progress.done()
    return readings


def _settle(readings: list[Reading]) -> tuple[dict[int, Reading], list[Reading]]:
    """Per paper number, the one reading that settles it; and what goes to a person."""
    by_number: dict[int, list[Reading]] = {}
    person: list[Reading] = []
    for r in readings:
        if r.number is None:
            person.append(r)
        else:
            by_number.setdefault(r.number, []).append(r)
    settled: dict[int, Reading] = {}
    for number, found in sorted(by_number.items()):
        keyed = [r for r in found if r.keyed]
        scanned = [r for r in found if not r.keyed]
        label = paper_label(number)
        where = "; ".join(r.source for r in found)
        if len(keyed) > 1 or len(scanned) > 1:
            person.append(
                Reading(
                    number,
                    where,
                    "adjudicate",
                    None,
                    f"paper No. {label} is in this batch {len(found)} times",
                )
            )
        elif (
            keyed
            and scanned
            and scanned[0].status != "adjudicate"
            and ((scanned[0].status, scanned[0].marks) != (keyed[0].status, keyed[0].marks))
        ):
            person.append(
                Reading(
                    number,
                    where,
                    "adjudicate",
                    None,
                    "the keyed marks differ from the scanner's reading",
                )
            )
        elif keyed:
            settled[number] = keyed[0]
        elif scanned[0].status == "adjudicate":
            person.append(scanned[0])
        else:
            settled[number] = scanned[0]
    return settled, person


@dataclass(frozen=True, slots=True)
class _Opening:
    manifest: Manifest
    fingerprint: bytes
    key: Point
    master: bytes
    opening: SigningKey
    received: str


def _return_chunk(
    items: list[tuple[int, bytes, str, str, str, Marks | None]],
) -> list[tuple[dict[str, Any] | None, str]]:
    """Signed returns of a chunk of papers, each re-made from its seed; a paper whose
    confirmation code is not the print file's gets no return but the reason."""
    ctx: _Opening = worker_context()
    out: list[tuple[dict[str, Any] | None, str]] = []
    for number, credential, constituency, confirmation, status, marks in items:
        paper = preencrypt_paper(
            ctx.manifest,
            ctx.fingerprint,
            ctx.key,
            paper_seed(ctx.master, number),
            number,
            credential,
            constituency,
        )
        if short_text(paper.confirmation) != confirmation:
            out.append(
                (
                    None,
                    f"paper {paper_label(number)}: the master secret and holders.csv "
                    "do not make its printed confirmation code",
                )
            )
            continue
        obj = make_return(
            ctx.manifest,
            ctx.fingerprint,
            ctx.key,
            paper,
            ctx.received,
            marks,
            ctx.opening,
            status=status,
        )
        out.append((obj, ""))
    return out


def _received(text: str | None) -> str:
    if text is None:
        return datetime.now(UTC).isoformat(timespec="seconds")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise InputFileError(
            "--received",
            0,
            f"expected an ISO 8601 date-time with its offset "
            f"(2026-03-20T09:30:00+00:00), found {text!r}",
        )
    return text


def open_papers(args: argparse.Namespace) -> int:
    received = _received(args.received)
    if not args.scans and not args.keyed:
        print("tellers postal open: give scanned papers, a --keyed file, or both", file=sys.stderr)
        return 2
    keys = pf.load_keys(args.vault, args.passphrase_file)
    election = pf.read_election(args.print)
    if keys.opening.public != election.opening_house:
        raise InputFileError(
            str(args.vault), 0, "this vault's opening house key is not the one the paper list names"
        )
    holders = pf.read_holders(args.print)
    papers = _Papers(election, keys.master, holders)
    manifest = election.manifest
    readings: list[Reading] = []
    problems: list[str] = []
    for path in args.keyed:
        found, wrong = read_keyed(path, manifest, holders, papers.codes)
        readings += found
        problems += wrong
    if problems:
        print(
            f"tellers postal open: {len(problems)} problem(s) in the keyed entry; nothing "
            "was written:",
            file=sys.stderr,
        )
        for problem in problems[:50]:
            print(f"  {problem}", file=sys.stderr)
        return 2
    for path in args.scans:
        if not path.is_file():
            raise InputFileError(str(path), 0, "no such scanned file")
    scanning = _Scanning(election, keys.master, args.print)
    readings = _scans(list(args.scans), scanning, args.workers) + readings
    settled, person = _settle(readings)
    job = _Opening(
        manifest, election.fingerprint, election.key, keys.master, keys.opening, received
    )
    items = [
        (
            n,
            holders[n].credential,
            holders[n].constituency,
            holders[n].confirmation,
            r.status,
            r.marks if r.status == "marked" else None,
        )
        for n, r in sorted(settled.items())
    ]
    counts = {"marked": 0, "spoilt": 0, "audit": 0}
    progress = Progress("signing returns")
    with pf.whole(args.out) as out:
        done = 0
        run = local_mapper(pf.processes(args.workers, len(items), 16))
        for chunk in run(_return_chunk, items, context=job, chunk=16):
            for obj, problem in chunk:
                if obj is None:
                    raise InputFileError(str(args.print / pf.HOLDERS), 0, problem)
                out.write(canonical.dumps(obj) + b"\n")
                counts[obj["status"]] += 1
            done += len(chunk)
            progress(done, len(items))
    progress.done()
    adjudication = args.adjudication or args.out.parent / "adjudication.csv"
    with open(adjudication, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["paper", "source", "reason"])
        for r in person:
            writer.writerow(["" if r.number is None else paper_label(r.number), r.source, r.reason])
    print(
        f"{len(items):,} returns signed by {keys.opening_name}: {args.out} ({counts['marked']:,} "
        f"marked, {counts['spoilt']:,} spoilt, {counts['audit']:,} to audit); upload it on the "
        "scrutineer's page."
    )
    if person:
        print(
            f"{len(person):,} paper(s) for a person to look at, with the reason: {adjudication}; "
            "key them in a later --keyed file."
        )
    return 0
