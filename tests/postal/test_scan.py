"""Reading returned papers from scans: clear marks read, anything doubtful goes to a person."""

from __future__ import annotations

import io
import re
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from postal.papers import GS_ELECTION, STRIKE_ELECTION, general_secretary, lookup_of, replaced
from tellers.bench import marks as bench_marks
from tellers.errors import InputFileError
from tellers.postal.content import PaperChoice, PaperContent, PaperContest
from tellers.postal.layout import FIDUCIALS, QR_PLACE, Rect
from tellers.postal.marking import (
    MARK_KINDS,
    NO_DRIFT,
    TROUBLES,
    MarkKind,
    ScanDrift,
    Trouble,
    mark_paper,
    random_paper,
    rasterise,
)
from tellers.postal.paper import render_paper
from tellers.postal.scan import Gray, PaperRead, read_file, read_paper

DPI = 150.0


def _read(
    image: npt.NDArray[np.generic] | Image.Image,
    content: PaperContent,
    election_id: str | None = None,
) -> PaperRead:
    return read_paper(image, lookup_of(content), election_id or content.election_id)


def _blank(image: Gray, rect: Rect, by: float = 1.5) -> Gray:
    """``image`` with the page area ``rect`` (grown by ``by`` mm) painted white."""
    px = DPI / 25.4
    out = image.copy()
    r = rect.inset(-by)
    out[
        round(r.y * px) : round((r.y + r.height) * px),
        round(r.x * px) : round((r.x + r.width) * px),
    ] = 255
    return out


def test_a_clean_marked_paper_reads(gs_paper: PaperContent, gs_page: Gray) -> None:
    marked = mark_paper(gs_page, gs_paper, [[2]], np.random.default_rng(1), kinds="cross")
    reading = _read(marked.image, gs_paper)
    assert reading == PaperRead(gs_paper.number, "read", ((2,),), (), reading.boxes)
    assert [b.verdict for b in reading.boxes] == ["empty", "empty", "marked"]


def test_a_strike_ballot_reads_each_question(strike_paper: PaperContent, strike_page: Gray) -> None:
    marked = mark_paper(strike_page, strike_paper, [[0], [1]], np.random.default_rng(2))
    reading = _read(marked.image, strike_paper)
    assert (reading.status, reading.marks) == ("read", ((0,), (1,)))


def test_an_unmarked_printed_paper_is_not_a_vote(gs_paper: PaperContent, gs_page: Gray) -> None:
    reading = _read(gs_page, gs_paper)
    assert reading.status == "adjudicate"
    assert reading.reasons == ("contest 1 (General Secretary): no box is clearly marked",)


@pytest.mark.parametrize("kind", MARK_KINDS)
@pytest.mark.parametrize("off_box", [False, True], ids=["in-box", "partly-outside"])
def test_each_kind_of_mark_reads(
    kind: MarkKind, off_box: bool, strike_paper: PaperContent, strike_page: Gray
) -> None:
    rng = np.random.default_rng(MARK_KINDS.index(kind) * 2 + off_box)
    marked = mark_paper(
        strike_page,
        strike_paper,
        [[1], [0]],
        rng,
        kinds=kind,
        off_box=off_box,
        drift=ScanDrift(noise=4.0, paper=245),
    )
    reading = _read(marked.image, strike_paper)
    assert (reading.status, reading.marks) == ("read", ((1,), (0,))), reading.reasons


DRIFTS = {
    "skew +3°": ScanDrift(skew=3.0),
    "skew -3°": ScanDrift(skew=-3.0),
    "shift": ScanDrift(shift=(2.0, -2.0)),
    "scale -2%": ScanDrift(scale=(0.98, 0.98)),
    "scale +2% unequal": ScanDrift(scale=(1.02, 0.985)),
    "grain": ScanDrift(noise=12.0),
    "blur": ScanDrift(blur=1.2),
    "grey paper": ScanDrift(paper=225),
    "stray ink": ScanDrift(stray_dots=6, stray_lines=2),
    "stub torn off": ScanDrift(stub_torn=True),
    "everything": ScanDrift(3.0, (-2.0, 2.0), (1.02, 0.98), 0.8, 9.0, 232, 4, 1, True),
}


@pytest.mark.parametrize("drift", DRIFTS.values(), ids=DRIFTS.keys())
def test_each_scanner_drift_reads(drift: ScanDrift, gs_paper: PaperContent, gs_page: Gray) -> None:
    marked = mark_paper(gs_page, gs_paper, [[0]], np.random.default_rng(3), drift=drift)
    reading = _read(marked.image, gs_paper)
    assert (reading.status, reading.marks) == ("read", ((0,),)), reading.reasons


