"""A Dask cluster of separate processes for the tests: ``dask scheduler`` and ``dask worker``.

Each process is started with Dask's own command, in its own process group,
its output in a log file, on 127.0.0.1 with ports the system chooses, and
reached over TCP as on separate machines.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import distributed

from tellers.parallel import worker_context

__all__ = [
    "QUICK",
    "TcpCluster",
    "Tls",
    "context_and_chunk",
    "make_tls",
    "run_cli",
    "slow_sum",
    "start_worker",
    "stop",
    "tcp_cluster",
]

QUICK = {"distributed.comm.timeouts.connect": "5s"}
"""A dead worker's address is retried for 30 s by default before its data counts as lost;
the tests' machines are all one, where a refused connection means the worker is gone."""
_QUICK = {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": QUICK["distributed.comm.timeouts.connect"]}


@dataclass(frozen=True)
class TcpCluster:
    address: str
    """The scheduler's, ``tcp://127.0.0.1:PORT``."""
    logs: Path

    def log(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()}" for p in sorted(self.logs.glob("*.log")))


def _dask(
    logs: Path, name: str, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with open(logs / f"{name}.log", "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "dask", *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **_QUICK, **(env or {})},
        )


def _wait(ready: Callable[[], bool], processes: list[subprocess.Popen[bytes]], logs: Path) -> None:
    deadline = time.monotonic() + 60
    while not ready():
        if any(p.poll() is not None for p in processes) or time.monotonic() > deadline:
            raise RuntimeError("the Dask cluster did not start:\n" + TcpCluster("", logs).log())
        time.sleep(0.1)


def _address(file: Path) -> str | None:
    """The scheduler's address from its file, once it is written whole."""
    try:
        return str(json.loads(file.read_text())["address"])
    except (OSError, ValueError, KeyError):
        return None


@dataclass(frozen=True)
class Tls:
    """A certificate authority's certificate, and a certificate it signed with its key: what
    each process of a TLS cluster presents and checks the others' against."""

    ca: Path
    cert: Path
    key: Path

    def args(self) -> list[str]:
        return [
            "--tls-ca-file",
            str(self.ca),
            "--tls-cert",
            str(self.cert),
            "--tls-key",
            str(self.key),
        ]

    def config(self) -> dict[str, str]:
        """Dask's configuration for a client of the cluster (README, "Verify on a cluster")."""
        return {
            "distributed.comm.tls.ca-file": str(self.ca),
            "distributed.comm.tls.client.cert": str(self.cert),
            "distributed.comm.tls.client.key": str(self.key),
        }


def make_tls(folder: Path, name: str) -> Tls:
    """A new certificate authority and one certificate it signed, by ``openssl``."""
    folder.mkdir(parents=True, exist_ok=True)
    ca, ca_key = folder / f"{name}-ca.pem", folder / f"{name}-ca.key"
    cert, key, request = folder / f"{name}.pem", folder / f"{name}.key", folder / f"{name}.csr"
    for command in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
         "-days", "2", "-subj", f"/CN={name} test CA"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", request,
         "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", request, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
         "-out", cert, "-days", "2"],
    ):  # fmt: skip
        subprocess.run(["openssl", *map(str, command)], check=True, capture_output=True)
    return Tls(ca, cert, key)


@contextmanager
def tcp_cluster(
    logs: Path,
    workers: int = 2,
    worker_env: Sequence[Mapping[str, str]] = (),
    tls: Tls | None = None,
) -> Iterator[TcpCluster]:
    """A scheduler and ``workers`` workers of one thread each (each under its nanny); worker
    n's environment has ``worker_env[n - 1]`` added, where given. With ``tls`` every
    connection is TLS, each end presenting ``tls``'s certificate (``tls://``)."""
    file = logs / "scheduler.json"
    secure = [] if tls is None else tls.args()
    processes = [
        _dask(
            logs,
            "scheduler",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(file),
            *(["--protocol", "tls", *secure] if tls else []),
        )
    ]
    try:
        _wait(lambda: _address(file) is not None, processes, logs)
        address = _address(file)
        assert address is not None
        for n in range(1, workers + 1):
            processes.append(
                _dask(
                    logs,
                    f"worker-{n}",
                    "worker",
                    address,
                    "--nthreads",
                    "1",
                    "--host",
                    "127.0.0.1",
                    "--no-dashboard",
                    "--name",
                    f"worker-{n}",
                    *secure,
                    env=worker_env[n - 1] if n <= len(worker_env) else None,
                )
            )
        security = (
            None
            if tls is None
            else distributed.Security(
                tls_ca_file=str(tls.ca),
                tls_client_cert=str(tls.cert),
                tls_client_key=str(tls.key),
                require_encryption=True,
            )
        )
        with distributed.Client(address, timeout=30, security=security) as probe:
            _wait(lambda: len(probe.nthreads()) >= workers, processes, logs)
        yield TcpCluster(address, logs)
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def context_and_chunk(chunk: list[int]) -> tuple[Any, list[int]]:
    """A function to map on a worker: what ``worker_context()`` is there, and the chunk."""
    return worker_context(), chunk


def slow_sum(chunk: list[int]) -> int:
    """A chunk that takes a second: long enough to kill its worker while it runs."""
    time.sleep(1)
    return sum(chunk)


def start_worker(
    running: TcpCluster, name: str, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """One more worker, named ``name``, for ``running``'s scheduler (its log beside theirs)."""
    return _dask(
        running.logs, f"worker-{name}", "worker", running.address, "--nthreads", "1",
        "--host", "127.0.0.1", "--no-dashboard", "--name", name, env=env,
    )  # fmt: skip


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process ``start_worker`` started, and its nanny's worker with it."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def run_cli(capsys: Any, *args: str) -> tuple[int, str, str]:
    """``tellers ARGS`` in this process: its exit code, standard output and standard error
    (``capsys``, pytest's capture fixture)."""
    from tellers.cli import main

    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err
