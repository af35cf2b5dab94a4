"""Codes by SMS through a provider (officers.md, "Delivering").

``SmsProvider`` is all the delivery needs of one: send this text to this
number, or say that the number was refused. ``HttpSms`` is the one kept
here: it posts ``{"to": NUMBER, "text": TEXT}`` as JSON to the provider's
URL with ``Authorization: Bearer TOKEN``; a 2xx answer is sent, a 4xx is the
number refused (``Refused``), anything else stops the run (``DeliveryError``).
Most providers' HTTP APIs take this shape or a gateway in front of them does.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Protocol
from urllib.parse import urlsplit

from tellers.delivery.mail import Refused
from tellers.errors import DeliveryError, EncodingError

__all__ = ["HttpSms", "SmsProvider", "normal_number"]

_E164 = re.compile(r"\+[1-9][0-9]{6,14}\Z")


def normal_number(text: str) -> str:
    """A phone number in E.164 (``+447700900123``); a UK ``07…`` number is read as +44."""
    number = re.sub(r"[\s().-]", "", text)
    if number.startswith("00"):
        number = "+" + number[2:]
    elif number.startswith("0"):
        number = "+44" + number[1:]
    if not _E164.match(number):
        raise EncodingError("phone", f"expected a number as +447700900123, found {text!r}")
    return number


class SmsProvider(Protocol):
    """Sends one text message; raises ``Refused`` for a number it will not take."""

    def send(self, to: str, text: str) -> None: ...


class HttpSms:
    """An SMS provider reached by posting JSON to ``url`` with a bearer token."""

    def __init__(self, url: str, token: str, *, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        local = parts.hostname in ("127.0.0.1", "::1", "localhost")
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            # The token and every code would cross the network in clear.
            raise EncodingError("sms-url", f"expected an https:// address, found {url!r}")
        if not token:
            raise EncodingError("sms-token", "expected the provider's token, found nothing")
        self.url = url
        self._token = token
        self.timeout = timeout

    def send(self, to: str, text: str) -> None:
        body = json.dumps({"to": to, "text": text}).encode("utf-8")
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self._token}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            if 400 <= exc.code < 500 and exc.code not in (401, 403, 429):
                raise Refused("rejected", f"the provider answered {exc.code}") from None
            raise DeliveryError(f"sms: {self.url} answered {exc.code} {exc.reason}") from None
        except (OSError, urllib.error.URLError) as exc:
            raise DeliveryError(f"sms: cannot reach {self.url} ({exc})") from None
