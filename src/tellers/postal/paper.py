"""The printed voting paper as PDF, one paper or a mail house's whole batch (postal.md §3).

A paper shows what TULRCA 1992 s.51 asks of a voting paper and what the
postal channel adds: the organisation, the election, the independent
scrutineer, where and by when to return it (in words, UK time), its number
as a label and a QR code, each question with its statement and each choice
with its box and short code, the member's online credential code on a
hybrid ballot (saying only one vote counts), "Replacement paper for No. ..."
on a replacement, and a stub to tear off and keep with the paper number,
the confirmation code and where to check them. Everything is placed by
``layout.layout_paper``, which the scanner uses too.

``render_batch`` writes one PDF for any number of papers while holding only
one chunk of them at a time (``pdfjoin``). ``render_addresses`` prints the
candidates' election addresses, every candidate in the same size of box, in
the same font, in ballot order.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import BinaryIO

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from tellers.errors import ManifestError
from tellers.postal.content import PaperContent
from tellers.postal.layout import (
    BOX_LINE,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    PaperLayout,
    Rect,
    TextLine,
    layout_paper,
    paper_fonts,
    printable,
    wrap,
)
from tellers.postal.pdfjoin import PdfJoiner

__all__ = ["BATCH_CHUNK", "render_addresses", "render_batch", "render_paper"]

BATCH_CHUNK = 200
"""Papers drawn into one in-memory PDF before it is copied out to the batch's file."""


def _canvas(out: BinaryIO, title: str) -> Canvas:
    # invariant: no creation date or random document id, so the same papers give the same bytes
    canvas = Canvas(out, pagesize=A4, pageCompression=1, invariant=1)
    canvas.setTitle(title)
    canvas.setCreator("Tellers")
    return canvas


def _rect(canvas: Canvas, r: Rect, *, stroke: bool, fill: bool) -> None:
    canvas.rect(
        r.x * mm,
        (PAGE_HEIGHT - r.y - r.height) * mm,
        r.width * mm,
        r.height * mm,
        stroke=int(stroke),
        fill=int(fill),
    )


def _text(canvas: Canvas, line: TextLine) -> None:
    canvas.setFont(paper_fonts().name(line.style), line.size)
    x, y = line.x * mm, (PAGE_HEIGHT - line.y) * mm
    if line.align == "left":
        canvas.drawString(x, y, line.text)
    elif line.align == "right":
        canvas.drawRightString(x, y, line.text)
    else:
        canvas.drawCentredString(x, y, line.text)


def _qr(canvas: Canvas, layout: PaperLayout) -> None:
    code = segno.make_qr(layout.qr_payload, error="m", boost_error=False)
    matrix = [list(row) for row in code.matrix]
    module = layout.qr.width / len(matrix)
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            # one rectangle per run of dark modules keeps the page small and leaves no hairlines
            top = layout.qr.y + r * module
            path.rect(
                (layout.qr.x + start * module) * mm,
                (PAGE_HEIGHT - top - module) * mm,
                (c - start) * module * mm,
                module * mm,
            )
    canvas.drawPath(path, stroke=0, fill=1)


def _draw_paper(canvas: Canvas, content: PaperContent) -> None:
    layout = layout_paper(content)
    canvas.setFillGray(0)
    canvas.setStrokeGray(0)
    for fiducial in layout.fiducials:
        _rect(canvas, fiducial, stroke=False, fill=True)
    _qr(canvas, layout)
    for line in layout.texts:
        _text(canvas, line)
    canvas.setLineWidth(BOX_LINE * mm)
    for box in layout.boxes:
        _rect(canvas, box.rect, stroke=True, fill=False)
    canvas.setLineWidth(0.3 * mm)
    canvas.setDash(3 * mm, 2 * mm)
    canvas.line(
        0, (PAGE_HEIGHT - layout.cut_y) * mm, PAGE_WIDTH * mm, (PAGE_HEIGHT - layout.cut_y) * mm
    )
    canvas.setDash()
    canvas.showPage()


def render_paper(content: PaperContent) -> bytes:
    """A print-ready one-page PDF of ``content``'s paper."""
    out = io.BytesIO()
    canvas = _canvas(out, f"{content.title}: paper {content.label}")
    _draw_paper(canvas, content)
    canvas.save()
    return out.getvalue()