def test_a_full_page_reads_down_to_the_boxes_beside_the_lower_markers(
    gs_paper: PaperContent,
) -> None:
    contests = tuple(
        PaperContest(
            f"c{n}",
            f"Region {n + 1}",
            "Vote for up to two candidates.",
            2,
            tuple(PaperChoice(f"{n}-{i}", f"Candidate {n}{i}", f"{n}{i}Q", "") for i in range(4)),
        )
        for n in range(3)
    )
    content = replaced(gs_paper, contests=contests)
    page = rasterise(render_paper(content))
    rng = np.random.default_rng(14)
    for kinds in ("blob", "cross", "tick"):
        marked = mark_paper(
            page, content, [[0, 3], [1], [2, 3]], rng, kinds=kinds, drift=ScanDrift.random(rng)
        )
        reading = _read(marked.image, content)
        assert (reading.status, reading.marks) == ("read", ((0, 3), (1,), (2, 3))), kinds


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_a_paper_fed_any_way_up_reads(
    turns: int, strike_paper: PaperContent, strike_page: Gray
) -> None:
    marked = mark_paper(strike_page, strike_paper, [[0], [0]], np.random.default_rng(4))
    reading = _read(np.ascontiguousarray(np.rot90(marked.image, turns)), strike_paper)
    assert (reading.status, reading.marks) == ("read", ((0,), (0,)))


def test_a_paper_scanned_at_300_dpi_reads(gs_paper: PaperContent) -> None:
    page = rasterise(render_paper(gs_paper), dpi=300)
    marked = mark_paper(page, gs_paper, [[1]], np.random.default_rng(5), dpi=300)
    assert _read(marked.image, gs_paper).marks == ((1,),)


@pytest.mark.parametrize(
    ("trouble", "reason"),
    [
        ("empty", r"^contest 1 \(General Secretary\): no box is clearly marked$"),
        (
            "overvote",
            r"contest 1 \(General Secretary\): 2 boxes marked \(box 1 \(Siân Llewellyn\)"
            r", box \d \(.*\)\), at most 1 allowed",
        ),
        (
            "ambiguous",
            r"contest 1 \(General Secretary\): box 1 \(Siân Llewellyn, 4K7\) has an "
            r"unclear mark",
        ),
        (
            "scribbled",
            r"contest 1 \(General Secretary\): box \d \(.*\) has heavy ink over and "
            r"around it \(scribbled out\?\)",
        ),
    ],
)
def test_each_trouble_goes_to_a_person_naming_the_box(
    trouble: Trouble, reason: str, gs_paper: PaperContent, gs_page: Gray
) -> None:
    rng = np.random.default_rng(6)
    marked = mark_paper(gs_page, gs_paper, [[0]], rng, trouble=trouble, drift=ScanDrift.random(rng))
    assert not marked.clear
    reading = _read(marked.image, gs_paper)
    assert reading.status == "adjudicate"
    assert reading.number == gs_paper.number
    assert any(re.search(reason, r) for r in reading.reasons), reading.reasons


def test_a_paper_of_another_election_is_refused(gs_paper: PaperContent, gs_page: Gray) -> None:
    marked = mark_paper(gs_page, gs_paper, [[0]], np.random.default_rng(7))
    reading = _read(marked.image, gs_paper, election_id=STRIKE_ELECTION)
    assert (reading.status, reading.number, reading.marks) == ("adjudicate", None, ())
    assert reading.reason == (
        f"refused: paper QR code: a paper of election {GS_ELECTION!r}, not this one"
    )


def test_an_unreadable_qr_code_goes_to_a_person(gs_paper: PaperContent, gs_page: Gray) -> None:
    marked = mark_paper(gs_page, gs_paper, [[0]], np.random.default_rng(8))
    reading = _read(_blank(marked.image, QR_PLACE), gs_paper)
    assert (reading.status, reading.number) == ("adjudicate", None)
    assert reading.reason == "the paper's QR code could not be read"


@pytest.mark.parametrize("corner", range(4))
def test_a_missing_corner_marker_goes_to_a_person(
    corner: int, gs_paper: PaperContent, gs_page: Gray
) -> None:
    marked = mark_paper(gs_page, gs_paper, [[0]], np.random.default_rng(9))
    reading = _read(_blank(marked.image, FIDUCIALS[corner]), gs_paper)
    assert reading.status == "adjudicate"
    assert "corner markers" in reading.reason
    assert reading.number == gs_paper.number  # the QR code still says which paper it is


def test_a_paper_not_in_the_print_file_goes_to_a_person(
    gs_paper: PaperContent, gs_page: Gray
) -> None:
    marked = mark_paper(gs_page, gs_paper, [[0]], np.random.default_rng(10))
    reading = read_paper(marked.image, lookup_of(general_secretary(number=99)), GS_ELECTION)
    assert reading.status == "adjudicate"
    assert reading.reason == f"paper No. {gs_paper.label} is not in the print authority's file"


