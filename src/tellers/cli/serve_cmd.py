"""``tellers serve``: the web service on this machine.

Without ``--production``: the local demo (``tellers.web.demo``), Django's development
server with a ready demo election. With it: the site as it runs on the internet behind
a TLS proxy (``tellers.web.production``, docs/deploy.md), under gunicorn, no demo.

Django is imported only when the command runs, so the rest of the command line does
not need it.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

__all__ = ["register", "run"]


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, found {text}")
    return value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the web voting service (the local demo, or --production)",
        description=(
            "Run the web voting service on this machine (SQLite unless DATABASE_URL). "
            "By default: the local demo on Django's development server. With --production: "
            "gunicorn, for a site behind a TLS reverse proxy (docs/deploy.md)."
        ),
    )
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--no-demo", action="store_true", help="do not create the demo election")
    production = parser.add_argument_group("production mode")
    production.add_argument(
        "--production",
        action="store_true",
        help="serve under gunicorn with the production settings (needs TELLERS_SECRET_KEY and "
        "TELLERS_ALLOWED_HOSTS; no demo)",
    )
    production.add_argument(
        "--workers", type=_positive, help="worker processes (default: 2 per core, plus 1)"
    )
    production.add_argument(
        "--timeout",
        type=_positive,
        default=300,
        help="seconds a request may run before its worker is replaced (default 300)",
    )
    production.add_argument(
        "--clear-sessions-every",
        type=_positive,
        default=3600,
        metavar="SECONDS",
        help="how often expired sessions are deleted (default 3600)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.production:
        from django.core.exceptions import ImproperlyConfigured

        from tellers.web.production import serve_production

        try:
            return serve_production(
                args.host,
                args.port,
                workers=args.workers,
                timeout=args.timeout,
                clear_sessions_every=args.clear_sessions_every,
            )
        except ImproperlyConfigured as exc:
            print(f"tellers serve --production: {exc}", file=sys.stderr)
            return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tellers.web.settings")
    from tellers.web.demo import serve

    return serve(args.host, args.port, demo=not args.no_demo)
