"""Sending members' emails over SMTP with the standard library (officers.md, "Delivering").

The relay is the credential authority's own (not the voting site's): the
site must never be in a position to read a code. ``SmtpMailer`` keeps one
connection for the run, reconnects once if the relay drops it, and tells a
refused recipient (recorded against that member) from a relay that refuses
everything (``DeliveryError``: the run stops, and a rerun resumes).
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType
from typing import Literal

from tellers.errors import DeliveryError

__all__ = ["Refused", "SmtpMailer", "SmtpSettings"]


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """How to reach the authority's mail relay."""

    host: str
    port: int
    security: Literal["none", "starttls", "ssl"] = "starttls"
    """``starttls`` (port 587) or ``ssl`` (465); ``none`` only for a relay on this machine."""
    username: str = ""
    password: str = ""
    timeout: float = 30.0
    ca_file: str = ""
    """A CA certificate to trust for the relay (a private relay's own); else the system's."""

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file or None)


class Refused(Exception):
    """The relay refused this one recipient; ``reason`` is the delivery files' word for it."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


_LOOPBACK = ("127.0.0.1", "::1", "localhost")


class SmtpMailer:
    """A connection to the relay, as a context manager; ``send`` one message at a time."""

    def __init__(self, settings: SmtpSettings) -> None:
        if settings.security == "none" and settings.host not in _LOOPBACK:
            # Codes in clear over the network: only a relay on this machine may go without TLS.
            raise DeliveryError(
                f"smtp: expected STARTTLS or TLS to {settings.host}, found neither "
                "(only a relay on this machine may be reached without)"
            )
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=s.tls()
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    smtp.starttls(context=s.tls())
            if s.username:
                smtp.login(s.username, s.password)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"smtp: cannot reach {s.host}:{s.port} ({exc})") from None
        return smtp

    def __enter__(self) -> SmtpMailer:
        self._smtp = self._connect()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._smtp is not None:
            # The relay may have gone first; nothing is lost, every message was acknowledged.
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._smtp = None

    def send(self, message: EmailMessage) -> None:
        """Hand one message to the relay; ``Refused`` if it refuses its recipient."""
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._connect()
            try:
                self._smtp.send_message(message)
                return
            except smtplib.SMTPRecipientsRefused as exc:
                detail = "; ".join(f"{code} {text!r}" for code, text in exc.recipients.values())
                raise Refused("rejected", detail) from None
            except smtplib.SMTPServerDisconnected:
                self._smtp = None  # dropped mid-run: reconnect once
                if attempt == 2:
                    raise DeliveryError(
                        f"smtp: {self.settings.host} keeps closing the connection"
                    ) from None
            except smtplib.SMTPResponseException as exc:
                if 500 <= exc.smtp_code < 600 and exc.smtp_code not in (530, 535, 554):
                    raise Refused("rejected", f"{exc.smtp_code} {exc.smtp_error!r}") from None
                raise DeliveryError(
                    f"smtp: {self.settings.host} refused a message: {exc.smtp_code} "
                    f"{exc.smtp_error!r}"
                ) from None
            except (OSError, smtplib.SMTPException) as exc:
                raise DeliveryError(
                    f"smtp: sending to {self.settings.host} failed ({exc})"
                ) from None
