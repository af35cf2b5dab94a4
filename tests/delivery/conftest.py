"""Delivery tests: a real SMTP server (aiosmtpd) and a real HTTP endpoint, both on loopback.

The fixtures are here; what they yield is described in ``delivery_servers`` (a plain module
the tests import: two conftest.py files cannot both be imported as ``conftest``)."""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from delivery_servers import Endpoint, Relay, free_port

__all__: list[str] = []


@pytest.fixture
def relay() -> Iterator[Relay]:
    from aiosmtpd.controller import Controller

    got = Relay(free_port())

    class Handler:
        async def handle_RCPT(
            self, server: Any, session: Any, envelope: Any, address: str, options: Any
        ) -> str:
            if address in got.refuse:
                return "550 5.1.1 no such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            message = BytesParser(policy=policy.default).parsebytes(envelope.content)
            assert isinstance(message, EmailMessage)
            got.messages.append((list(envelope.rcpt_tos), message))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=got.port)
    controller.start()
    try:
        yield got
    finally:
        controller.stop()


@pytest.fixture
def tls_relay(tmp_path: Path) -> Iterator[tuple[Relay, Path]]:
    """A relay that demands STARTTLS, with a certificate for 127.0.0.1 made here by openssl;
    the certificate's file, for the client to trust. Each message records whether its
    session was encrypted."""
    from aiosmtpd.controller import Controller

    cert, key = tmp_path / "relay-cert.pem", tmp_path / "relay-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    got = Relay(free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            message = BytesParser(policy=policy.default).parsebytes(envelope.content)
            assert isinstance(message, EmailMessage)
            got.messages.append((list(envelope.rcpt_tos), message))
            got.encrypted.append(session.ssl is not None)
            return "250 OK"

    controller = Controller(
        Handler(), hostname="127.0.0.1", port=got.port, tls_context=context,
        require_starttls=True,
    )  # fmt: skip
    controller.start()
    try:
        yield got, cert
    finally:
        controller.stop()


@pytest.fixture
def sms_endpoint() -> Iterator[Endpoint]:
    port = free_port()
    got = Endpoint(f"http://127.0.0.1:{port}/send")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            body = json.loads(self.rfile.read(length))
            got.requests.append((self.headers.get("Authorization", ""), body))
            status = 400 if body.get("to") in got.refuse else 202
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: pytest keeps the output for failures

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