def test_content_laid_out_otherwise_than_printed_is_never_read(
    gs_paper: PaperContent, gs_page: Gray
) -> None:
    """The file's content must be the paper's: boxes that moved are not measured blind."""
    marked = mark_paper(gs_page, gs_paper, [[1]], np.random.default_rng(11))
    contest = replaced(gs_paper.contests[0], statement="A much longer statement. " * 12)
    other = replaced(gs_paper, contests=(contest,))
    reading = _read(marked.image, other)
    assert reading.status == "adjudicate"
    assert reading.reason.startswith("contest 1 (General Secretary): the printed outline of box")
    assert reading.reason.endswith("is not where the paper's layout puts it")


def test_a_pil_image_in_colour_or_a_16_bit_scan_reads(
    gs_paper: PaperContent, gs_page: Gray
) -> None:
    marked = mark_paper(gs_page, gs_paper, [[2]], np.random.default_rng(12))
    colour = Image.fromarray(marked.image).convert("RGB")
    assert _read(colour, gs_paper).marks == ((2,),)
    sixteen_bit = marked.image.astype(np.uint16) * 257
    assert _read(sixteen_bit, gs_paper).marks == ((2,),)


def test_files_of_scans_read_page_by_page(
    tmp_path: Path,
    gs_paper: PaperContent,
    gs_page: Gray,
    strike_paper: PaperContent,
    strike_page: Gray,
) -> None:
    rng = np.random.default_rng(13)
    first = mark_paper(gs_page, gs_paper, [[1]], rng, drift=ScanDrift.random(rng))
    second = mark_paper(strike_page, strike_paper, [[1], [1]], rng, drift=ScanDrift.random(rng))
    png = tmp_path / "scan.png"
    cv2.imwrite(str(png), first.image)
    pdf = tmp_path / "scan.pdf"
    canvas = Canvas(str(pdf), pagesize=A4)
    for marked in (first, second):  # as a scanner writes it: one image per page
        buffer = io.BytesIO()
        Image.fromarray(marked.image).save(buffer, format="PNG")
        canvas.drawImage(ImageReader(buffer), 0, 0, *A4)
        canvas.showPage()
    canvas.save()
    files = lookup_of(gs_paper, strike_paper)
    [from_png] = read_file(png, files, GS_ELECTION)
    assert (from_png.status, from_png.marks) == ("read", ((1,),))
    from_pdf = read_file(pdf, files, GS_ELECTION)
    assert [r.status for r in from_pdf] == ["read", "adjudicate"]
    assert from_pdf[0].marks == ((1,),) and "not this one" in from_pdf[1].reason
    assert read_file(pdf, files, STRIKE_ELECTION)[1].marks == ((1,), (1,))
    junk = tmp_path / "scan.tif"
    junk.write_bytes(b"not an image")
    with pytest.raises(InputFileError, match=r"scan\.tif"):
        read_file(junk, files, GS_ELECTION)
    with pytest.raises(InputFileError, match="not a readable PDF"):
        read_file(junk.rename(tmp_path / "scan.pdf"), files, GS_ELECTION)


def test_a_sample_of_noisy_papers_has_no_misread_and_few_sent_to_a_person(
    gs_paper: PaperContent, gs_page: Gray, strike_paper: PaperContent, strike_page: Gray
) -> None:
    rng = np.random.default_rng(2026)
    automatic = misread = trouble_read = 0
    papers = 60
    for n in range(papers):
        content, page = (gs_paper, gs_page) if n % 2 else (strike_paper, strike_page)
        trouble = TROUBLES[n // 12 % 4] if n % 12 == 5 else None  # five trouble cases
        marked = random_paper(page, content, rng, trouble=trouble)
        reading = _read(marked.image, content)
        if reading.status == "read":
            automatic += 1
            misread += reading.marks != marked.intended or reading.number != content.number
            trouble_read += not marked.clear
    assert misread == 0 and trouble_read == 0
    assert automatic >= 0.95 * (papers - 5)


def test_the_benchmark_counts_what_it_reads() -> None:
    figures = bench_marks.run(count=8, seed=1)
    assert figures["papers"] == 8 == figures["clear_papers"] + figures["trouble_papers"]
    assert figures["automatic"] == figures["automatic_correct"] + figures["misreads"]
    assert figures["misreads"] == figures["trouble_automatic"] == 0
    assert figures["render_per_s"] > 0 and figures["read_per_s"] > 0


def test_marking_is_deterministic_from_its_seed(gs_paper: PaperContent, gs_page: Gray) -> None:
    one = random_paper(gs_page, gs_paper, np.random.default_rng(5))
    two = random_paper(gs_page, gs_paper, np.random.default_rng(5))
    assert np.array_equal(one.image, two.image) and one.intended == two.intended
    assert not np.array_equal(
        one.image, random_paper(gs_page, gs_paper, np.random.default_rng(6)).image
    )
    assert mark_paper(gs_page, gs_paper, [[0]], np.random.default_rng(0)).drift == NO_DRIFT
