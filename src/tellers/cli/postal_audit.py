"""``tellers postal audit``: after the close, the print authority opens every paper whose
marks are not on the board (postal.md §6).

The record so far is read as the board's own rules read it: the chain of events
(``tellers.board.read_events``), the paper list and its signed statement, and each postal
event through a ``PaperLedger``, which says which papers' marks are public. Those papers are
never opened; every other issued paper is, with the codes of its boxes as the print file gave
them to the mail house (where the print folder is given) and its blank's code re-made.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tellers import canonical
from tellers.board import read_events
from tellers.cli import postal_files as pf
from tellers.cli.postal_files import PrintRow
from tellers.cli.progress import Progress
from tellers.crypto.group import Point
from tellers.election.fingerprint import election_fingerprint, manifest_hash
from tellers.election.manifest import Manifest
from tellers.errors import EncodingError, InputFileError, RecordError, TellersError
from tellers.parties import short_text
from tellers.postal.authority import audit_messages, preencrypt_many
from tellers.postal.content import paper_label
from tellers.postal.ledger import PaperLedger
from tellers.postal.messages import papers_hash, read_papers
from tellers.record.archive import open_record
from tellers.record.store import file_sha256, read_credentials, read_json
from tellers.record.v2 import manifest_from_json

__all__ = ["BoardSoFar", "audit_record", "read_board"]


@dataclass(frozen=True, slots=True)
class BoardSoFar:
    """What the record so far says of the papers."""

    manifest: Manifest
    fingerprint: bytes
    key: Point
    ledger: PaperLedger
    credentials: dict[bytes, str]
    audited: frozenset[int]
    """Papers already opened by a ``paper-audit`` event."""
    closed: bool
    tallied: bool
    events: int
    head: bytes


def read_board(directory: Path) -> BoardSoFar:
    """The record so far in ``directory``, its postal events replayed by the ledger's rules;
    ``RecordError`` names the file and line of anything it cannot take."""
    try:
        manifest = manifest_from_json(read_json(directory / "manifest.json"))
    except EncodingError as exc:
        raise RecordError(str(directory / "manifest.json"), 1, str(exc)) from None
    if manifest.postal is None:
        raise RecordError(str(directory / "manifest.json"), 1, "the ballot has no postal channel")
    credentials = {c: k for _, c, k in read_credentials(directory / "credentials.jsonl")}
    listed_hash = file_sha256(directory / "credentials.jsonl")
    papers_path = directory / "papers.jsonl"
    papers = list(read_papers(papers_path))
    board = directory / "board.jsonl"
    ledger: PaperLedger | None = None
    fingerprint, key = b"", Point.generator()
    audited: set[int] = set()
    closed = tallied = False
    events, head = 0, b""
    for event in read_events(board):
        events, head = event.seq + 1, event.hash
        body: Any = event.body
        try:
            if event.type == "election-opened":
                fingerprint = bytes.fromhex(body["fingerprint"])
                key = Point.from_hex(body["joint_key"], "joint_key")
                if fingerprint != election_fingerprint(manifest_hash(manifest), key, listed_hash):
                    raise ValueError("the fingerprint is not the manifest's, key's and list's")
                ledger = PaperLedger(manifest, fingerprint)
                continue
            if ledger is None:
                raise ValueError("the board does not start with election-opened")
            if event.type == "papers-issued":
                ledger.take_list(body["statement"], papers, papers_hash(papers_path))
            elif event.type == "paper-voided":
                ledger.void(body["message"])
            elif event.type == "paper-issued":
                ledger.replace(body["message"], body["at"])
            elif event.type in ("paper-accepted", "paper-refused") and body["return"] is not None:
                reason = None if event.type == "paper-accepted" else body["reason"]
                returned = body["return"]
                ledger.record_return(returned["number"], reason, bool(returned["contests"]))
            elif event.type == "paper-audit":
                audited.update(p["number"] for p in body["message"]["papers"])
            elif event.type == "election-closed":
                closed = True
            elif event.type == "tally":
                tallied = True
        except (KeyError, TypeError, ValueError, TellersError) as exc:
            raise RecordError(str(board), event.seq + 1, f"{event.type}: {exc}") from None
    if ledger is None or ledger.statement is None:
        raise RecordError(str(board), 0, "no paper list (papers-issued) is on the board")
    return BoardSoFar(
        manifest,
        fingerprint,
        key,
        ledger,
        credentials,
        frozenset(audited),
        closed,
        tallied,
        events,
        head,
    )


def _printed(
    rows: Iterator[PrintRow], wanted: list[int], manifest: Manifest
) -> Iterator[tuple[int, dict[str, list[str]]]]:
    """The codes printed beside the boxes of each ``wanted`` paper (in number order), by
    contest, read from the print file in one pass (its rows are in number order too)."""
    want = iter(wanted)
    target = next(want, None)
    for row in rows:
        if target is None:
            return
        if row.number != target:
            continue
        yield (
            target,
            {
                c.id: [row.cells[f"{c.id}/{x.id}"] for x in c.choices]
                for c in manifest.contests
                if row.cells[f"{c.id}/{c.choices[0].id}"]
            },
        )
        target = next(want, None)
    if target is not None:
        raise InputFileError(pf.PAPERS_CSV, 0, f"paper {paper_label(target)} is not in the file")


def audit_record(args: argparse.Namespace) -> int:
    keys = pf.load_keys(args.vault, args.passphrase_file)
    authority = keys.authority(args.vault)
    with open_record(args.record) as directory:
        board = read_board(directory)
    ledger = board.ledger
    assert ledger.statement is not None and ledger.print_authority is not None
    if ledger.print_authority != keys.public:
        raise RecordError(
            str(args.record),
            0,
            "the papers on this board were listed by another print authority's key",
        )
    if not board.closed:
        raise RecordError(
            str(args.record), 0, "the board is not closed: unused papers are opened after the close"
        )
    if board.tallied:
        raise RecordError(
            str(args.record),
            0,
            "the tally is already on the board: the audit comes between the close and the tally",
        )
    election = None
    if args.print is not None:
        election = pf.read_election(args.print)
        if election.fingerprint != board.fingerprint:
            raise InputFileError(
                str(args.print / pf.ELECTION),
                0,
                "the print folder is for another election than the record",
            )
    numbers = [n for n in ledger.to_audit() if n not in board.audited]
    manifest = board.manifest
    holders = [
        (n, ledger.papers[n].credential, board.credentials[ledger.papers[n].credential])
        for n in numbers
    ]
    printed: Iterator[tuple[int, dict[str, list[str]]]] | None = None
    if election is not None:
        rows = pf.read_print_rows(args.print, manifest, election.hybrid)
        printed = _printed(rows, numbers, manifest)
    differs: list[str] = []
    progress = Progress("opening unused papers")

    def papers() -> Iterator[tuple[int, list[list[str]]]]:
        workers = pf.processes(args.workers, len(holders), 64)
        made = preencrypt_many(
            authority, manifest, board.fingerprint, board.key, holders, workers=workers
        )
        for done, issued in enumerate(made, start=1):
            paper = issued.paper
            codes = [list(c.codes) for c in paper.contests]
            if printed is not None:
                number, by_contest = next(printed)
                assert number == paper.number
                for i, pc in enumerate(paper.contests):
                    shown = by_contest.get(pc.contest_id, [])
                    if shown != codes[i][: len(shown)] or not shown:
                        differs.append(
                            f"paper {paper_label(number)}, {pc.contest_id}: printed "
                            f"{shown}, committed {codes[i]}"
                        )
                    codes[i] = shown + codes[i][len(shown) :]
            progress(done, len(holders))
            yield paper.number, codes

    count = 0
    with pf.whole(args.out) as handle:
        for message in audit_messages(authority, board.fingerprint, papers()):
            handle.write(canonical.dumps(message) + b"\n")
            count += 1
    progress.done()
    lines = [
        f"{len(numbers):,} unused papers opened in {count} audit message(s): {args.out}",
        f"  the board read: {board.events:,} events, head {short_text(board.head)}; it must be "
        "the public board's before you upload",
        f"  left unopened: {len(ledger.exposed):,} papers whose marks are on the board"
        + (f", {len(board.audited):,} audited already" if board.audited else ""),
    ]
    if election is None:
        lines.append("  codes re-made from the seeds (give --print to publish them as printed)")
    print("\n".join(lines))
    if differs:
        print(
            "tellers postal audit: the print file's codes differ from the papers' "
            "commitments; the verifier will fail these papers' audit:",
            file=sys.stderr,
        )
        for line in differs[:50]:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0
