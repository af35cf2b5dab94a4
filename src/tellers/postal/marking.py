"""Voting papers marked and scanned by program: what the reader is tested and timed on.

``rasterise`` turns a paper's PDF into the page as printed; ``mark_paper``
draws a member's marks in its boxes with a pen's irregularities (a cross, a
tick, a filled blob, a faint pencil mark; stroke width and ink darkness
vary) and then passes the page through a scanner's drift (``ScanDrift``:
skew, shift, scale, blur, grain, paper tone, stray ink, the stub torn off).
The ``Trouble`` cases are papers a careful person would not call clear: an
empty paper, too many marks in a contest, a mark so faint it is near the
threshold, a box scribbled out beside the one marked. Every result carries
its ground truth: the marks intended and whether the paper is clear.

Everything is drawn from the ``numpy.random.Generator`` passed in, so one
seed gives the same paper.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt

from tellers.postal.content import PaperContent
from tellers.postal.layout import BOX, CUT_Y, FIDUCIALS, QR_PLACE, Rect, box_rects
from tellers.postal.scan import Gray, pdf_pages

__all__ = [
    "MARK_KINDS",
    "NO_DRIFT",
    "TROUBLES",
    "MarkKind",
    "MarkedPaper",
    "ScanDrift",
    "Trouble",
    "mark_paper",
    "random_marks",
    "random_paper",
    "rasterise",
]

MarkKind = Literal["cross", "tick", "blob", "faint"]
MARK_KINDS: tuple[MarkKind, ...] = ("cross", "tick", "blob", "faint")
Trouble = Literal["empty", "overvote", "ambiguous", "scribbled"]
TROUBLES: tuple[Trouble, ...] = ("empty", "overvote", "ambiguous", "scribbled")

_Ink = npt.NDArray[np.float32]
_Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class ScanDrift:
    """How a scan differs from the page as printed."""

    skew: float = 0.0
    """Rotation in degrees, anticlockwise."""
    shift: tuple[float, float] = (0.0, 0.0)
    """Translation in mm (right, down)."""
    scale: tuple[float, float] = (1.0, 1.0)
    """Horizontal and vertical scale: printer and scanner drift."""
    blur: float = 0.0
    """Gaussian blur of the scanner's optics, sigma in pixels."""
    noise: float = 0.0
    """Gaussian grain, sigma in grey levels."""
    paper: int = 255
    """The grey of the paper."""
    stray_dots: int = 0
    stray_lines: int = 0
    """Ink away from the boxes: specks and short lines."""
    stub_torn: bool = False
    """The member tore the stub off along the cut line."""

    @classmethod
    def random(cls, rng: np.random.Generator) -> ScanDrift:
        """A drift as an opening house's feeder and scanner give: skew up to 3°, shift up to
        2 mm, ±2% scale, grain, off-white paper, a few specks, mostly without the stub."""
        return cls(
            skew=float(rng.uniform(-3.0, 3.0)),
            shift=(float(rng.uniform(-2.0, 2.0)), float(rng.uniform(-2.0, 2.0))),
            scale=(float(rng.uniform(0.98, 1.02)), float(rng.uniform(0.98, 1.02))),
            blur=float(rng.uniform(0.0, 0.9)),
            noise=float(rng.uniform(1.0, 9.0)),
            paper=int(rng.integers(228, 254)),
            stray_dots=int(min(rng.poisson(1.2), 6)),
            stray_lines=int(rng.random() < 0.25),
            stub_torn=bool(rng.random() < 0.9),
        )


NO_DRIFT = ScanDrift()
"""The page exactly as printed."""


@dataclass(frozen=True, slots=True)
class MarkedPaper:
    """A marked, scanned paper and what its member meant."""

    image: Gray
    intended: tuple[tuple[int, ...], ...]
    """Per contest, the choice indices the member marked (a trouble case's marks as drawn)."""
    clear: bool
    """Whether a careful person would read the paper as it is, without doubt."""
    trouble: Trouble | None
    kinds: tuple[str, ...]
    """What was drawn, one entry per mark ("cross", ..., "scribble", "ambiguous")."""
    drift: ScanDrift


def rasterise(pdf: bytes, *, dpi: float = 150.0) -> Gray:
    """The first page of ``pdf`` as a grayscale image at ``dpi``."""
    return next(pdf_pages(pdf, dpi=dpi))


