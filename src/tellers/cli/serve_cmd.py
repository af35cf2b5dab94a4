"""``tellers serve [--port N]``: the web service on this machine.

Runs the migrations on the configured database (embedded SQLite by default,
PostgreSQL when ``DATABASE_URL`` says so), prepares the demo election and
starts Django's development server on 127.0.0.1. Django is imported only
when the command runs, so the rest of the command line does not need it.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

__all__ = ["prepare_demo", "register", "run"]


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


def prepare_demo() -> str | None:
    """Create the ready demo election; return how to vote in it, or None if not available.

    TODO(issue 5, phase 2): build it with the core's ``tellers.election`` API
    (manifest, trustees' keys, credentials) and print one demo credential.
    """
    return None


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tellers.web.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    if not args.no_demo:
        note = prepare_demo()
        if note:
            print(note)
    print(f"Tellers is serving on http://{args.host}:{args.port}/ (Ctrl-C stops it)")
    # The development server serves the static files itself (insecure=True): this
    # command is for one machine, behind no proxy.
    call_command(
        "runserver",
        f"{args.host}:{args.port}",
        use_reloader=False,
        insecure_serving=True,
    )
    return 0
