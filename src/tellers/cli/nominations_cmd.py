"""``tellers nominations check LOG``: replay a published nominations log (nominations.md §7);
``tellers nominations addresses LOG --organisation NAME --out FILE.pdf``: the pack's
election addresses (nominations.md §8), drawn only from a log that checks.

LOG is the contest's ``log.jsonl`` as the nominations page offers it; PHOTOS, where given,
is a folder of the photographs it pins, each named by its SHA-256 (any extension), as the
page's photograph links give them. Every automatic ruling, each address's word count and
the candidates in ballot order are re-derived from the log alone; it prints the candidates
and the log's head, to compare with the head published at the close. With --manifest (the
election's manifest.json, as in its record), the contest must offer exactly those
candidates, in that order, with those addresses. Exit 0 when the log
checks, 1 when it does not (the line and what was expected), 2 when it cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tellers.errors import NominationsFileError
from tellers.nominations import Outcome, check_log

__all__ = ["register", "run", "run_addresses"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "nominations",
        help="check a published nominations log",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="nominations_command", metavar="STEP", required=True)
    check = sub.add_parser("check", help="replay a nominations log and print its candidates")
    check.add_argument("log", type=Path, help="the nominations log (JSON lines)")
    check.add_argument("--photos", type=Path, help="a folder of the photographs, by SHA-256")
    check.add_argument(
        "--manifest", type=Path, help="also check this manifest's contest offers the candidates"
    )
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(handler=run)
    pdf = sub.add_parser(
        "addresses", help="the election addresses for the postal pack, as PDF, from a checked log"
    )
    pdf.add_argument("log", type=Path, help="the nominations log (JSON lines)")
    pdf.add_argument("--organisation", required=True, help="printed at the head of each page")
    pdf.add_argument("--photos", type=Path, help="a folder of the photographs, by SHA-256")
    pdf.add_argument("--out", type=Path, required=True, help="the PDF to write")
    pdf.set_defaults(handler=run_addresses)


def _photos(folder: Path) -> dict[str, bytes]:
    return {p.stem: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _check_manifest(path: Path, outcome: Outcome) -> int:
    """0 when the manifest's contest offers exactly the log's candidates; else 1 or 2."""
    from tellers.errors import NominationError, TellersError
    from tellers.nominations.contest import check_choices
    from tellers.record.v2 import manifest_from_json

    try:
        manifest = manifest_from_json(json.loads(path.read_text(encoding="utf-8")))
        contest = manifest.contest(outcome.contest)
    except (OSError, ValueError, TellersError) as exc:
        print(f"tellers nominations: {path}: {exc}", file=sys.stderr)
        return 2
    try:
        check_choices(contest, outcome)
    except NominationError as exc:
        print(f"tellers nominations: {path}: {exc}", file=sys.stderr)
        return 1
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        lines = args.log.read_bytes().splitlines()
        photos = None if args.photos is None else _photos(args.photos)
    except OSError as exc:
        print(f"tellers nominations: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        outcome = check_log(lines, str(args.log), photos)
    except NominationsFileError as exc:
        print(f"tellers nominations: the log does not check: {exc}", file=sys.stderr)
        return 1
    if args.manifest is not None:
        code = _check_manifest(args.manifest, outcome)
        if code:
            return code
    if args.json:
        print(json.dumps({
            "contest": outcome.contest,
            "head": outcome.head,
            "required": outcome.required,
            "candidates": [s.to_json() for s in outcome.candidates],
            "not_standing": [s.to_json() for s in outcome.not_standing],
        }, ensure_ascii=False))  # fmt: skip
        return 0
    print(f"{outcome.office} ({outcome.election}/{outcome.contest}): the log checks.")
    print(f"Needed: {outcome.required} valid nominations ({outcome.counted_bodies} bodies count).")
    for i, s in enumerate(outcome.candidates, start=1):
        print(f"  {i}. {s.name}: {s.valid} valid, from {', '.join(s.regions)}")
    for s in outcome.not_standing:
        print(f"  not standing: {s.name}: {s.reason}")
    print(f"Log head: {outcome.head}")
    return 0


def run_addresses(args: argparse.Namespace) -> int:
    """Write the addresses PDF from the log itself, so the print run needs no trust in
    whoever hands over a PDF: the same layout the site shows (``render``)."""
    from tellers.errors import NominationError
    from tellers.nominations.ledger import NominationsLog
    from tellers.nominations.render import addresses_pdf

    try:
        lines = args.log.read_bytes().splitlines()
        photos = {} if args.photos is None else _photos(args.photos)
    except OSError as exc:
        print(f"tellers nominations: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        outcome = check_log(lines, str(args.log), photos if args.photos else None)
        allowed = NominationsLog.from_lines(lines, str(args.log)).rules.photo_allowed
        data = addresses_pdf(
            outcome, organisation=args.organisation, photos=photos, photos_allowed=allowed
        )
    except (NominationsFileError, NominationError) as exc:
        print(f"tellers nominations: {exc}", file=sys.stderr)
        return 1
    args.out.write_bytes(data)
    print(f"{args.out}: {len(outcome.candidates)} candidates' addresses; log head {outcome.head}")
    return 0
