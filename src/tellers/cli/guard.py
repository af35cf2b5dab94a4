"""A sub-command's step with the command line's error rule: a ``TellersError`` is one line
on stderr and exit 2 (an unusable input, named with its file and line)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from tellers.errors import TellersError

__all__ = ["guarded"]

Step = Callable[[argparse.Namespace], int]


def guarded(command: str, step: Step) -> Step:
    """``step``, printing ``tellers COMMAND STEP: problem`` and returning 2 on ``TellersError``."""

    def run_step(args: argparse.Namespace) -> int:
        try:
            return step(args)
        except TellersError as exc:
            print(f"tellers {command} {args.step}: {exc}", file=sys.stderr)
            return 2

    return run_step
