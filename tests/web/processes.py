"""Real server processes for the serving tests: free ports, start and stop, raw HTTP(S).

Requests go out on a real socket from a chosen loopback source address (all of
127.0.0.0/8 is this machine), so a test can be two different clients.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

__all__ = [
    "Browserless",
    "Response",
    "environment_without",
    "free_port",
    "request",
    "running",
    "wait_for_port",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    """Until something listens on 127.0.0.1:``port``; fails with the log if ``process`` ends."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listened on port {port} in {seconds} s:\n{log.read_text()}")


@contextmanager
def running(
    argv: list[str], *, env: Mapping[str, str], log: Path, port: int, cwd: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``argv`` started (its output to ``log``) and listening on ``port``; stopped after
    with SIGTERM, then SIGKILL if it lingers. Only this process is signalled."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, env=dict(env), stdout=out, stderr=subprocess.STDOUT, cwd=cwd
        )
    try:
        wait_for_port(port, process, log, 60)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def request(
    port: int,
    path: str,
    *,
    method: str = "GET",
    host: str = "localhost",
    source: str = "127.0.0.1",
    tls: ssl.SSLContext | None = None,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    timeout: float = 10,
) -> Response:
    """One HTTP/1.1 request to 127.0.0.1:``port`` from ``source`` (over TLS with ``tls``,
    naming ``host`` for SNI and in the Host header)."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0))
    sock: socket.socket = tls.wrap_socket(raw, server_hostname=host) if tls else raw
    try:
        default_port = 443 if tls else 80
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {host}" + ("" if port == default_port else f":{port}"),
            "Connection: close",
            f"Content-Length: {len(body)}",
            *(f"{k}: {v}" for k, v in (headers or {}).items()),
        ]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        response = http.client.HTTPResponse(sock)  # type: ignore[arg-type]
        response.begin()
        return Response(response.status, response.getheaders(), response.read())
    finally:
        sock.close()


@dataclass
class Browserless:
    """A client that keeps its cookies, on one source address, over TLS: a member's
    browser as far as the server can tell."""

    port: int
    tls: ssl.SSLContext
    source: str
    host: str = "localhost"
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"https://{self.host}:{self.port}"

    def _send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response:
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        got = request(self.port, path, method=method, host=self.host, source=self.source,
                      tls=self.tls, headers=headers, body=body)  # fmt: skip
        for line in got.all("Set-Cookie"):
            jar: SimpleCookie = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return got

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return self._send("GET", path, dict(headers or {}), b"")

    def post_form(
        self, path: str, fields: dict[str, str], headers: dict[str, str] | None = None
    ) -> Response:
        sent = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
            "Referer": self.origin + path,
            **(headers or {}),
        }
        return self._send("POST", path, sent, urlencode(fields).encode())


def environment_without(*names: str) -> dict[str, str]:
    """This process's environment less ``names`` (and less anything Django- or
    Tellers-specific that would leak into a child's settings)."""
    drop = set(names) | {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "PYTHONPATH"}
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("TELLERS_")}