class _Pen:
    """Draws on an ink layer (0 none .. 1 black) in page millimetres."""

    def __init__(self, ink: _Ink, dpi: float, rng: np.random.Generator) -> None:
        self.ink, self.px, self.rng = ink, dpi / 25.4, rng

    def _patch(self, points: Sequence[_Point], reach: float) -> tuple[int, int, int, int]:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        h, w = self.ink.shape
        x0 = max(int((min(xs) - reach) * self.px), 0)
        y0 = max(int((min(ys) - reach) * self.px), 0)
        x1 = min(int((max(xs) + reach) * self.px) + 2, w)
        y1 = min(int((max(ys) + reach) * self.px) + 2, h)
        return x0, y0, x1, y1

    def _apply(self, box: tuple[int, int, int, int], mask: Gray, darkness: float) -> None:
        x0, y0, x1, y1 = box
        region = self.ink[y0:y1, x0:x1]
        np.maximum(region, mask.astype(np.float32) * (darkness / 255.0), out=region)

    def _fixed(self, points: Sequence[_Point], box: tuple[int, int, int, int]) -> np.ndarray:
        return np.array(
            [
                [round((x * self.px - box[0]) * 16), round((y * self.px - box[1]) * 16)]
                for x, y in points
            ],
            dtype=np.int32,
        )

    def stroke(self, points: Sequence[_Point], width: float, darkness: float) -> None:
        box = self._patch(points, width + 1.0)
        if box[2] <= box[0] or box[3] <= box[1]:
            return
        mask = np.zeros((box[3] - box[1], box[2] - box[0]), dtype=np.uint8)
        thickness = max(1, round(width * self.px))
        cv2.polylines(mask, [self._fixed(points, box)], False, 255, thickness, cv2.LINE_AA, 4)
        self._apply(box, mask, darkness)

    def fill(self, points: Sequence[_Point], darkness: float) -> None:
        box = self._patch(points, 1.0)
        mask = np.zeros((box[3] - box[1], box[2] - box[0]), dtype=np.uint8)
        cv2.fillPoly(mask, [self._fixed(points, box)], 255, cv2.LINE_AA, 4)
        self._apply(box, mask, darkness)

    def line(self, a: _Point, b: _Point, width: float, darkness: float) -> None:
        """A hand-drawn line from ``a`` to ``b``: slightly bowed and shaky."""
        bow = self.rng.uniform(-0.3, 0.3)
        length = math.dist(a, b) or 1.0
        nx, ny = (a[1] - b[1]) / length, (b[0] - a[0]) / length
        points = []
        for i in range(9):
            t = i / 8
            off = bow * math.sin(math.pi * t) + self.rng.normal(0, 0.04)
            points.append(
                (a[0] + (b[0] - a[0]) * t + nx * off, a[1] + (b[1] - a[1]) * t + ny * off)
            )
        self.stroke(
            points, width * self.rng.uniform(0.9, 1.1), darkness * self.rng.uniform(0.9, 1.0)
        )


def _place(centre: _Point, shape: Sequence[_Point], turn: float, scale: float) -> list[_Point]:
    c, s = math.cos(turn), math.sin(turn)
    return [
        (centre[0] + scale * (x * c - y * s), centre[1] + scale * (x * s + y * c)) for x, y in shape
    ]


def _cross(pen: _Pen, centre: _Point, width: float, darkness: float, reach: float) -> None:
    rng = pen.rng
    a = BOX * rng.uniform(0.28, reach)
    turn = rng.uniform(-0.2, 0.2)
    ends = _place(centre, [(-a, -a), (a, a), (a, -a), (-a, a)], turn, 1.0)
    ends = [(x + rng.normal(0, 0.3), y + rng.normal(0, 0.3)) for x, y in ends]
    pen.line(ends[0], ends[1], width, darkness)
    pen.line(ends[2], ends[3], width, darkness)


def _tick(pen: _Pen, centre: _Point, width: float, darkness: float, reach: float) -> None:
    rng = pen.rng
    scale = BOX * rng.uniform(0.75, 1.0) * reach / 0.40
    start, valley, end = _place(
        centre, [(-0.32, 0.0), (-0.08, 0.30), (0.38, -0.36)], rng.uniform(-0.15, 0.15), scale
    )
    pen.line(start, valley, width, darkness)
    pen.line(valley, end, width, darkness)


def _blob(pen: _Pen, centre: _Point, darkness: float) -> None:
    rng = pen.rng
    rx, ry = BOX * rng.uniform(0.28, 0.40), BOX * rng.uniform(0.28, 0.40)
    outline = []
    for i in range(24):
        t = 2 * math.pi * i / 24
        r = rng.uniform(0.92, 1.04)
        outline.append((centre[0] + rx * r * math.cos(t), centre[1] + ry * r * math.sin(t)))
    pen.fill(outline, darkness)


