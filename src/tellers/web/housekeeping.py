"""The production server's clean-up: expired sessions deleted on a schedule.

``tellers serve --production`` starts this as a process of its own beside the
server's workers (``python -m tellers.web.housekeeping --every SECONDS``); it
stops when the server does, or when it finds its parent gone. Each round is
Django's ``clearsessions``, so a lapsed member's or officer's session does not
stay in the database. ``--once`` runs one round and exits, for a cron job or
systemd timer where the server is run some other way.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

__all__ = ["clear_expired", "main", "run"]

log = logging.getLogger("tellers.housekeeping")


def clear_expired() -> None:
    """One round: delete every session past its expiry."""
    from django.core.management import call_command

    call_command("clearsessions")


def _round() -> None:
    from django.db import DatabaseError, connections

    try:
        clear_expired()
    except DatabaseError as exc:  # the database away for a moment: try again next round
        log.warning("clearing expired sessions failed: %s", exc)
    finally:
        connections.close_all()


def run(every: float, parent: int | None) -> int:
    """Clear expired sessions now and every ``every`` seconds until told to stop (SIGTERM,
    SIGINT) or until the process ``parent`` is no longer this one's parent."""
    import django

    django.setup()
    stop = threading.Event()

    def stopping(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    while not stop.is_set():
        _round()
        waited = 0.0
        while waited < every and not stop.is_set():
            if parent is not None and os.getppid() != parent:
                return 0
            step = min(1.0, every - waited)
            stop.wait(step)
            waited += step
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tellers.web.housekeeping")
    parser.add_argument("--every", type=float, default=3600.0, help="seconds between rounds")
    parser.add_argument("--parent", type=int, help="stop when this process is gone")
    parser.add_argument("--once", action="store_true", help="one round, then exit")
    args = parser.parse_args(argv)
    if args.every <= 0:
        parser.error("--every must be a positive number of seconds")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tellers.web.settings")
    if args.once:
        import django

        django.setup()
        clear_expired()
        return 0
    return run(args.every, args.parent)


if __name__ == "__main__":
    sys.exit(main())
