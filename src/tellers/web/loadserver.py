"""The load benchmark's server: several processes serving the site on one loopback port.

Each process is a ``wsgiref`` server with a fixed pool of request threads
(``SO_REUSEPORT`` shares the port), started as ``python -m
tellers.web.loadserver PORT ...`` by ``start``; it prints ``ready`` once it
listens. Standard library only: a production deployment would use a WSGI
server with many synchronous workers instead.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

__all__ = ["THREADS", "free_port", "recreate_database", "setup_django", "start", "stop"]

THREADS = 1
"""Request threads per server process. The board's head lock is held across a few round
trips; in a process whose other threads are busy checking ballots, each return from
PostgreSQL waits for the GIL, stretching the hold that every cast queues behind. One thread
per process, and several processes per core, measured fastest (issue 5)."""


# ---- the server ---------------------------------------------------------------------


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _SharedPortServer(WSGIServer):
    """Requests served by a fixed pool of ``threads``, so each keeps its database connection."""

    request_queue_size = 256
    threads = 8

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()
        self.pool = ThreadPoolExecutor(self.threads)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.pool.submit(self._handle, request, client_address)

    def _handle(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


def setup_django(database_url: str, data_dir: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("TELLERS_SECRET_KEY", "tellers-loadbench-not-secret")
    os.environ["TELLERS_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "tellers.web.settings"
    import django

    django.setup()


def _serve(port: int, database_url: str, data_dir: str, persistent: bool, threads: int) -> None:
    setup_django(database_url, data_dir)
    from django.core.wsgi import get_wsgi_application
    from django.db import connections

    if persistent:  # as a production deployment would configure it (settings: CONN_MAX_AGE)
        connections.settings["default"]["CONN_MAX_AGE"] = 600

    _SharedPortServer.threads = threads
    server = make_server(
        "127.0.0.1", port, get_wsgi_application(), _SharedPortServer, handler_class=_Quiet
    )
    print("ready", flush=True)
    server.serve_forever()


def recreate_database(database_url: str) -> None:
    import psycopg

    from tellers.web.dburl import database_from_url

    entry = database_from_url(database_url)
    name = entry["NAME"]
    if not re.fullmatch(r"[a-z0-9_]+", name) or "bench" not in name:
        raise SystemExit(f"refusing to recreate database {name!r}: its name must contain 'bench'")
    with psycopg.connect(
        dbname="postgres",
        user=entry["USER"] or None,
        password=entry["PASSWORD"] or None,
        host=entry["HOST"] or None,
        port=entry["PORT"] or None,
        autocommit=True,
    ) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(
    workers: int, port: int, database_url: str, data_dir: str, threads: int, persistent: bool
) -> list[subprocess.Popen[str]]:
    """``workers`` server processes on ``port``, each ready (listening) when this returns."""
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "tellers.web.loadserver", str(port), database_url, data_dir]
            + ["--threads", str(threads)]
            + (["--persistent-connections"] if persistent else []),
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    try:
        for server in servers:
            assert server.stdout is not None
            if server.stdout.readline().strip() != "ready":
                raise RuntimeError("a server process did not start")
    except BaseException:
        stop(servers)
        raise
    return servers


def stop(servers: list[subprocess.Popen[str]]) -> None:
    for server in servers:
        server.terminate()
    for server in servers:
        server.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tellers.web.loadserver")
    parser.add_argument("port", type=int)
    parser.add_argument("database_url")
    parser.add_argument("data_dir")
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--persistent-connections", action="store_true")
    args = parser.parse_args(argv)
    _serve(args.port, args.database_url, args.data_dir, args.persistent_connections, args.threads)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