def _chunks(contents: Iterable[PaperContent], size: int) -> Iterator[list[PaperContent]]:
    it = iter(contents)
    while chunk := list(islice(it, size)):
        yield chunk


def render_batch(contents: Iterable[PaperContent], out: BinaryIO) -> int:
    """Every paper of ``contents``, in order, one page each, as one PDF written to ``out``;
    returns the number of papers. ``contents`` is read lazily and at most ``BATCH_CHUNK``
    papers are held at once, so a batch of any size streams."""
    joiner = PdfJoiner(out)
    count = 0
    for chunk in _chunks(contents, BATCH_CHUNK):
        buffer = io.BytesIO()
        canvas = _canvas(buffer, f"{chunk[0].title}: voting papers")
        for content in chunk:
            _draw_paper(canvas, content)
        canvas.save()
        joiner.add(buffer.getvalue())
        count += len(chunk)
    if count == 0:
        raise ManifestError("a batch of voting papers needs at least one paper")
    joiner.finish(title="Voting papers")
    return count


_ADDRESS_SIZE = 9.0
_ADDRESS_TOP = 20.0
_ADDRESS_BOTTOM = 280.0
_ADDRESS_LEFT = 20.0
_ADDRESS_WIDTH = PAGE_WIDTH - 2 * _ADDRESS_LEFT


def render_addresses(content: PaperContent) -> bytes:
    """The election addresses of ``content``'s candidates as a PDF, for every contest with one.

    Each candidate gets a box of the same height (the longest address's), the same font and
    size, in ballot order; pages follow as needed. The booklet is the same for every member, so
    it has no short codes (they differ from paper to paper). ``ManifestError`` if no choice
    has an address.
    """
    fonts = paper_fonts()
    lead = _ADDRESS_SIZE * 25.4 / 72 * 1.35
    out = io.BytesIO()
    canvas = _canvas(out, f"{content.title}: election addresses")
    y = _ADDRESS_TOP
    drew = False

    def heading(text: str, size: float) -> None:
        nonlocal y
        canvas.setFont(fonts.bold, size)
        for line in wrap(text, "bold", size, _ADDRESS_WIDTH):
            y += size * 25.4 / 72 * 1.3
            canvas.drawString(_ADDRESS_LEFT * mm, (PAGE_HEIGHT - y) * mm, line)

    heading(f"{content.organisation}: {content.title}", 13)
    heading("Election addresses", 11)
    for contest in content.contests:
        if not any(choice.address for choice in contest.choices):
            continue
        drew = True
        wrapped = [
            wrap(
                printable(c.address, f"election address of {c.name}"),
                "regular",
                _ADDRESS_SIZE,
                _ADDRESS_WIDTH - 8,
            )
            for c in contest.choices
        ]
        height = 14 + lead * max(len(lines) for lines in wrapped)
        if height > _ADDRESS_BOTTOM - _ADDRESS_TOP - 20:
            raise ManifestError(
                f"contest {contest.title!r}: an election address is too long for one page"
            )
        y += 6
        heading(contest.title, 12)
        for choice, lines in zip(contest.choices, wrapped, strict=True):
            if y + 3 + height > _ADDRESS_BOTTOM:
                canvas.showPage()
                y = _ADDRESS_TOP
            top = y + 3
            _rect(canvas, Rect(_ADDRESS_LEFT, top, _ADDRESS_WIDTH, height), stroke=True, fill=False)
            canvas.setFont(fonts.bold, 11)
            canvas.drawString((_ADDRESS_LEFT + 4) * mm, (PAGE_HEIGHT - top - 7) * mm, choice.name)
            canvas.setFont(fonts.regular, _ADDRESS_SIZE)
            for n, line in enumerate(lines):
                canvas.drawString(
                    (_ADDRESS_LEFT + 4) * mm, (PAGE_HEIGHT - top - 12 - lead * (n + 0.8)) * mm, line
                )
            y = top + height
    if not drew:
        raise ManifestError(f"{content.title}: no candidate on this paper has an election address")
    canvas.showPage()
    canvas.save()
    return out.getvalue()
