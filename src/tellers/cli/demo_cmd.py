"""``tellers demo``: a whole election simulated, recorded, verified and declared.

The scenarios are the seed cases: Unite's 2017 general-secretary election
(scaled), United Left's 2020 hustings vote (with re-votes and audited
ballots) and a two-workplace strike ballot that misses the 50% turnout
threshold; a national consultative ballot — 25 million members in twelve
regions, 10,000,000 ballots at scale 1, two questions — run by default at
scale 0.001 (10,000 ballots); and a 300-member branch strike ballot in two
workplaces, one flagged important public services, opened before
(branch-strike-before) or after (branch-strike-after) 18 February 2026, whose
thresholds come from the rules in force on its opening day. Everything runs
through the same functions the web service uses.

The heavy steps (credentials, encrypting and checking ballots, the tally's
sums, the trustees' verification) run on processes of this machine
(--workers) or on a Dask cluster: --scheduler tcp://HOST:8786 for one already
running, --cluster local:N to start one of N workers here. The result is the
same. Each step's time goes to OUT/SCENARIO/timings.json (docs/scale.md).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from tellers.cli.progress import Progress
from tellers.cli.where import add_where, cluster_mapper
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
        help="multiply the scenario's figures (default 0.01 for unite-2017, 0.001 for "
        "national: 10,000 of its 10,000,000 ballots; else 1)",
    )
    parser.add_argument("--out", type=Path, default=Path("tellers-demo"), help="output folder")
    add_where(parser, "run the heavy steps")
    parser.add_argument("--seed", type=int, default=2017, help="seed of the voting plan")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.scale is not None and not 0 < args.scale <= 1:
        print("tellers demo: --scale must be in (0, 1]", file=sys.stderr)
        return 2
    out: Path = args.out / args.scenario
    workers = max(1, args.workers or os.cpu_count() or 1)
    spec = args.scheduler or args.cluster
    scenario = build_scenario(args.scenario, args.scale, args.seed)
    where = f"{workers} worker(s)" if spec is None else spec
    plan = scenario.postal
    voting = f"{len(scenario.votes):,} voting"
    if plan is not None:
        voting = (
            f"{len(scenario.votes):,} voting online and "
            f"{len(plan.early_papers) + len(plan.papers):,} returning a paper"
        )
    print(
        f"Tellers demo: {args.scenario}, {len(scenario.members):,} members entitled, "
        f"{voting}; {where}; seed {args.seed}"
    )
    progress = Progress("voting")
    started = time.perf_counter()
    try:
        with cluster_mapper(spec, sys.stdout) as mapper:
            outcome = run_scenario(
                scenario, out, workers=workers, mapper=mapper, progress=progress.stage
            )
        progress.done()
        t = outcome.timings
        print(f"  {t['ceremony']:6.1f} s  key ceremony: 3 trustees, quorum 2, every message signed")
        print(
            f"  {t['credentials']:6.1f} s  credentials issued by the authority: "
            f"{len(scenario.members):,} (code sheet, private: {outcome.code_sheet})"
        )
        post = outcome.postal.get("figures", {})
        if post:
            print(
                f"  {t['postal-issue']:6.1f} s  papers pre-encrypted and listed by the print "
                f"authority: {post['issue']['issued']:,} (papers.jsonl)"
            )
        print(
            f"  {t['voting']:6.1f} s  ballots submitted: {outcome.receipts:,} cast, "
            f"{outcome.refused:,} not counted, {outcome.audited:,} audited"
        )
        if post:
            late, early = post["late"], post["early"]
            print(
                f"  {t['postal-late'] + t['postal-early']:6.1f} s  papers returned: "
                f"{late['returned'] + early['returned']:,} "
                f"({post['replace']['replaced']:,} on replacements); {late['scanned']:,} "
                f"printed, marked and read by the scanner, {late['adjudicated']:,} sent to "
                f"a person, {late['misread']:,} misread, the rest keyed"
            )
            print(
                f"  {t['postal-audit']:6.1f} s  after the close, unused papers opened for "
                f"audit: {post['audit']['audited']:,}"
            )
        print(f"  {t['tally']:6.1f} s  closed at the closing time; tallied")
        print(f"  {t['verify']:6.1f} s  trustees 1 and 3 (2 absent) verified the record so far")
        if "mix" in t:
            print(
                f"  {t['mix']:6.1f} s  trustees 1, 2 and 3 in turn verified it and shuffled the "
                "ranked ballots, each with its proof"
            )
        print(f"  {t['decrypt']:6.1f} s  and decrypted the tally they recomputed; declared")
        print(f"  election record: {outcome.record}")
        # The trustees verified every ballot of the record so far; what the record adds since
        # (decryptions, result) is checked on from there, the rest proved unchanged byte for byte.
        clock = time.perf_counter()
        report = verify_completion(outcome.record, outcome.so_far, scenario.manifest)
        if "mix" in t:
            print(f"  {time.perf_counter() - clock:6.1f} s  the published record verified whole")
        else:
            print(
                f"  {time.perf_counter() - clock:6.1f} s  the published record checked on from "
                "the trustees' verification: unchanged up to the tally; decryptions and result"
            )
        t["complete"] = time.perf_counter() - clock
        _write_timings(
            out / "timings.json", args, where, len(scenario.members), outcome.receipts, t
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


def _write_timings(
    path: Path,
    args: argparse.Namespace,
    where: str,
    members: int,
    ballots: int,
    seconds: dict[str, float],
) -> None:
    """Each step's seconds, with the sizes they go with (docs/scale.md reads them)."""
    record = path.parent / "record"
    sizes = {p.name: p.stat().st_size for p in record.iterdir()}
    with open(record / "board.jsonl", "rb") as handle:
        lines = sum(1 for _ in handle)
    figures = {
        "scenario": args.scenario,
        "scale": args.scale,
        "seed": args.seed,
        "on": where,
        "members": members,
        "ballots": ballots,
        "board_lines": lines,
        "bytes": sizes,
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
    }
    path.write_text(json.dumps(figures, indent=2) + "\n")
