"""``tellers report``: the statutory documents, made from a record that verifies.

  tellers report s52 RECORD --out REPORT.pdf [--html REPORT.html]
                 [--statements STATEMENTS.json] [--logs LOGS.jsonl]
  tellers report notice RECORD --out DIR [--issued YYYY-MM-DD]

s52 is the scrutineer's report (s.52 TULRCA); without --statements it is
marked as a draft. notice writes the s.231/s.231A result notice per
workplace (one for an aggregated ballot) into DIR: NAME.pdf, and the text of
the emails to members (NAME-members.txt) and to the employer
(NAME-employer.txt). The statements and logs formats are in
docs/spec/reports.md.

RECORD is the record's folder or a .zip of it. Exit 0 when the documents are
written; 1 when the record does not verify (the failed check is named) or a
statements or logs file is malformed (file, line, field); 2 when a file
cannot be used.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from tellers.errors import StatementsFileError, TellersError, UnverifiedRecord
from tellers.record.archive import open_record

__all__ = ["register", "run_notice", "run_s52"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="the scrutineer's s.52 report and the s.231 result notices",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="document", metavar="DOCUMENT", required=True)
    s52 = sub.add_parser("s52", help="the scrutineer's report, as PDF and HTML")
    s52.add_argument("record", type=Path, metavar="RECORD")
    s52.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    s52.add_argument("--html", type=Path, metavar="FILE.html", help="the accessible twin")
    s52.add_argument("--statements", type=Path, metavar="FILE", help="tellers-statements/v1")
    s52.add_argument("--logs", type=Path, metavar="FILE", help="tellers-logs/v1")
    s52.add_argument("--workers", type=int, default=0, help="processes checking ballots")
    s52.set_defaults(handler=run_s52)
    notice = sub.add_parser("notice", help="the result notice per workplace (s.231, s.231A)")
    notice.add_argument("record", type=Path, metavar="RECORD")
    notice.add_argument("--out", type=Path, required=True, metavar="DIR")
    notice.add_argument(
        "--issued",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the day the notice is given (default: the last day of voting)",
    )
    notice.add_argument("--workers", type=int, default=0, help="processes checking ballots")
    notice.set_defaults(handler=run_notice)


def _fail(exc: Exception) -> int:
    print(f"tellers report: {exc}", file=sys.stderr)
    return 1 if isinstance(exc, (UnverifiedRecord, StatementsFileError)) else 2


def _workers(args: argparse.Namespace) -> int:
    return max(1, args.workers or os.cpu_count() or 1)


def run_s52(args: argparse.Namespace) -> int:
    # Loaded here, so that every other command starts without the PDF renderer.
    from tellers.reports import read_logs, read_statements, s52_report, verified_figures
    from tellers.reports.html import write_html
    from tellers.reports.pdf import write_pdf

    try:
        statements = read_statements(args.statements) if args.statements else None
        logs = read_logs(args.logs) if args.logs else None
        with open_record(args.record) as directory:
            found = verified_figures(directory, workers=_workers(args))
        document = s52_report(found, statements, logs)
        write_pdf(document, args.out)
        if args.html:
            write_html(document, args.html)
    except (TellersError, OSError) as exc:
        return _fail(exc)
    print(f"{args.out}" + (f"\n{args.html}" if args.html else ""))
    if statements is None:
        print(
            "tellers report: no --statements given, so the report is marked DRAFT", file=sys.stderr
        )
    return 0


def run_notice(args: argparse.Namespace) -> int:
    from tellers.reports import verified_figures
    from tellers.reports.notice import notice_email, result_notices
    from tellers.reports.pdf import write_pdf

    try:
        with open_record(args.record) as directory:
            found = verified_figures(directory, workers=_workers(args))
        notices = result_notices(found, args.issued)
        args.out.mkdir(parents=True, exist_ok=True)
        for notice in notices:
            write_pdf(notice.document, args.out / f"{notice.slug}.pdf")
            for audience in ("members", "employer"):
                path = args.out / f"{notice.slug}-{audience}.txt"
                path.write_text(notice_email(notice, audience), encoding="utf-8")
            print(args.out / f"{notice.slug}.pdf")
    except (TellersError, OSError) as exc:
        return _fail(exc)
    return 0
