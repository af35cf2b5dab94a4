"""Reading a returned voting paper from its scan (postal.md §5.3).

``read_paper`` registers the scan to the page by the four corner fiducials
(``layout.FIDUCIALS``), reads the QR code where the layout puts it (which
also tells which way up the paper was fed), checks the code names this
election, looks the paper's content up by its number, checks each box's
printed outline is where the layout says, and measures the ink inside each
box, away from its outline. Each box is then *marked*, *empty* or *unclear*
by the thresholds below. A paper is ``"read"`` only when every contest has
between 1 and K marked boxes and no box anywhere is unclear; anything else
goes to a person (``"adjudicate"``) with reasons that name the contest and
box. The reader never guesses.

Darkness is measured against the paper's own white: ``d = (paper - pixel) /
paper``, after a light blur that takes out scanner grain. Inside a box (its
outline's centre line inset by ``INNER_INSET`` mm):

* *ink* is the share of pixels with ``d >= INK_LEVEL`` (a pen or a firm
  pencil), *faint* the share with ``d >= FAINT_LEVEL`` (any trace at all);
* **marked** when ink >= ``MARKED_INK`` (about 1.4 mm² of pen, a small tick);
* **empty** when faint < ``EMPTY_FAINT`` (a speck at most);
* **unclear** otherwise (a faint or tiny mark, a pencil rest), and also when
  the box is heavily inked (ink >= ``SCRIBBLE_INK``) and so is a band around
  it (``AROUND`` mm outside the outline, ink >= ``SCRIBBLE_AROUND``): the
  signs of a box scribbled out, which a person must judge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import cv2
import numpy as np
import numpy.typing as npt
import pypdfium2
import zxingcpp

from tellers.errors import EncodingError, InputFileError
from tellers.postal.content import PaperContent, paper_label, parse_qr
from tellers.postal.layout import (
    FIDUCIAL_SIZE,
    FIDUCIALS,
    PAGE_WIDTH,
    QR_PLACE,
    PaperLayout,
    Rect,
    layout_paper,
)

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = [
    "AROUND",
    "EMPTY_FAINT",
    "FAINT_LEVEL",
    "INK_LEVEL",
    "INNER_INSET",
    "MARKED_INK",
    "SCRIBBLE_AROUND",
    "SCRIBBLE_INK",
    "BoxReading",
    "Gray",
    "PaperRead",
    "pdf_pages",
    "read_file",
    "read_paper",
]

Gray = npt.NDArray[np.uint8]
"""A grayscale image, rows by columns, 0 black to 255 white."""

INK_LEVEL = 0.28
FAINT_LEVEL = 0.10
MARKED_INK = 0.025
EMPTY_FAINT = 0.01
SCRIBBLE_INK = 0.40
SCRIBBLE_AROUND = 0.15
INNER_INSET = 1.2
"""mm from the outline's centre line to the measured inside (the outline is 0.5 mm wide)."""
AROUND = (0.9, 1.9)
"""mm outside the outline's centre line of the band looked at for a scribble's spill."""

_SCALE = 8.0  # px per mm of the registered patches (203 dpi)
_OUTLINE_MIN = 0.45  # mean darkness a printed outline side must reach
_OUTLINE_SLACK = 0.8  # mm an outline may sit from where the layout says
_QR_SLACK = 8.0  # mm around the QR's place searched for it
_QR_FORMAT = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)

Verdict = Literal["marked", "empty", "unclear"]
Status = Literal["read", "adjudicate"]


@dataclass(frozen=True, slots=True)
class BoxReading:
    """What was measured in one box (indices 0-based, shares of the inside's area)."""

    contest: int
    choice: int
    verdict: Verdict
    ink: float
    faint: float
    around: float
    """Ink share in the band ``AROUND`` the box."""


