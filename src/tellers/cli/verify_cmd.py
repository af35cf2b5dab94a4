"""``tellers verify RECORD``: re-check an election record from its files alone.

RECORD is the record's directory or a .zip of it (as the result page offers).
Exit 0 when every check passes, 1 when any fails, 2 when the record cannot
be used (a missing file, a line that is not JSON, a truncated line) or the
cluster fails.

Ballots are checked by processes on this machine (--workers), or on a Dask
cluster: --scheduler tcp://HOST:8786 for one already running (`dask
scheduler`, then `dask worker tcp://HOST:8786` on each machine), --cluster
local:N to start one of N workers here. The record is read here either way
and the report is the same.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from tellers.cli.progress import Progress
from tellers.cli.where import add_where, cluster_mapper
from tellers.errors import TellersError
from tellers.record.archive import open_record
from tellers.record.store import read_json
from tellers.record.v2 import manifest_from_json
from tellers.report import declaration, nominations, parties, rules, summary
from tellers.verify import verify_record

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="re-check an election record independently",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("record", type=Path, help="the election record (folder or .zip)")
    add_where(parser, "check ballots")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    progress = Progress("checking ballots")
    try:
        with (
            open_record(args.record) as directory,
            cluster_mapper(args.scheduler or args.cluster, sys.stderr) as mapper,
        ):
            report = verify_record(
                directory,
                workers=max(1, args.workers or os.cpu_count() or 1),
                progress=progress,
                mapper=mapper,
            )
            manifest = manifest_from_json(read_json(directory / "manifest.json"))
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
        if report.figures.get("parties"):
            print()
            print(parties(report.figures))
        if report.figures.get("rules"):
            print()
            print(rules(report.figures))
        if report.figures.get("nominations"):
            print()
            print(nominations(report.figures))
        if report.figures.get("contests"):
            print()
            print(declaration(manifest, report.figures, report.root))
    return 0 if report.valid else 1
