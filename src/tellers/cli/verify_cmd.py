"""``tellers verify RECORD``: re-check an election record from its files alone.

Exit 0 when every check passes, 1 when any fails, 2 when the record cannot
be used (a missing file, a line that is not JSON, a truncated line).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from tellers.cli.progress import Progress
from tellers.errors import TellersError
from tellers.record.store import read_json
from tellers.record.v2 import manifest_from_json
from tellers.report import declaration, summary
from tellers.verify import verify_record

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="re-check an election record independently",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("record", type=Path, help="the election record directory")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes checking ballots in parallel (default: one per core)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    progress = Progress("checking ballots")
    try:
        report = verify_record(args.record, workers=max(1, args.workers), progress=progress)
    except (TellersError, OSError) as exc:
        progress.done()
        print(f"tellers verify: {exc}", file=sys.stderr)
        return 2
    progress.done()
    result = report.to_json()
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(summary(result))
        if report.figures.get("contests"):
            manifest = manifest_from_json(read_json(args.record / "manifest.json"))
            print()
            print(declaration(manifest, report.figures, report.root))
    return 0 if report.valid else 1