@dataclass(frozen=True, slots=True)
class PaperRead:
    """One scanned page's reading.

    ``marks`` has, per contest in paper order, the indices of its clearly marked choices
    (empty when the paper could not be registered); ``status`` is ``"read"`` only when every
    contest has 1..K marks and nothing was doubtful, and ``reasons`` then is empty.
    """

    number: int | None
    status: Status
    marks: tuple[tuple[int, ...], ...]
    reasons: tuple[str, ...]
    boxes: tuple[BoxReading, ...] = ()

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def _gray(image: Gray | npt.NDArray[np.generic] | Image) -> Gray:
    array = np.asarray(image)
    if array.dtype == np.uint16:  # 16-bit scans (TIFF): keep the top byte
        array = (array >> 8).astype(np.uint8)
    if array.ndim == 3:
        code = cv2.COLOR_RGBA2GRAY if array.shape[2] == 4 else cv2.COLOR_RGB2GRAY
        array = cv2.cvtColor(array[:, :, :4].astype(np.uint8), code)
    if array.ndim != 2 or min(array.shape) < 200:
        raise EncodingError(
            "scanned paper", f"expected a grayscale or colour page, shape {array.shape}"
        )
    if array.dtype == np.bool_:
        array = array.astype(np.uint8) * 255
    return np.ascontiguousarray(array, dtype=np.uint8)


def _paper_white(gray: Gray) -> float:
    return max(float(np.percentile(gray[::4, ::4], 90)), 32.0)


