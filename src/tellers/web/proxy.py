"""The real client address and scheme behind a trusted reverse proxy.

``TELLERS_TRUSTED_PROXIES`` lists the addresses or networks of the proxies in
front of the site (nginx on the same machine: ``127.0.0.1``). Only when the
request's immediate peer (``REMOTE_ADDR``) is one of them:

- the client address becomes the right-most entry of ``X-Forwarded-For`` that
  is not itself a trusted proxy, walking from the peer leftwards; entries to
  its left were written by the client and are never believed. It replaces
  ``REMOTE_ADDR``, which is what every limit and lock of the site reads;
- the scheme is taken from ``X-Forwarded-Proto`` (``https`` or ``http``), so
  that ``TELLERS_HTTPS=1`` marks cookies secure, sends HSTS and redirects
  plain HTTP without looping.

From any other peer both headers are removed before the site sees them: a
client talking to the server directly cannot choose its address or scheme.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

__all__ = [
    "FORWARDED_FOR",
    "FORWARDED_PROTO",
    "Network",
    "TrustedProxyMiddleware",
    "apply_forwarding",
    "client_address",
    "parse_networks",
]

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"
FORWARDED_PROTO = "HTTP_X_FORWARDED_PROTO"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """``TELLERS_TRUSTED_PROXIES`` entries as networks; a bad one is named in the error."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TELLERS_TRUSTED_PROXIES: {entry!r} is not an IP address or network "
                "(expected e.g. 127.0.0.1, ::1 or 10.0.0.0/24, separated by commas)"
            ) from None
    return tuple(networks)


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def client_address(peer: str, forwarded_for: str, networks: tuple[Network, ...]) -> str | None:
    """The client behind ``peer``, or None when ``peer`` is not a trusted proxy.

    Walks ``peer`` then the ``X-Forwarded-For`` entries from the right; the first
    address that is not a trusted proxy is the client. An entry that is not an
    address ends the walk at the last trusted hop, which is then the client.
    """
    hop = _address(peer)
    if hop is None or not _trusted(hop, networks):
        return None
    for entry in reversed(forwarded_for.split(",") if forwarded_for else []):
        address = _address(entry)
        if address is None:
            break
        hop = address
        if not _trusted(hop, networks):
            break
    return str(hop)


def apply_forwarding(meta: MutableMapping[str, Any], networks: tuple[Network, ...]) -> None:
    """Rewrite ``REMOTE_ADDR`` and the scheme in a WSGI environ from a trusted proxy's
    headers, or drop those headers when the peer is not trusted."""
    client = client_address(
        str(meta.get("REMOTE_ADDR") or ""), str(meta.get(FORWARDED_FOR) or ""), networks
    )
    if client is None:
        meta.pop(FORWARDED_FOR, None)
        meta.pop(FORWARDED_PROTO, None)
        return
    meta["REMOTE_ADDR"] = client
    proto = str(meta.get(FORWARDED_PROTO) or "").rsplit(",", 1)[-1].strip().lower()
    if proto in ("http", "https"):
        meta["wsgi.url_scheme"] = proto


class TrustedProxyMiddleware:
    """Django middleware for ``apply_forwarding``; first in ``MIDDLEWARE``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.networks = parse_networks(getattr(settings, "TELLERS_TRUSTED_PROXIES", []))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        apply_forwarding(request.META, self.networks)
        return self.get_response(request)