def _scribble(pen: _Pen, rect: Rect) -> None:
    """A cross, then a zigzag over the box spilling past its edges: a box scribbled out."""
    rng = pen.rng
    _cross(pen, rect.centre, rng.uniform(0.4, 0.8), rng.uniform(0.75, 0.95), 0.40)
    rows = int(rng.integers(12, 19))
    width, darkness = rng.uniform(0.5, 0.8), rng.uniform(0.8, 0.95)
    points = []
    for i in range(rows + 1):
        y = rect.y - 1.5 + (rect.height + 3.0) * i / rows
        x = rect.x - 1.6 if i % 2 == 0 else rect.x + rect.width + 1.6
        points.append((x + rng.normal(0, 0.3), y + rng.normal(0, 0.15)))
    pen.stroke(points, width, darkness)


def _mark(pen: _Pen, rect: Rect, kind: MarkKind | Literal["ambiguous"], off_box: bool) -> None:
    rng = pen.rng
    cx, cy = rect.centre
    centre = (cx + rng.uniform(-0.7, 0.7), cy + rng.uniform(-0.7, 0.7))
    reach = 0.40
    width, darkness = rng.uniform(0.4, 1.0), rng.uniform(0.7, 0.95)
    if kind in ("faint", "ambiguous"):
        width = rng.uniform(0.35, 0.6)
        darkness = rng.uniform(0.42, 0.55) if kind == "faint" else rng.uniform(0.14, 0.22)
    if off_box:  # a light mark, a third or so of it left of the box
        centre = (cx - BOX * rng.uniform(0.30, 0.42), cy + BOX * rng.uniform(-0.05, 0.05))
        reach = 0.36
        darkness = darkness if kind == "ambiguous" else rng.uniform(0.5, 0.7)
    if kind == "blob" and not off_box:
        _blob(pen, centre, rng.uniform(0.75, 0.95))
    elif kind == "tick" or (kind != "cross" and rng.random() < 0.5):
        _tick(pen, centre, width, darkness, reach)
    else:
        _cross(pen, centre, width, darkness, reach)


def _clear_of(points: Sequence[_Point], keep_out: Sequence[Rect]) -> bool:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return all(
        max(xs) < r.x or min(xs) > r.x + r.width or max(ys) < r.y or min(ys) > r.y + r.height
        for r in keep_out
    )


def _strays(pen: _Pen, drift: ScanDrift, boxes: Sequence[Rect]) -> None:
    """Specks and short lines of ink anywhere but on the boxes, the QR code and the markers."""
    rng = pen.rng
    keep_out = [b.inset(-3.0) for b in boxes] + [QR_PLACE.inset(-4.0)]
    keep_out += [f.inset(-4.0) for f in FIDUCIALS]
    wanted = [("dot", drift.stray_dots), ("line", drift.stray_lines)]
    for what, count in wanted:
        drawn = 0
        for _ in range(60 * count):
            if drawn == count:
                break
            x, y = rng.uniform(22, 188), rng.uniform(20, CUT_Y - 12)
            if what == "dot":
                r = rng.uniform(0.15, 0.7)
                outline = [
                    (x + r * math.cos(t), y + r * math.sin(t)) for t in np.linspace(0, 6.2, 12)
                ]
                if _clear_of(outline, keep_out):
                    pen.fill(outline, rng.uniform(0.5, 0.95))
                    drawn += 1
            else:
                angle, length = rng.uniform(0, math.pi), rng.uniform(5, 30)
                end = (x + length * math.cos(angle), y + length * math.sin(angle))
                if _clear_of([(x, y), end], keep_out) and 20 < end[1] < CUT_Y - 12:
                    pen.line((x, y), end, rng.uniform(0.3, 0.7), rng.uniform(0.5, 0.9))
                    drawn += 1


