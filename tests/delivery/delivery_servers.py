"""What the delivery tests' servers received (their fixtures are in ``conftest.py``)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

__all__ = ["Endpoint", "Relay", "free_port"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Relay:
    """What the SMTP server received: each message with its envelope recipients."""

    port: int
    refuse: set[str] = field(default_factory=set)
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    encrypted: list[bool] = field(default_factory=list)
    """Per message, whether its session was under TLS (the STARTTLS relay only)."""


@dataclass
class Endpoint:
    """What the SMS endpoint received: (Authorization header, JSON body) per request."""

    url: str
    refuse: set[str] = field(default_factory=set)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
