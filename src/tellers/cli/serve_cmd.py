"""``tellers serve [--port N]``: the web service on this machine (``tellers.web.demo``).

Django is imported only when the command runs, so the rest of the command
line does not need it.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the web voting service locally",
        description="Run the web voting service on this machine (SQLite unless DATABASE_URL).",
    )
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--no-demo", action="store_true", help="do not create the demo election")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tellers.web.settings")
    from tellers.web.demo import serve

    return serve(args.host, args.port, demo=not args.no_demo)