def _scan(page: Gray, ink: _Ink, drift: ScanDrift, dpi: float, rng: np.random.Generator) -> Gray:
    px = dpi / 25.4
    sheet = page.astype(np.float32) * (drift.paper / 255.0) * (1.0 - ink)
    if drift.stub_torn:
        torn = int((CUT_Y + rng.uniform(-0.3, 1.0)) * px)
        sheet[torn:, :] = drift.paper
    h, w = sheet.shape
    cx, cy = w / 2, h / 2
    turn = math.radians(drift.skew)
    c, s = math.cos(turn), math.sin(turn)
    sx, sy = drift.scale
    matrix = np.array(
        [
            [sx * c, sy * s, 0.0],
            [-sx * s, sy * c, 0.0],
        ],
        dtype=np.float64,
    )
    matrix[:, 2] = [cx + drift.shift[0] * px, cy + drift.shift[1] * px]
    matrix[:, 2] -= matrix[:, :2] @ np.array([cx, cy])
    out = cv2.warpAffine(
        sheet,
        matrix,
        (w, h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=float(min(drift.paper + 5, 255)),
    )
    if drift.blur > 0.05:
        out = cv2.GaussianBlur(out, (0, 0), drift.blur)
    if drift.noise > 0:
        out = out + rng.standard_normal(out.shape, dtype=np.float32) * np.float32(drift.noise)
    return np.clip(out, 0, 255).astype(np.uint8)


def mark_paper(
    page: Gray,
    content: PaperContent,
    choices: Sequence[Sequence[int]],
    rng: np.random.Generator,
    *,
    dpi: float = 150.0,
    kinds: Sequence[MarkKind] | MarkKind | None = None,
    off_box: bool = False,
    trouble: Trouble | None = None,
    drift: ScanDrift = NO_DRIFT,
) -> MarkedPaper:
    """``page`` (``content``'s paper rasterised at ``dpi``) with ``choices`` marked (per contest,
    choice indices), then scanned with ``drift``.

    ``kinds`` is one kind for every mark, one per mark in order, or None to draw each at random;
    ``off_box`` draws each mark light and partly outside its box. ``trouble`` turns the paper
    into a case a person must judge: ``"empty"`` ignores ``choices``; ``"overvote"`` marks one
    box more than allowed in the first contest that has a box to spare; ``"ambiguous"`` draws the
    first mark so faint it is near the threshold; ``"scribbled"`` scribbles out an unchosen box
    of the first contest with one to spare.
    """
    boxes = box_rects(content)
    marks = [list(c) for c in choices]
    if len(marks) != len(content.contests):
        raise ValueError(f"expected marks for {len(content.contests)} contests, got {len(marks)}")
    spare = next(
        (c for c, contest in enumerate(content.contests) if len(contest.choices) > len(marks[c])),
        None,
    )
    if trouble == "empty":
        marks = [[] for _ in marks]
    elif trouble in ("overvote", "scribbled"):
        if spare is None:
            raise ValueError(f"no contest of paper {content.label} has an unmarked box to use")
        if trouble == "overvote":
            contest = content.contests[spare]
            unmarked = [i for i in range(len(contest.choices)) if i not in marks[spare]]
            need = contest.max_marks + 1 - len(marks[spare])
            marks[spare] += [int(i) for i in rng.choice(unmarked, size=need, replace=False)]
    ink = np.zeros(page.shape, dtype=np.float32)
    pen = _Pen(ink, dpi, rng)
    drawn: list[str] = []
    flat = [(c, i) for c, chosen in enumerate(marks) for i in chosen]
    for n, (c, i) in enumerate(flat):
        if kinds is None:
            kind: MarkKind = MARK_KINDS[int(rng.choice(4, p=[0.45, 0.25, 0.15, 0.15]))]
        elif isinstance(kinds, str):
            kind = kinds
        else:
            kind = kinds[n]
        ambiguous = trouble == "ambiguous" and n == 0
        _mark(pen, boxes[(c, i)], "ambiguous" if ambiguous else kind, off_box)
        drawn.append("ambiguous" if ambiguous else kind)
    if trouble == "scribbled" and spare is not None:
        free = [i for i in range(len(content.contests[spare].choices)) if i not in marks[spare]]
        _scribble(pen, boxes[(spare, int(rng.choice(free)))])
        drawn.append("scribble")
    _strays(pen, drift, list(boxes.values()))
    image = _scan(page, ink, drift, dpi, rng)
    intended = tuple(tuple(sorted(chosen)) for chosen in marks)
    return MarkedPaper(image, intended, trouble is None, trouble, tuple(drawn), drift)


def random_marks(content: PaperContent, rng: np.random.Generator) -> tuple[tuple[int, ...], ...]:
    """A valid vote: per contest, 1 to K choices (one, mostly), at random."""
    out = []
    for contest in content.contests:
        most = min(contest.max_marks, len(contest.choices))
        count = 1 if most == 1 or rng.random() < 0.6 else int(rng.integers(1, most + 1))
        out.append(tuple(sorted(int(i) for i in rng.choice(len(contest.choices), count, False))))
    return tuple(out)


def random_paper(
    page: Gray,
    content: PaperContent,
    rng: np.random.Generator,
    *,
    dpi: float = 150.0,
    trouble: Trouble | None = None,
) -> MarkedPaper:
    """``page`` with a random valid vote, random kinds of mark (one paper in twelve with its
    marks partly outside the boxes) and a random ``ScanDrift``; ``trouble`` as for
    ``mark_paper``."""
    return mark_paper(
        page,
        content,
        random_marks(content, rng),
        rng,
        dpi=dpi,
        off_box=bool(rng.random() < 1 / 12),
        trouble=trouble,
        drift=ScanDrift.random(rng),
    )
