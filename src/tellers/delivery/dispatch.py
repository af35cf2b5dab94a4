"""Each member's code by the first channel they can be reached on (officers.md, "Delivering").

Reads the authority's ``mailing.csv`` (``tellers credentials issue``: reference,
constituency, the contact columns, code). For each member, in the order the
authority chose (say ``email,sms,post``), the first channel for which the
member has an address: ``email`` (the ``email`` column), ``sms`` (a ``phone``
column, where the mailing file has one) or ``post`` (``postal_address``,
into the letters file the mail house prints). A member reachable on none is a
``no-contact`` failure. What happened to each is a ``DeliveryLine``: sent, or
failed with the reason — the rows of ``sent.csv`` and ``failures.csv``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tellers.crypto.credentials import format_code, normalise_code
from tellers.delivery.files import CHANNELS, SENT, DeliveryLine
from tellers.delivery.mail import Refused, SmtpMailer
from tellers.delivery.message import Notice, email_for, sms_text
from tellers.delivery.sms import SmsProvider, normal_number
from tellers.errors import EncodingError, InputFileError, InvalidCredential
from tellers.spreadsheet import plain_cell

__all__ = ["Recipient", "channel_order", "deliver", "read_mailing"]


@dataclass(frozen=True, slots=True)
class Recipient:
    """A member as the authority's mailing file has them."""

    reference: str
    name: str
    email: str
    phone: str
    postal_address: str
    code: str
    line: int

    def reaches(self, channel: str) -> bool:
        return bool({"email": self.email, "sms": self.phone, "post": self.postal_address}[channel])


def channel_order(text: str) -> tuple[str, ...]:
    """``email,sms,post`` read and checked: known channels, each once."""
    order = tuple(c.strip() for c in text.split(",") if c.strip())
    unknown = [c for c in order if c not in CHANNELS]
    if not order or unknown or len(set(order)) != len(order):
        raise EncodingError(
            "channels", f"expected some of {', '.join(CHANNELS)}, each once, found {text!r}"
        )
    return order


def read_mailing(path: Path) -> Iterator[Recipient]:
    """The members of ``mailing.csv``; a row without a reference or a valid code is refused."""
    name = str(path)
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise InputFileError(name, 0, f"cannot read ({exc.strerror})") from None
    with handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        for needed in ("reference", "code"):
            if needed not in fields:
                raise InputFileError(name, 1, f"header: expected a {needed!r} column")
        for row in reader:
            line = reader.line_num
            cell = {k: plain_cell((v or "").strip()) for k, v in row.items() if k is not None}
            if not cell.get("reference"):
                raise InputFileError(name, line, "reference is empty")
            try:
                code = normalise_code(cell["code"])
            except InvalidCredential as exc:
                raise InputFileError(name, line, str(exc)) from None
            yield Recipient(
                cell["reference"],
                cell.get("name", ""),
                cell.get("email", ""),
                cell.get("phone", ""),
                cell.get("postal_address", ""),
                format_code(code),
                line,
            )


def deliver(
    recipients: Iterable[Recipient],
    notice: Notice,
    order: tuple[str, ...],
    *,
    today: date,
    mailer: SmtpMailer | None = None,
    sms: SmsProvider | None = None,
    letter: Callable[[Recipient], None] | None = None,
) -> Iterator[DeliveryLine]:
    """Send each member's code by their first reachable channel; yield what happened.

    A refused address is a failure on that channel and the member goes on to
    the next channel they can be reached on; ``DeliveryError`` (the relay or
    the provider is down) stops the run, every line yielded so far being done.
    """
    for channel in order:
        if {"email": mailer, "sms": sms, "post": letter}[channel] is None:
            raise EncodingError("channels", f"{channel} is asked for but not set up")
    for r in recipients:
        delivered = False
        for channel in order:
            if not r.reaches(channel):
                continue
            try:
                if channel == "email":
                    assert mailer is not None
                    mailer.send(email_for(notice, r.email, r.name, r.code))
                elif channel == "sms":
                    assert sms is not None
                    try:
                        number = normal_number(r.phone)
                    except EncodingError:
                        raise Refused("invalid-number", r.phone) from None
                    sms.send(number, sms_text(notice, r.code))
                else:
                    assert letter is not None
                    letter(r)
            except EncodingError:
                yield DeliveryLine(r.reference, channel, today, "invalid-address", r.line)
                continue
            except Refused as refused:
                yield DeliveryLine(r.reference, channel, today, refused.reason, r.line)
                continue
            yield DeliveryLine(r.reference, channel, today, SENT, r.line)
            delivered = True
            break
        if not delivered and not any(r.reaches(c) for c in order):
            yield DeliveryLine(r.reference, order[-1], today, "no-contact", r.line)
