"""Where everything sits on a voting paper: one geometry for the printer and the scanner.

The page is A4 portrait. Positions are millimetres from the page's top-left
corner, ``y`` growing downwards, as in a scanned image; ``paper.py`` turns
them into PDF points and ``scan.py`` into pixels. Four solid square
**fiducials** register a scan to the page: two at the top corners and two
just above the tear-off stub's cut line, so that they stay on the part the
member returns. The QR code (``qr_payload``) is at the top right with the
printed label under it, never mirrored by anything at the other corners,
which is how a reader tells which way up a scan is.

Below the header each contest has its title with the instruction ("Mark 1
box") on the same line, its statement, then one row per choice: the name,
a ``BOX`` mm square and the choice's short code beside it. Text is wrapped
with the metrics of the font the paper is printed in (``paper_fonts``), so
the renderer and the reader compute the same boxes from the same
``PaperContent``; the reader also checks each box's printed outline is
where this module says, so a paper laid out differently is never read.
A paper is one page: contests that do not fit raise ``ManifestError``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from tellers.errors import ManifestError
from tellers.postal.content import PaperContent, paper_label, qr_payload

__all__ = [
    "BOX",
    "BOX_LINE",
    "CUT_Y",
    "FIDUCIALS",
    "FIDUCIAL_SIZE",
    "PAGE_HEIGHT",
    "PAGE_WIDTH",
    "QR_PLACE",
    "BoxPlace",
    "PaperFonts",
    "PaperLayout",
    "Rect",
    "TextLine",
    "box_rects",
    "closing_in_words",
    "layout_paper",
    "paper_fonts",
    "printable",
    "text_width",
    "wrap",
]

PAGE_WIDTH = 210.0
PAGE_HEIGHT = 297.0
FIDUCIAL_SIZE = 7.0
_FID_INSET = 16.0  # fiducial centres from the page's left, right and top edges
_FID_BOTTOM = 252.0  # centre of the two lower fiducials, above the cut line
CUT_Y = 262.0
"""The dashed line along which the member tears off the stub they keep."""
# Rows may run down beside the lower fiducials (they are clear of them left and right), to
# 5 mm above the cut line, which a hasty tear may stray over.
_VOTE_BOTTOM = CUT_Y - 5.0
BOX = 10.0
"""Side of a voting box (its printed outline's centre line)."""
BOX_LINE = 0.5
"""Width of a box's printed outline."""

_LEFT = 24.0
_RIGHT = 186.0
_BOX_X = 148.0
_CODE_X = _BOX_X + BOX + 3.0
_ROW = 13.0  # pitch of choice rows: 3 mm of white between boxes, room to see a spill
_CONTEST_GAP = 2.5  # below a contest's last row, before the next title
_QR = 24.0
_QR_X = 158.0
_QR_Y = 13.0
_HEADER_WIDTH = _QR_X - 6.0 - _LEFT
_PT = 25.4 / 72  # millimetres per point

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_LONDON = ZoneInfo("Europe/London")

Style = Literal["regular", "bold", "mono"]
Align = Literal["left", "right", "centre"]


@dataclass(frozen=True, slots=True)
class Rect:
    """A rectangle in page millimetres: top-left corner, width and height."""

    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.width / 2, self.y + self.height / 2)

    def inset(self, by: float) -> Rect:
        """This rectangle shrunk by ``by`` mm on every side (grown if negative)."""
        return Rect(self.x + by, self.y + by, self.width - 2 * by, self.height - 2 * by)


def _square(cx: float, cy: float, side: float) -> Rect:
    return Rect(cx - side / 2, cy - side / 2, side, side)


QR_PLACE = Rect(_QR_X, _QR_Y, _QR, _QR)
"""Where every paper's QR code is printed."""

FIDUCIALS: tuple[Rect, Rect, Rect, Rect] = (
    _square(_FID_INSET, _FID_INSET, FIDUCIAL_SIZE),
    _square(PAGE_WIDTH - _FID_INSET, _FID_INSET, FIDUCIAL_SIZE),
    _square(PAGE_WIDTH - _FID_INSET, _FID_BOTTOM, FIDUCIAL_SIZE),
    _square(_FID_INSET, _FID_BOTTOM, FIDUCIAL_SIZE),
)
"""The four fiducials, clockwise from the top left."""


@dataclass(frozen=True, slots=True)
class PaperFonts:
    """The font names a paper is printed in, and whether they cover all of Latin."""

    regular: str
    bold: str
    mono: str
    full_latin: bool
    """False for ReportLab's built-in Helvetica, which prints only Windows-1252."""

    def name(self, style: Style) -> str:
        return {"regular": self.regular, "bold": self.bold, "mono": self.mono}[style]


