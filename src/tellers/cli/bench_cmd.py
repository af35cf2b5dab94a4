"""``tellers bench [all|crypto|...]``: time the core and record the figures.

By default the figures are printed *and* recorded in ``docs/performance.md``
(each benchmark in its own section, through ``perfdoc.update_section``), as
``make bench`` promises; ``--no-record`` only prints them.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import sys
import time
from pathlib import Path
from typing import Any

from tellers.bench import BENCHMARKS, Benchmark, available, load
from tellers.cli import perfdoc

__all__ = ["register"]

DEFAULT_OUTPUT = Path("docs/performance.md")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="time the core and record the figures in docs/performance.md",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "what",
        nargs="?",
        default="all",
        choices=["all", *BENCHMARKS, "marks"],
        help="which benchmark to run; 'all' (default) runs every one that exists but "
        "web-sustained, postal, roll and marks",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=0.01,
        help="of the Unite 2017 roll, for the postal benchmark (default 0.01; 1 is the whole "
        "1,062,049-member election, about an hour and a quarter here with its verification)",
    )
    parser.add_argument(
        "--papers",
        type=int,
        default=1000,
        help="papers to mark, scan and read in the marks benchmark (default 1000)",
    )
    parser.add_argument(
        "--no-record",
        dest="record",
        action="store_false",
        help="print the figures only; do not update the performance file",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"the performance file to update (default {DEFAULT_OUTPUT})",
    )
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    if args.what == "all":
        benchmarks = available()
    elif args.what == "marks":
        benchmarks = [_marks(args.papers)]
    else:
        one = load(args.what)
        if one is None:
            print(f"tellers bench: the {args.what} benchmark is not written yet", file=sys.stderr)
            return 2
        if args.what == "postal":
            run = one.run
            one = dataclasses.replace(one, run=lambda: run(args.scale))  # type: ignore[call-arg]
        benchmarks = [one]
    machine = perfdoc.machine_description()
    for bench in benchmarks:
        figures = bench.run()
        print(f"{bench.name}  ({machine})")
        print(_table(bench, figures, markdown=False))
        print()
        if args.record:
            perfdoc.update_section(args.output, bench.name, _section(bench, figures, machine))
    if args.record:
        print(f"recorded in {args.output}")
    return 0


def _marks(papers: int) -> Benchmark:
    """Reading marked postal papers (tellers.bench.marks), over ``papers`` papers."""
    from tellers.bench import marks

    return Benchmark(
        "marks", functools.partial(marks.run, papers), marks.LABELS, marks.LIMITS, marks.MINIMUMS
    )


def _value(name: str, value: float) -> str:
    return f"{value:,.1f} µs" if name.endswith("_us") else f"{value:.2f}"


def _verdict(bench: Benchmark, name: str, value: float) -> str:
    limit = bench.limits.get(name)
    if limit is not None:
        return f"≤ {limit:g}: {'ok' if value <= limit else 'OVER'}"
    least = bench.minimums.get(name)
    if least is not None:
        return f"≥ {least:g}: {'ok' if value >= least else 'UNDER'}"
    return ""


def _table(bench: Benchmark, figures: dict[str, float], *, markdown: bool) -> str:
    rows = [
        (bench.labels.get(name, name), _value(name, value), _verdict(bench, name, value))
        for name, value in figures.items()
    ]
    if markdown:
        lines = ["| measure | median | limit |", "|---|---:|---|"]
        lines += [f"| {label} | {value} | {verdict} |" for label, value, verdict in rows]
        return "\n".join(lines)
    width = max(len(label) for label, _, _ in rows)
    return "\n".join(
        f"  {label:<{width}}  {value:>12}  {verdict}".rstrip() for label, value, verdict in rows
    )


def _section(bench: Benchmark, figures: dict[str, float], machine: str) -> str:
    return "\n".join(
        [
            f"## {bench.name}",
            "",
            f"`tellers bench {bench.name}`, {time.strftime('%Y-%m-%d')}, on {machine}.",
            "",
            _table(bench, figures, markdown=True),
        ]
    )
