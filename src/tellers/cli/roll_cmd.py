"""``tellers roll check ROLL --manifest M``: the roll's quality checks, off the site.

The same checks the officer's upload runs (``tellers.election.roll_checks``;
REQUIREMENTS.md 4, 18, 22), for a scrutineer with a copy of the roll or the
register, or an officer before uploading: each finding with its count and first
examples (lines and values), and the members left off the franchise by ground.
The relevant date is the manifest's ``relevant_date`` unless ``--relevant-date``
is given; ``--ground`` names the exclusions the union's rules make (default: every
ground s.50(2) allows). Exit status 0 when the site would take the roll (warnings
may still be printed), 1 when it would refuse it, 2 when it cannot be read.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from tellers.cli.guard import guarded
from tellers.election.roll_checks import (
    BLOCKING,
    GROUNDS,
    JOINED_LATE,
    WARNINGS,
    RollReport,
    RollRules,
    check_roll,
    parse_date,
    report_to_json,
)
from tellers.errors import EncodingError, InputFileError, ManifestError
from tellers.record import v2_trustee as files
from tellers.record.v2 import MANIFEST_FORMATS, manifest_from_json

__all__ = ["register"]


def _date(text: str) -> date:
    found = parse_date(text)
    if found is None:
        raise argparse.ArgumentTypeError(f"expected a date (YYYY-MM-DD), found {text!r}")
    return found


def check(args: argparse.Namespace) -> int:
    path: Path = args.manifest
    try:
        obj = files.parse_file(path.read_bytes(), str(path), list(MANIFEST_FORMATS))
        manifest = manifest_from_json(obj)
    except OSError as exc:
        raise InputFileError(str(path), 0, f"cannot read ({exc.strerror})") from None
    except (EncodingError, ManifestError) as exc:
        raise InputFileError(str(path), 0, str(exc)) from None
    given = getattr(manifest, "relevant_date", None)
    relevant = args.relevant_date or (parse_date(str(given)) if given else None)
    rules = RollRules(
        relevant_date=relevant,
        address_limit=args.address_limit,
        employer_domains=frozenset(d.strip().lower() for d in args.employer_domain),
        grounds=frozenset(args.ground or GROUNDS),
    )
    roll: Path = args.roll
    try:
        with roll.open(newline="", encoding="utf-8-sig") as handle:
            report = check_roll(handle, roll.name, manifest.constituencies, rules)
    except OSError as exc:
        raise InputFileError(str(roll), 0, f"cannot read the roll ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputFileError(str(roll), 0, "the roll is not UTF-8 text") from None
    if args.json:
        print(json.dumps(report_to_json(report), indent=2, ensure_ascii=False))
    else:
        print(_text(report))
    return 1 if report.blocked else 0


def _text(report: RollReport) -> str:
    when = report.relevant_date.isoformat() if report.relevant_date else "none given"
    lines = [
        f"{report.path}: {report.rows:,} members read, {report.entitled:,} entitled; "
        f"relevant date {when}"
    ]
    if report.exclusions:
        lines.append("left off the franchise:")
        for ground, n in report.exclusions:
            why = (
                "joined after the relevant date (s.49(8))"
                if ground == JOINED_LATE
                else (GROUNDS.get(ground, "not a ground s.50(2) allows"))
            )
            lines.append(f"  {ground}: {n:,}  ({why})")
    if report.errors:
        lines.append(f"rows that cannot be read: {report.error_count:,}")
        lines += [f"  {e}" for e in report.errors]
    if not report.findings and not report.errors:
        lines.append("no check found anything")
    for f in report.findings:
        weight = "REFUSES" if f.blocking else "warning"
        what = BLOCKING.get(f.check) or WARNINGS.get(f.check, f.check)
        lines.append(f"{weight}  {f.check}: {f.count:,}  ({what})")
        for e in f.examples:
            at = ", ".join(str(n) for n in e.lines) or "-"
            lines.append(f"    line {at}: {e.value}")
    verdict = "the site would refuse this roll" if report.blocked else "the site would take it"
    lines.append(verdict + ("; its warnings need the officer's acknowledgement"
                            if report.warnings and not report.blocked else ""))  # fmt: skip
    return "\n".join(lines)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "roll",
        help="check a membership roll as the officer's upload does",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    steps = parser.add_subparsers(dest="step", metavar="STEP", required=True)
    p = steps.add_parser("check", help="the roll's quality checks and franchise exclusions")
    p.add_argument("roll", type=Path, metavar="ROLL", help="the roll (CSV)")
    p.add_argument("--manifest", type=Path, required=True, help="the election manifest")
    p.add_argument("--relevant-date", type=_date, metavar="DATE",
                   help="the date the roll is frozen at (default: the manifest's)")  # fmt: skip
    p.add_argument("--address-limit", type=int, default=10, metavar="N",
                   help="warn above this many members at one address (default 10)")  # fmt: skip
    p.add_argument("--employer-domain", action="append", default=[], metavar="DOMAIN",
                   help="an employer's email domain (repeat for each)")  # fmt: skip
    p.add_argument("--ground", action="append", choices=sorted(GROUNDS), metavar="GROUND",
                   help="an exclusion the union's rules make (repeat; default: every ground "
                   f"s.50(2) allows: {', '.join(GROUNDS)})")  # fmt: skip
    p.add_argument("--json", action="store_true", help="the report as JSON")
    p.set_defaults(handler=guarded("roll", check))
