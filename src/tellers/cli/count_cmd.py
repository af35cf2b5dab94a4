"""``tellers count BALLOTS --method M``: a stage-by-stage result sheet."""

from __future__ import annotations

import argparse
import json
import sys

from tellers.counting import (
    METHODS,
    Election,
    Rules,
    TiePolicy,
    count,
    format_result,
    read_blt,
    read_jsonl,
)
from tellers.errors import TellersError

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``count`` sub-command."""
    p = subparsers.add_parser(
        "count",
        help="count a ballot file (.blt or .jsonl) under a named rule",
        description="Count ballots and print the result sheet, stage by stage.",
    )
    p.add_argument("ballots", metavar="BALLOTS", help="a .blt or .jsonl(.gz) ballot file")
    p.add_argument("--method", required=True, choices=METHODS)
    p.add_argument("--seats", type=int, default=None, help="seats to fill (default: from file)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--tie-seed", type=int, default=None, help="seed for ties decided by lot")
    p.add_argument(
        "--tie-order",
        default=None,
        help="comma-separated candidate names, most favoured first, to break ties",
    )
    p.set_defaults(handler=run)


def _load(path: str) -> Election:
    if path.endswith((".jsonl", ".jsonl.gz", ".json")):
        return read_jsonl(path)
    return read_blt(path)


def run(args: argparse.Namespace) -> int:
    """Count and print; exit 2 with one line on stderr if the input is unusable."""
    try:
        election = _load(args.ballots)
        order = tuple(n.strip() for n in args.tie_order.split(",")) if args.tie_order else None
        if order is None and election.tie_order is not None:
            order = tuple(election.candidates[c] for c in election.tie_order)
        rules = Rules(
            args.method, seats=args.seats, ties=TiePolicy(order=order, seed=args.tie_seed)
        )
        result = count(election, rules)
    except (TellersError, OSError) as exc:
        print(f"tellers count: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(format_result(result, election.title))
    return 0
