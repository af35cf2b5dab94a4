"""``tellers demo``: a whole election simulated, recorded, verified and declared.

The scenarios are the seed cases: Unite's 2017 general-secretary election
(scaled), United Left's 2020 hustings vote (with re-votes and audited
ballots) and a two-workplace strike ballot that misses the 50% turnout
threshold. Everything runs through the same functions the web service uses.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from tellers.cli.progress import Progress
from tellers.errors import TellersError
from tellers.report import declaration, parties, summary
from tellers.simulate import SCENARIOS, build_scenario, run_scenario
from tellers.verify.complete import verify_completion

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="simulate an election end to end, verify its record and declare the result",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scenario", choices=SCENARIOS, default="unite-2017")
    parser.add_argument(
        "--scale",
        type=float,
        default=None,
        help="multiply the scenario's figures (default 0.01 for unite-2017, else 1)",
    )
    parser.add_argument("--out", type=Path, default=Path("tellers-demo"), help="output folder")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes (default: cores)"
    )
    parser.add_argument("--seed", type=int, default=2017, help="seed of the voting plan")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.scale is not None and not 0 < args.scale <= 1:
        print("tellers demo: --scale must be in (0, 1]", file=sys.stderr)
        return 2
    out: Path = args.out / args.scenario
    workers = max(1, args.workers)
    scenario = build_scenario(args.scenario, args.scale, args.seed)
    print(
        f"Tellers demo: {args.scenario}, {len(scenario.members):,} members entitled, "
        f"{len(scenario.votes):,} voting; {workers} worker(s); seed {args.seed}"
    )
    progress = Progress("voting")
    started = time.perf_counter()
    try:
        outcome = run_scenario(scenario, out, workers=workers, progress=progress.stage)
        progress.done()
        t = outcome.timings
        print(f"  {t['ceremony']:6.1f} s  key ceremony: 3 trustees, quorum 2, every message signed")
        print(
            f"  {t['credentials']:6.1f} s  credentials issued by the authority: "
            f"{len(scenario.members):,} (code sheet, private: {outcome.code_sheet})"
        )
        print(
            f"  {t['voting']:6.1f} s  ballots submitted: {outcome.receipts:,} cast, "
            f"{outcome.refused:,} not counted, {outcome.audited:,} audited"
        )
        print(f"  {t['tally']:6.1f} s  closed at the closing time; tallied")
        print(
            f"  {t['decrypt']:6.1f} s  trustees 1 and 3 (2 absent) verified the board and "
            "decrypted the tally they recomputed"
        )
        print(f"  election record: {outcome.record}")
        # The trustees verified every ballot of the record so far; what the record adds since
        # (decryptions, result) is checked on from there, the rest proved unchanged byte for byte.
        clock = time.perf_counter()
        report = verify_completion(outcome.record, outcome.so_far, scenario.manifest)
        print(
            f"  {time.perf_counter() - clock:6.1f} s  the published record checked on from the "
            "trustees' verification: unchanged up to the tally; decryptions and result"
        )
    except TellersError as exc:
        progress.done()
        print(f"tellers demo: {exc}", file=sys.stderr)
        return 2
    result = report.to_json()
    print()
    print(summary(result))
    print()
    if report.figures.get("parties"):
        print(parties(report.figures))
        print()
    if report.figures.get("contests"):
        print(declaration(scenario.manifest, report.figures, report.root))
    print(f"\nAll done in {time.perf_counter() - started:.1f} s. Check it all yourself:")
    print(f"  tellers verify {outcome.record}")
    return 0 if report.valid else 1
