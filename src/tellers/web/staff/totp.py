"""Authenticator codes (TOTP, RFC 6238) through django-otp's ``oath``, and their QR codes.

Both the staff's django-otp devices and the trustees' factors use the same
parameters: 20-byte keys, SHA-1, 6 digits, 30-second steps, one step of
clock difference either way. A code is taken only at a time step after the
last one accepted, so that no code is taken twice.
"""

from __future__ import annotations

import base64
import re
import secrets
import time
from urllib.parse import quote, urlencode

import segno
from django_otp.oath import TOTP

__all__ = [
    "DIGITS",
    "ISSUER",
    "STEP",
    "TOLERANCE",
    "grouped",
    "matching_step",
    "new_key",
    "normalise",
    "otpauth_uri",
    "qr_data_uri",
]

DIGITS = 6
STEP = 30
TOLERANCE = 1
"""Time steps of clock difference allowed either way (django-otp's default)."""
ISSUER = "Tellers"
_CODE = re.compile(rf"[0-9]{{{DIGITS}}}")


def new_key() -> str:
    """A fresh 20-byte shared secret, in hex (as django-otp keeps it)."""
    return secrets.token_hex(20)


def _base32(key_hex: str) -> str:
    return base64.b32encode(bytes.fromhex(key_hex)).decode()


def grouped(key_hex: str) -> str:
    """The key as an authenticator app takes it typed in: base32, in groups of four."""
    b32 = _base32(key_hex)
    return " ".join(b32[i : i + 4] for i in range(0, len(b32), 4))


def otpauth_uri(key_hex: str, account: str) -> str:
    """The ``otpauth://totp/`` URI an authenticator app scans (Key Uri Format)."""
    label = f"{ISSUER}:{account.replace(':', ' ')}"
    params = urlencode(
        {
            "secret": _base32(key_hex),
            "issuer": ISSUER,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP,
        }
    )
    return f"otpauth://totp/{quote(label)}?{params}"


def qr_data_uri(uri: str) -> str:
    """The QR code of ``uri`` as an SVG ``data:`` URI, for an ``<img>`` (the CSP allows it)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=4))


def normalise(code: str) -> str:
    """What the person typed, without the spaces and dashes apps show inside a code."""
    return re.sub(r"[\s-]", "", code)


def matching_step(key_hex: str, code: str, *, after: int = -1) -> int | None:
    """The time step, after ``after``, within ``TOLERANCE`` of now whose code is ``code``.

    None when ``code`` is not six digits or matches no such step (wrong, stale, or a step
    already used).
    """
    code = normalise(code)
    if not _CODE.fullmatch(code):
        return None
    totp = TOTP(bytes.fromhex(key_hex), step=STEP, digits=DIGITS)
    totp.time = time.time()
    if not totp.verify(int(code), tolerance=TOLERANCE, min_t=after + 1):
        return None
    return int(totp.t())
