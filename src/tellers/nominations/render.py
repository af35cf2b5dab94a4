"""Election addresses laid out once, for the web page and for the postal pack (nominations.md
§8, TULRCA s.48(4): produced identically for every candidate).

``address_sheet`` turns the close's outcome into one ``AddressPage`` per
standing candidate, in ballot order: the name, the address's paragraphs
(split at blank lines; white space inside a paragraph made single spaces,
for every candidate alike) and the photograph. The addresses page on the
site renders exactly these, and ``addresses_pdf`` draws them for the pack:
one A4 page per candidate from one template — the same heading, the same
photograph box (where the rules allow photographs), the same font and size
— continued on a further page only if the words do not fit on one.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from tellers.errors import NominationError
from tellers.nominations.addresses import Photo
from tellers.nominations.outcome import Outcome
from tellers.postal.layout import paper_fonts, printable, text_width

__all__ = ["NO_ADDRESS", "AddressPage", "address_sheet", "addresses_pdf", "paragraphs"]

_W, _H = 210.0, 297.0
_LEFT, _TOP, _BOTTOM = 20.0, 20.0, 277.0
_WIDTH = _W - 2 * _LEFT
_PHOTO_W, _PHOTO_H = 35.0, 45.0
_SIZE = 10.0
_LEAD = _SIZE * 25.4 / 72 * 1.4
NO_ADDRESS = "(No election address was submitted.)"
"""Printed, and shown online, for a candidate who gave no address."""


@dataclass(frozen=True, slots=True)
class AddressPage:
    """One candidate's address as every reader sees it."""

    position: int
    """1-based place in the ballot order."""
    candidate: str
    name: str
    paragraphs: tuple[str, ...]
    words: int
    photo: Photo | None
    address_sha256: str | None
    """What the close pinned of the address (None: the candidate gave none)."""


def paragraphs(text: str) -> tuple[str, ...]:
    """The paragraphs of an address: split at blank lines, inner white space made single."""
    parts = re.split(r"\n\s*\n", text.strip())
    return tuple(" ".join(p.split()) for p in parts if p.strip())


def address_sheet(outcome: Outcome) -> tuple[AddressPage, ...]:
    """Every standing candidate's page, in ballot order."""
    return tuple(
        AddressPage(
            i,
            s.id,
            s.name,
            () if s.address is None else paragraphs(s.address.text),
            0 if s.address is None else s.address.words,
            None if s.address is None else s.address.photo,
            None if s.address is None else s.address.sha256,
        )
        for i, s in enumerate(outcome.candidates, start=1)
    )


def _y(top: float) -> float:
    return (_H - top) * mm


def addresses_pdf(
    outcome: Outcome,
    *,
    organisation: str,
    photos: Mapping[str, bytes],
    photos_allowed: bool,
) -> bytes:
    """The pack's addresses PDF: one page per candidate (module docstring). ``photos`` gives
    each photograph's bytes by SHA-256; a missing or altered one is refused."""
    fonts = paper_fonts()
    out = io.BytesIO()
    # invariant: no creation date or random id, so the same addresses give the same bytes
    canvas = Canvas(out, pagesize=A4, pageCompression=1, invariant=1)
    canvas.setTitle(f"{organisation}: {outcome.office}: election addresses")
    canvas.setCreator("Tellers")
    sheet = address_sheet(outcome)
    for page in sheet:
        heading = f"{organisation}: {outcome.office} — election addresses"
        canvas.setFont(fonts.regular, 9)
        canvas.drawString(_LEFT * mm, _y(_TOP), printable(heading, "heading"))
        canvas.drawRightString(
            (_W - _LEFT) * mm, _y(_TOP), f"Candidate {page.position} of {len(sheet)}"
        )
        canvas.setFont(fonts.bold, 16)
        canvas.drawString(_LEFT * mm, _y(_TOP + 12), printable(page.name, "candidate's name"))
        text_top = _TOP + 20
        if photos_allowed:
            # the same box on every page, the photograph fitted inside it, the text beside and below
            box_top = _TOP + 18
            x = (_W - _LEFT - _PHOTO_W) * mm
            canvas.setLineWidth(0.3 * mm)
            canvas.rect(x, _y(box_top + _PHOTO_H), _PHOTO_W * mm, _PHOTO_H * mm)
            if page.photo is None:
                canvas.setFont(fonts.regular, 8)
                canvas.drawCentredString(
                    x + _PHOTO_W * mm / 2, _y(box_top + _PHOTO_H / 2), "No photograph"
                )
            else:
                data = photos.get(page.photo.sha256)
                if data is None or hashlib.sha256(data).hexdigest() != page.photo.sha256:
                    raise NominationError(
                        f"photograph of {page.name}: expected bytes with SHA-256 "
                        f"{page.photo.sha256}, found {'none' if data is None else 'other bytes'}"
                    )
                canvas.drawImage(
                    ImageReader(io.BytesIO(data)),
                    x,
                    _y(box_top + _PHOTO_H),
                    _PHOTO_W * mm,
                    _PHOTO_H * mm,
                    preserveAspectRatio=True,
                    anchor="c",
                )
        beside = int((_TOP + 18 + _PHOTO_H + 2 - text_top) // _LEAD) if photos_allowed else 0
        lines = _lines(page.paragraphs or (NO_ADDRESS,), page.name, beside)
        y = text_top
        canvas.setFont(fonts.regular, _SIZE)
        for line in lines:
            y += _LEAD
            if y > _BOTTOM - 6:
                _footer(canvas, outcome, page, fonts.regular)
                canvas.showPage()
                canvas.setFont(fonts.regular, _SIZE)
                y = _TOP + _LEAD
            canvas.drawString(_LEFT * mm, _y(y), line)
        _footer(canvas, outcome, page, fonts.regular)
        canvas.showPage()
    if not sheet:
        raise NominationError(f"contest {outcome.contest}: no standing candidate to print")
    canvas.save()
    return out.getvalue()


def _lines(paras: tuple[str, ...], name: str, beside: int) -> list[str]:
    """The address's lines: the first ``beside`` narrower, beside the photograph box, the rest
    the full width; a blank line between paragraphs. Words are never changed or dropped."""
    out: list[str] = []
    for k, paragraph in enumerate(paras):
        if k:
            out.append("")
        line = ""
        for word in printable(paragraph, f"address of {name}").split():
            width = _WIDTH - _PHOTO_W - 5 if len(out) < beside else _WIDTH
            candidate = f"{line} {word}" if line else word
            if not line or text_width(candidate, "regular", _SIZE) <= width:
                line = candidate
                continue
            out.append(line)
            line = word
        out.append(line)
    return out


def _footer(canvas: Canvas, outcome: Outcome, page: AddressPage, font: str) -> None:
    # what the close pinned: a reader can match the page to the published log
    canvas.setFont(font, 7)
    canvas.drawString(
        _LEFT * mm, _y(_BOTTOM + 2), f"Address SHA-256 {page.address_sha256 or 'none'}"
    )
    canvas.drawString(_LEFT * mm, _y(_BOTTOM + 5.5), f"Nominations log {outcome.head}")
