"""A one-line progress display on a terminal; silent when stderr is not one."""

from __future__ import annotations

import sys
import time

__all__ = ["Progress"]


class Progress:
    def __init__(self, label: str) -> None:
        self.label = label
        self.live = sys.stderr.isatty()
        self.start = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self.live:
            return
        now = time.monotonic()
        if now - self.last < 0.2 and done < total:
            return
        self.last = now
        share = done / total if total else 1.0
        bar = "#" * int(share * 30)
        sys.stderr.write(f"\r{self.label} [{bar:<30}] {done:,}/{total:,} {now - self.start:5.0f} s")
        sys.stderr.flush()

    def stage(self, label: str, done: int, total: int) -> None:
        self.label = label
        self(done, total)

    def done(self) -> None:
        if self.live:
            sys.stderr.write("\r" + " " * 78 + "\r")
            sys.stderr.flush()