def _fiducials(gray: Gray, white: float) -> tuple[np.ndarray, str]:
    """The four fiducial centres in image pixels, clockwise from the image's top left, or an
    empty array and why not."""
    ink = (cv2.GaussianBlur(gray, (5, 5), 0) < white * 0.5).astype(np.uint8)
    contours, _ = cv2.findContours(ink, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    px_mm = min(gray.shape) / PAGE_WIDTH
    low, high = (0.6 * FIDUCIAL_SIZE * px_mm) ** 2, (1.6 * FIDUCIAL_SIZE * px_mm) ** 2
    found = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if not low <= area <= high:
            continue
        (_, _), (w, h), _ = cv2.minAreaRect(contour)
        if min(w, h) < 0.8 * max(w, h) or area < 0.85 * w * h:
            continue
        m = cv2.moments(contour)
        found.append((m["m10"] / m["m00"], m["m01"] / m["m00"], area))
    if len(found) < 4:
        return np.empty((0, 2)), f"found {len(found)} of the 4 corner markers"
    points = np.array([(x, y) for x, y, _ in found])
    s, d = points.sum(axis=1), points[:, 0] - points[:, 1]
    picks = [int(np.argmin(s)), int(np.argmax(d)), int(np.argmax(s)), int(np.argmin(d))]
    if len(set(picks)) < 4:
        return np.empty((0, 2)), "the corner markers are not at the page's corners"
    areas = [found[i][2] for i in picks]
    if max(areas) > 1.6 * min(areas):
        return np.empty((0, 2)), "the corner markers differ in size"
    corners = points[picks]
    sides = [float(np.linalg.norm(corners[i] - corners[(i + 1) % 4])) for i in range(4)]
    diagonals = [float(np.linalg.norm(corners[i] - corners[i + 2])) for i in range(2)]
    expected = (FIDUCIALS[3].y - FIDUCIALS[0].y) / (FIDUCIALS[1].x - FIDUCIALS[0].x)
    ratio = (sides[1] + sides[3]) / (sides[0] + sides[2])
    if (
        abs(sides[0] - sides[2]) > 0.03 * sides[0]
        or abs(sides[1] - sides[3]) > 0.03 * sides[1]
        or abs(diagonals[0] - diagonals[1]) > 0.03 * diagonals[0]
        or min(abs(ratio / expected - 1), abs(ratio * expected - 1)) > 0.06
    ):
        return np.empty((0, 2)), "the corner markers do not make the page's rectangle"
    return corners, ""


def _homographies(corners: np.ndarray) -> Iterator[np.ndarray]:
    """Page mm -> image px for each way up the page could have been fed that fits the corners."""
    page = np.array([f.centre for f in FIDUCIALS], dtype=np.float32)
    sides = [float(np.linalg.norm(corners[i] - corners[(i + 1) % 4])) for i in range(4)]
    upright = sides[1] + sides[3] > sides[0] + sides[2]
    for turn in (0, 2) if upright else (1, 3):
        image = np.roll(corners, -turn, axis=0).astype(np.float32)
        yield cv2.getPerspectiveTransform(page, image)


def _patch(gray: Gray, homography: np.ndarray, rect: Rect) -> Gray:
    """The page rectangle ``rect`` of the scan, registered, at ``_SCALE`` px per mm."""
    to_patch = np.array(
        [[1 / _SCALE, 0, rect.x], [0, 1 / _SCALE, rect.y], [0, 0, 1]], dtype=np.float64
    )
    size = (round(rect.width * _SCALE), round(rect.height * _SCALE))
    patch = cv2.warpPerspective(
        gray,
        homography @ to_patch,
        size,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=255,
    )
    return np.asarray(patch, dtype=np.uint8)


def _decode(image: Gray, election_id: str) -> tuple[int | None, str, bool]:
    """(paper number, problem, whether any QR code was seen) for the QR codes in ``image``."""
    results = zxingcpp.read_barcodes(image, formats=_QR_FORMAT)
    if not results:
        return None, "", False
    try:
        numbers = {parse_qr(r.text, election_id) for r in results}
    except EncodingError as exc:
        return None, f"refused: {exc}", True
    if len(numbers) > 1:
        return None, "more than one paper's QR code on the page", True
    return numbers.pop(), "", True


def _darkness(patch: Gray, white: float) -> npt.NDArray[np.float32]:
    smooth = cv2.GaussianBlur(patch, (3, 3), 0).astype(np.float32)
    return np.asarray(np.clip((white - smooth) / white, 0.0, 1.0), dtype=np.float32)


def _outline_ok(dark: npt.NDArray[np.float32], margin: float) -> bool:
    """Whether each side of the box printed in the middle of ``dark`` is within reach."""
    n = dark.shape[0]
    box = n - 2 * margin * _SCALE
    lo, hi = round(margin * _SCALE + 0.15 * box), round(margin * _SCALE + 0.85 * box)
    slack = round(_OUTLINE_SLACK * _SCALE)
    for edge in (round(margin * _SCALE), round(margin * _SCALE + box)):
        rows = dark[edge - slack : edge + slack + 1, lo:hi].mean(axis=1)
        cols = dark[lo:hi, edge - slack : edge + slack + 1].mean(axis=0)
        if rows.max() < _OUTLINE_MIN or cols.max() < _OUTLINE_MIN:
            return False
    return True


def _measure(
    gray: Gray, homography: np.ndarray, rect: Rect, white: float
) -> tuple[bool, float, float, float]:
    margin = AROUND[1] + 0.5
    dark = _darkness(_patch(gray, homography, rect.inset(-margin)), white)
    if not _outline_ok(dark, margin):
        return False, 0.0, 0.0, 0.0

    def region(inset: float) -> tuple[slice, slice]:
        a, b = round((margin + inset) * _SCALE), round((margin + rect.width - inset) * _SCALE)
        return slice(a, b), slice(a, b)

    inside = dark[region(INNER_INSET)]
    outer, inner = dark[region(-AROUND[1])], dark[region(-AROUND[0])]
    band = float((outer >= INK_LEVEL).sum() - (inner >= INK_LEVEL).sum()) / (
        outer.size - inner.size
    )
    return True, float((inside >= INK_LEVEL).mean()), float((inside >= FAINT_LEVEL).mean()), band


def _verdict(ink: float, faint: float, around: float) -> Verdict:
    if ink >= SCRIBBLE_INK and around >= SCRIBBLE_AROUND:
        return "unclear"
    if ink >= MARKED_INK:
        return "marked"
    return "empty" if faint < EMPTY_FAINT else "unclear"


def _adjudicate(number: int | None, *reasons: str) -> PaperRead:
    return PaperRead(number, "adjudicate", (), tuple(reasons))


def read_paper(
    image: Gray | npt.NDArray[np.generic] | Image,
    lookup: Callable[[int], PaperContent],
    election_id: str,
) -> PaperRead:
    """The reading of one scanned page (a numpy array or PIL image, any resolution from
    about 150 dpi, any way up); ``lookup`` gives the print authority's content of a paper
    number (``KeyError`` if there is no such paper)."""
    gray = _gray(image)
    white = _paper_white(gray)
    corners, problem = _fiducials(gray, white)
    if problem:
        number, qr_problem, _ = _decode(gray, election_id)
        return _adjudicate(number, problem, *([qr_problem] if qr_problem else []))
    for homography in _homographies(corners):
        patch = _patch(gray, homography, QR_PLACE.inset(-_QR_SLACK))
        number, qr_problem, seen = _decode(patch, election_id)
        if seen:
            break
    else:
        number, qr_problem, seen = _decode(gray, election_id)
        if seen and not qr_problem:
            qr_problem = "the QR code is not where the paper's layout puts it"
        return _adjudicate(number, qr_problem or "the paper's QR code could not be read")
    if qr_problem or number is None:
        return _adjudicate(None, qr_problem)
    label = paper_label(number)
    try:
        content = lookup(number)
    except KeyError:
        return _adjudicate(number, f"paper No. {label} is not in the print authority's file")
    if content.number != number or content.election_id != election_id:
        return _adjudicate(number, f"the print authority's file gives another paper for {label}")
    return _read_boxes(gray, homography, white, content, layout_paper(content))


def _read_boxes(
    gray: Gray, homography: np.ndarray, white: float, content: PaperContent, layout: PaperLayout
) -> PaperRead:
    readings: list[BoxReading] = []
    reasons: list[str] = []
    marks: list[tuple[int, ...]] = []
    for c, contest in enumerate(content.contests):
        where = f"contest {c + 1} ({contest.title})"
        marked: list[int] = []
        for place in (b for b in layout.boxes if b.contest == c):
            choice = contest.choices[place.choice]
            box = f"box {place.choice + 1} ({choice.name}, {choice.code})"
            found, ink, faint, around = _measure(gray, homography, place.rect, white)
            if not found:
                return _adjudicate(
                    content.number,
                    f"{where}: the printed outline of {box} is not where the paper's layout "
                    "puts it",
                )
            verdict = _verdict(ink, faint, around)
            readings.append(BoxReading(c, place.choice, verdict, ink, faint, around))
            if verdict == "marked":
                marked.append(place.choice)
            elif verdict == "unclear":
                why = (
                    "heavy ink over and around it (scribbled out?)"
                    if ink >= SCRIBBLE_INK
                    else f"an unclear mark ({ink:.1%} ink, {faint:.1%} faint)"
                )
                reasons.append(f"{where}: {box} has {why}")
        if not marked:
            reasons.append(f"{where}: no box is clearly marked")
        elif len(marked) > contest.max_marks:
            names = ", ".join(f"box {i + 1} ({contest.choices[i].name})" for i in marked)
            reasons.append(
                f"{where}: {len(marked)} boxes marked ({names}), at most {contest.max_marks} "
                "allowed"
            )
        marks.append(tuple(marked))
    status: Status = "adjudicate" if reasons else "read"
    return PaperRead(content.number, status, tuple(marks), tuple(reasons), tuple(readings))


def pdf_pages(pdf: bytes | Path, *, dpi: float = 200.0) -> Iterator[Gray]:
    """Each page of a PDF as a grayscale image at ``dpi``, one at a time; ``InputFileError``
    if it is not a PDF."""
    try:
        document = pypdfium2.PdfDocument(pdf)
    except pypdfium2.PdfiumError as exc:
        where = str(pdf) if isinstance(pdf, Path) else "PDF data"
        raise InputFileError(where, 0, f"not a readable PDF ({exc})") from None
    try:
        for index in range(len(document)):
            page = document[index]
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            array = np.array(bitmap.to_numpy(), dtype=np.uint8)
            yield array.reshape(array.shape[0], array.shape[1])
            page.close()
    finally:
        document.close()


def read_file(
    path: Path | str, lookup: Callable[[int], PaperContent], election_id: str
) -> list[PaperRead]:
    """The reading of every page of a scanned PDF, PNG, JPEG or TIFF file, in page order."""
    path = Path(path)
    if path.suffix.lower() == ".pdf":
        return [read_paper(page, lookup, election_id) for page in pdf_pages(path)]
    ok, images = cv2.imreadmulti(str(path), flags=cv2.IMREAD_GRAYSCALE)
    if not ok or not images:
        raise InputFileError(str(path), 0, "not a PDF or an image file OpenCV can read")
    return [read_paper(np.asarray(image, dtype=np.uint8), lookup, election_id) for image in images]
