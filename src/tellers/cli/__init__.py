"""The ``tellers`` command line: a thin shell over the core.

Each sub-command lives in its own module exposing ``register(subparsers)``;
the handler it sets with ``set_defaults(handler=...)`` returns the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["main"]

# Modules that add sub-commands; each has register(subparsers) -> None.
_COMMANDS = (
    "tellers.cli.bench_cmd",
    "tellers.cli.count_cmd",
    "tellers.cli.credentials_cmd",
    "tellers.cli.delivery_cmd",
    "tellers.cli.demo_cmd",
    "tellers.cli.verify_cmd",
    "tellers.cli.trustee_cmd",
    "tellers.cli.postal_cmd",
    "tellers.cli.nominations_cmd",
    "tellers.cli.report_cmd",
    "tellers.cli.roll_cmd",
    "tellers.cli.serve_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tellers",
        description="Verifiable ballots for trade unions and membership organisations.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # a command not built yet
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    code: int = handler(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
