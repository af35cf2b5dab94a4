"""The production server as the load benchmark and the fault tests run it, on loopback.

``start`` runs ``tellers serve --production`` (gunicorn: one arbiter, ``workers``
synchronous worker processes, ``tellers.web.production``) on a PostgreSQL database
and returns once it answers HTTP; ``stop`` ends it as systemd would (SIGTERM to the
arbiter, which lets each worker finish its request); ``kill`` ends every one of its
processes at once with SIGKILL, as a power cut or the out-of-memory killer would.
The server's output goes to a log file in its data directory.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Server",
    "free_port",
    "kill",
    "processes_of",
    "recreate_database",
    "server_environment",
    "setup_django",
    "start",
    "stop",
]

SECRET_KEY = "tellers-loadbench-not-secret"


def setup_django(database_url: str, data_dir: str) -> None:
    """Django in this process on the site's settings, on ``database_url``: what the load
    generator needs to open the election and check the board afterwards."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("TELLERS_SECRET_KEY", SECRET_KEY)
    os.environ["TELLERS_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "tellers.web.settings"
    import django

    django.setup()


def recreate_database(database_url: str) -> None:
    """Drop and create the database of ``database_url``; only a name containing ``bench``."""
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


@dataclass
class Server:
    """A running ``tellers serve --production``: its arbiter process, port and log."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path


def server_environment(database_url: str, data_dir: str) -> dict[str, str]:
    """The environment the production server runs in: this one's, less any Django or
    Tellers setting, plus the database, the data directory and a fixed secret key (the
    load generator signs the members' sessions with the same one)."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TELLERS_") and k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")
    }
    return {
        **keep,
        "DATABASE_URL": database_url,
        "TELLERS_DATA_DIR": data_dir,
        "TELLERS_SECRET_KEY": os.environ.get("TELLERS_SECRET_KEY", SECRET_KEY),
        "TELLERS_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TELLERS_LOG_LEVEL": "WARNING",
    }


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
            conn.sendall(b"GET /static/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return conn.recv(12).startswith(b"HTTP/1.")
    except OSError:
        return False


def start(
    port: int,
    database_url: str,
    data_dir: str,
    *,
    workers: int,
    timeout: float = 120,
    extra: list[str] | None = None,
) -> Server:
    """``tellers serve --production`` with ``workers`` workers on 127.0.0.1:``port``, once it
    answers HTTP (it migrates and collects the static files first)."""
    log = Path(data_dir) / f"server-{port}.log"
    argv = [sys.executable, "-m", "tellers.cli", "serve", "--production"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv + (extra or []),
            env=server_environment(database_url, data_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a signal to this terminal's group does not reach it
        )
    server = Server(process, port, log)
    deadline = time.monotonic() + timeout
    while not _answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            kill(server)
            raise RuntimeError(f"the server did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    return server


def processes_of(pid: int) -> list[int]:
    """``pid`` and every process below it (gunicorn's workers, the housekeeper), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        one = todo.pop()
        found.append(one)
        todo.extend(children.get(one, []))
    return found


def kill(server: Server) -> list[int]:
    """SIGKILL the arbiter and every worker at once; the pids killed."""
    pids = processes_of(server.process.pid)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(map(_alive, pids[1:])):
        time.sleep(0.05)
    return pids


def _alive(pid: int) -> bool:
    """Still running (a dead child whose parent is gone may linger as a zombie until reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def stop(server: Server) -> None:
    """SIGTERM the arbiter (each worker finishes its request), then SIGKILL what lingers."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            kill(server)