@functools.cache
def paper_fonts() -> PaperFonts:
    """DejaVu Sans (Debian's fonts-dejavu-core), embedded; Helvetica where it is absent."""
    files = {
        "TellersSans": _DEJAVU / "DejaVuSans.ttf",
        "TellersSans-Bold": _DEJAVU / "DejaVuSans-Bold.ttf",
        "TellersMono-Bold": _DEJAVU / "DejaVuSansMono-Bold.ttf",
    }
    if not all(path.is_file() for path in files.values()):
        return PaperFonts("Helvetica", "Helvetica-Bold", "Courier-Bold", full_latin=False)
    for name, path in files.items():
        pdfmetrics.registerFont(TTFont(name, str(path)))
    return PaperFonts("TellersSans", "TellersSans-Bold", "TellersMono-Bold", full_latin=True)


def printable(text: str, where: str) -> str:
    """``text``, or ``ManifestError`` naming ``where`` if the paper's font cannot print it."""
    if not paper_fonts().full_latin:
        try:
            text.encode("cp1252")
        except UnicodeEncodeError as exc:
            missing = text[exc.start : exc.end]
            raise ManifestError(
                f"{where}: {text!r} has {missing!r}, which the fallback font Helvetica cannot "
                "print; install DejaVu Sans (Debian's fonts-dejavu-core)"
            ) from None
    return text


def text_width(text: str, style: Style, size: float) -> float:
    """Width in mm of ``text`` in the paper's font of ``style`` at ``size`` points."""
    return pdfmetrics.stringWidth(text, paper_fonts().name(style), size) * _PT


def wrap(text: str, style: Style, size: float, width: float) -> list[str]:
    """``text`` broken at spaces (or inside a word too long for a line) into lines of ``width``
    mm at most; a newline in ``text`` always breaks."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if text_width(candidate, style, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = word
            while text_width(line, style, size) > width:
                cut = max(
                    (i for i in range(1, len(line)) if text_width(line[:i], style, size) <= width),
                    default=1,
                )
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line)
    return lines


def closing_in_words(closes: str) -> str:
    """An ISO 8601 instant as a UK voting paper says it, in London time:
    ``12:00 noon on Thursday 23 April 2026``, ``5:00 pm on Friday 1 May 2026``."""
    try:
        when = datetime.fromisoformat(closes)
    except ValueError:
        raise ManifestError(f"closing time: expected ISO 8601, found {closes!r}") from None
    if when.tzinfo is None:
        raise ManifestError(f"closing time {closes!r} has no UTC offset")
    local = when.astimezone(_LONDON)
    day = f"{local:%A} {local.day} {local:%B %Y}"
    if (local.hour, local.minute) == (12, 0):
        return f"12:00 noon on {day}"
    if (local.hour, local.minute) == (0, 0):
        return f"12:00 midnight at the start of {day}"
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'} on {day}"


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line of printed text; ``y`` is its baseline, ``size`` in points."""

    x: float
    y: float
    text: str
    size: float
    style: Style = "regular"
    align: Align = "left"


@dataclass(frozen=True, slots=True)
class BoxPlace:
    """Where the box of choice ``choice`` of contest ``contest`` (both 0-based) is printed."""

    contest: int
    choice: int
    rect: Rect


@dataclass(frozen=True, slots=True)
class PaperLayout:
    """Everything printed on one paper, placed."""

    texts: tuple[TextLine, ...]
    boxes: tuple[BoxPlace, ...]
    qr: Rect
    qr_payload: str
    fiducials: tuple[Rect, ...] = FIDUCIALS
    cut_y: float = CUT_Y


def _lead(size: float) -> float:
    return size * _PT * 1.3


class _Column:
    """Lines set one under another from ``y`` down."""

    def __init__(self, x: float, y: float, width: float) -> None:
        self.x, self.y, self.width = x, y, width
        self.lines: list[TextLine] = []

    def add(self, text: str, size: float, style: Style = "regular", where: str = "") -> None:
        for line in wrap(printable(text, where or "paper text"), style, size, self.width):
            self.y += _lead(size)
            self.lines.append(TextLine(self.x, self.y - _lead(size) * 0.25, line, size, style))

    def gap(self, mm: float) -> None:
        self.y += mm


