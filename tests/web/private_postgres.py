"""A PostgreSQL server of the test's own, to stop and start while the site runs on it.

The machine's PostgreSQL is shared by every test running at the time, so a test that
takes the database away starts its own: ``initdb`` into a temporary directory with
the machine's binaries (Debian's ``/usr/lib/postgresql/<version>/bin``, the newest,
or ``TELLERS_PG_BINDIR``), trust authentication on 127.0.0.1 and a free port, its
socket in that directory. PostgreSQL refuses to run as root, so as root (this
project's machines and CI) every command runs as the ``postgres`` user that Debian's
package creates, through ``runuser``; otherwise as the user running the tests.
Stopped (``-m immediate``) and removed afterwards.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from processes import free_port

__all__ = ["PrivatePostgres", "binaries", "private_postgres"]


def binaries() -> Path | None:
    """The directory of ``initdb`` and ``pg_ctl``, or None when this machine has none."""
    given = os.environ.get("TELLERS_PG_BINDIR")
    if given:
        return Path(given) if (Path(given) / "initdb").exists() else None
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return found[-1].parent if found else None


@dataclass
class PrivatePostgres:
    """A running server: its data directory, port and binaries."""

    directory: Path
    port: int
    bindir: Path
    run_as: str | None

    def url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def _command(self, *argv: str) -> list[str]:
        return ["runuser", "-u", self.run_as, "--", *argv] if self.run_as else list(argv)

    def pg_ctl(self, *args: str) -> None:
        data = str(self.directory / "data")
        subprocess.run(
            self._command(str(self.bindir / "pg_ctl"), "-D", data, "-w", "-t", "60", *args),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def start(self) -> None:
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.directory} -c max_connections=50"
        )
        self.pg_ctl("-l", str(self.directory / "server.log"), "-o", options, "start")

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server: ``immediate`` is a crash (recovery from the WAL at the next
        start); ``fast`` ends every connection and checkpoints."""
        self.pg_ctl("-m", mode, "stop")

    def log(self) -> str:
        path = self.directory / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A fresh server, started; stopped and deleted afterwards."""
    bindir = binaries()
    if bindir is None:
        raise FileNotFoundError("no PostgreSQL binaries (initdb, pg_ctl) on this machine")
    run_as = None
    directory = Path(tempfile.mkdtemp(prefix="tellers-pg-"))
    if os.geteuid() == 0:
        run_as = "postgres"
        account = pwd.getpwnam(run_as)
        os.chown(directory, account.pw_uid, account.pw_gid)
    server = PrivatePostgres(directory, free_port(), bindir, run_as)
    try:
        initdb = [str(bindir / "initdb"), "-D", str(directory / "data"), "-U", "postgres"]
        initdb += ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]
        subprocess.run(
            server._command(*initdb),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        server.start()
        yield server
    finally:
        with suppress(subprocess.CalledProcessError):  # not running
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)
