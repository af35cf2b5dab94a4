"""What is printed on one voting paper, and the paper's number as people and machines read it.

A paper's **number** is an integer from one consecutive series per election
(1, 2, 3, ...), replacements included. It is printed as its **label**: seven
or more digits and a Damm check digit (``0001234-7``), which catches every
single-digit slip and every swap of two adjacent digits when the number is
keyed by hand; the QR code carries ``TELLERS-PAPER:<election id>:<label>``
(docs/spec/postal.md §2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import damm

from tellers.errors import EncodingError

__all__ = [
    "QR_PREFIX",
    "PaperChoice",
    "PaperContent",
    "PaperContest",
    "paper_label",
    "parse_label",
    "parse_qr",
    "qr_payload",
]

QR_PREFIX = "TELLERS-PAPER"
_LABEL = re.compile(r"([0-9]{7,12})-?([0-9])")


def paper_label(number: int) -> str:
    """``number`` as printed: at least seven digits, a hyphen, its Damm check digit."""
    if number < 1:
        raise ValueError(f"a paper number is at least 1, found {number}")
    digits = f"{number:07d}"
    return f"{digits}-{damm.calc_check_digit(digits)}"


def parse_label(text: str) -> int:
    """The number a typed or read label names; ``EncodingError`` if it is not one or its
    check digit is wrong (so a slip of one digit, or two digits swapped, is never taken)."""
    cleaned = text.strip().replace(" ", "")
    match = _LABEL.fullmatch(cleaned)
    if match is None:
        raise EncodingError("paper number", f"expected digits and a check digit, found {text!r}")
    digits, check = match.groups()
    if not damm.is_valid(digits + check):
        raise EncodingError("paper number", f"{text!r}: the check digit does not match")
    number = int(digits)
    if number < 1:
        raise EncodingError("paper number", f"{text!r}: paper numbers start at 1")
    return number


def qr_payload(election_id: str, number: int) -> str:
    return f"{QR_PREFIX}:{election_id}:{paper_label(number)}"


def parse_qr(text: str, election_id: str) -> int:
    """The paper number in a QR payload, which must name this election."""
    parts = text.split(":")
    if len(parts) != 3 or parts[0] != QR_PREFIX:
        raise EncodingError("paper QR code", f"not a Tellers paper code: {text[:80]!r}")
    if parts[1] != election_id:
        raise EncodingError("paper QR code", f"a paper of election {parts[1]!r}, not this one")
    return parse_label(parts[2])


@dataclass(frozen=True, slots=True)
class PaperChoice:
    choice_id: str
    name: str
    code: str
    """The short code printed beside this choice's box (postal.md §3.3)."""
    address: str
    """The candidate's election address ("" if none); printed identically for every candidate."""


@dataclass(frozen=True, slots=True)
class PaperContest:
    contest_id: str
    title: str
    statement: str
    """The statutory statement or question text printed with the contest."""
    max_marks: int
    """How many boxes a member may mark (the contest's K)."""
    choices: tuple[PaperChoice, ...]


@dataclass(frozen=True, slots=True)
class PaperContent:
    """Everything one printed paper shows; made by the print authority from its pre-encryption."""

    election_id: str
    title: str
    organisation: str
    scrutineer: str
    return_address: str
    closes: str
    """The closing date and time, ISO 8601 with offset (printed in words by the renderer)."""
    number: int
    confirmation: str
    """The paper's confirmation code, as the member types it on the look-up page."""
    lookup_url: str
    """Where a member checks the paper (printed on the stub)."""
    credential_code: str | None
    """The member's online credential code where the ballot is hybrid, else None."""
    contests: tuple[PaperContest, ...]
    replaces: int | None = None
    """The number of the paper this one replaces, if it is a replacement."""

    @property
    def label(self) -> str:
        return paper_label(self.number)