def _header(content: PaperContent) -> _Column:
    col = _Column(_LEFT, _QR_Y - 1.0, _HEADER_WIDTH)
    col.add(content.organisation, 10, "bold", "organisation")
    col.add(content.title, 14, "bold", "election title")
    if content.replaces is not None:
        col.add(f"Replacement paper for No. {paper_label(content.replaces)}", 10, "bold")
    col.add(f"Independent scrutineer: {content.scrutineer}", 8.5, where="scrutineer")
    col.add(
        f"Return this paper to reach the scrutineer by {closing_in_words(content.closes)} "
        "(UK time), in the reply envelope or to:",
        8.5,
    )
    col.add(" ".join(content.return_address.split()), 8.5, where="return address")
    if content.credential_code is not None:
        col.gap(1.0)
        col.add(f"Online voting code: {content.credential_code}", 9, "mono", "credential code")
        col.add(
            "You can use this code to vote online instead of returning this paper. "
            "Only one vote counts.",
            8.5,
        )
    return col


def _stub(content: PaperContent) -> list[TextLine]:
    col = _Column(_LEFT, CUT_Y + 3.0, _RIGHT - _LEFT)
    col.add("Keep this part.", 9, "bold")
    col.add(f"Paper No. {content.label}    Confirmation code: {content.confirmation}", 9, "mono")
    col.add(f"Check your vote was received and counted: {content.lookup_url}", 8.5)
    col.add(
        "Enter the paper number and confirmation code there to see that this paper was received; "
        "after the count, the published record lets anyone check the result.",
        8,
    )
    return col.lines


def _instruction(max_marks: int) -> str:
    return "Mark 1 box" if max_marks == 1 else f"Mark up to {max_marks} boxes"


def layout_paper(content: PaperContent) -> PaperLayout:
    """The placed page for ``content``; ``ManifestError`` if it does not fit on one page."""
    header = _header(content)
    texts = list(header.lines)
    qr_bottom = _QR_Y + _QR + 6.5
    texts.append(TextLine(_QR_X + _QR / 2, qr_bottom, content.label, 10, "mono", "centre"))
    y = max(header.y, qr_bottom + 1.0) + 2.0
    boxes: list[BoxPlace] = []
    for c, contest in enumerate(content.contests):
        where = f"contest {c + 1}"
        if contest.max_marks < 1:
            raise ManifestError(f"{where}: a paper's contest allows at least 1 mark")
        instruction = _instruction(contest.max_marks)
        title_width = _RIGHT - _LEFT - text_width(instruction, "bold", 9) - 4.0
        col = _Column(_LEFT, y, title_width)
        col.add(contest.title, 11, "bold", f"{where} title")
        texts.append(TextLine(_RIGHT, col.lines[0].y, instruction, 9, "bold", "right"))
        col.width = _RIGHT - _LEFT
        if contest.statement:
            col.add(contest.statement, 9, where=f"{where} statement")
        texts += col.lines
        y = col.y + 1.5
        for i, choice in enumerate(contest.choices):
            box = Rect(_BOX_X, y + 1.0, BOX, BOX)
            baseline = box.y + BOX / 2 + 1.4
            name = printable(choice.name, f"{where} choice {i + 1}")
            if text_width(name, "regular", 11) > _BOX_X - _LEFT - 3.0:
                raise ManifestError(f"{where}: the name {name!r} is too long for a paper's row")
            texts.append(TextLine(_LEFT, baseline, name, 11))
            texts.append(TextLine(_CODE_X, baseline, choice.code, 10, "mono"))
            boxes.append(BoxPlace(c, i, box))
            y += _ROW
        y += _CONTEST_GAP
    if y - _CONTEST_GAP > _VOTE_BOTTOM:
        choices = sum(len(contest.choices) for contest in content.contests)
        raise ManifestError(
            f"paper {content.label}: its {len(content.contests)} contest(s) and {choices} choices "
            f"need {y - _CONTEST_GAP - header.y:.0f} mm below the header but a paper has "
            f"{_VOTE_BOTTOM - header.y:.0f} mm; a postal paper is one page, so fewer or shorter "
            "contests (or shorter statements) are needed"
        )
    texts += _stub(content)
    return PaperLayout(
        texts=tuple(texts),
        boxes=tuple(boxes),
        qr=QR_PLACE,
        qr_payload=qr_payload(content.election_id, content.number),
    )


def box_rects(content: PaperContent) -> dict[tuple[int, int], Rect]:
    """Every box of ``content``'s paper, by (contest index, choice index), 0-based."""
    return {(b.contest, b.choice): b.rect for b in layout_paper(content).boxes}
