"""The printed paper: what it says (TULRCA s.51), its number and QR code, its batch PDF."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pypdfium2
import pytest
import zxingcpp

from postal.papers import general_secretary, replaced, strike_ballot
from tellers.errors import EncodingError, ManifestError
from tellers.postal import paper as paper_module
from tellers.postal.content import PaperChoice, PaperContent, PaperContest, paper_label, parse_qr
from tellers.postal.layout import (
    BOX,
    CUT_Y,
    FIDUCIALS,
    box_rects,
    closing_in_words,
    layout_paper,
    paper_fonts,
)
from tellers.postal.marking import rasterise
from tellers.postal.paper import render_addresses, render_batch, render_paper
from tellers.postal.pdfjoin import PdfJoiner
from tellers.postal.scan import Gray, pdf_pages


def _texts(pdf: bytes) -> list[str]:
    """Each page's text with runs of white space made one space (wrapped lines joined)."""
    document = pypdfium2.PdfDocument(pdf)
    pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    return [re.sub(r"\s+", " ", text) for text in pages]


def test_general_secretary_paper_shows_everything_s51_asks(gs_paper: PaperContent) -> None:
    [text] = _texts(render_paper(gs_paper))
    required = [
        "Unite the Union",
        "General Secretary 2026",
        "Independent scrutineer: Civica Election Services Ltd",
        "Civica Election Services, The Election Centre, 33 Clarendon Road, London N8 0NW",
        "by 12:00 noon on Thursday 23 April 2026 (UK time)",
        "0001234-",
        "General Secretary",
        "Vote for one candidate only.",
        "Mark 1 box",
        "Online voting code: HV7K-3QPD-XM2R-9TFA",
        "vote online instead of returning this paper",
        "Only one vote counts",
        "Keep this part",
        f"Paper No. {gs_paper.label}",
        "Confirmation code: K7Q4-M2XD-93FA",
        "https://vote.example.org/check",
        "Enter the paper number and confirmation code there to see that this paper was received",
    ]
    for contest in gs_paper.contests:
        required += [c.name for c in contest.choices] + [c.code for c in contest.choices]
    missing = [item for item in required if item not in text]
    assert not missing, f"not on the paper: {missing}\n{text}"
    assert "Replacement" not in text
    # the addresses are a separate booklet, not on the paper itself
    assert "Port Talbot" not in text


def test_strike_paper_asks_both_questions_and_has_no_credential(
    strike_paper: PaperContent,
) -> None:
    [text] = _texts(render_paper(strike_paper))
    for question in (
        "Question 1 Mark 1 box Are you prepared to take part in industrial action consisting of "
        "a strike?",
        "Question 2 Mark 1 box Are you prepared to take part in industrial action short of a "
        "strike?",
    ):
        assert question in text
    assert re.search(r"Yes Y1H No N1J .*Yes Y2H No N2J", text), text
    assert "by 5:00 pm on Thursday 19 November 2026 (UK time)" in text
    assert "Online voting code" not in text and "Only one vote counts" not in text


def test_replacement_paper_names_the_paper_it_replaces() -> None:
    content = general_secretary(number=20001, replaces=1234)
    [text] = _texts(render_paper(content))
    assert f"Replacement paper for No. {paper_label(1234)}" in text
    assert f"Paper No. {paper_label(20001)}" in text


@pytest.mark.skipif(not paper_fonts().full_latin, reason="DejaVu Sans is not installed")
def test_welsh_and_polish_letters_are_printed_as_themselves(gs_paper: PaperContent) -> None:
    [text] = _texts(render_paper(gs_paper))
    assert "Siân Llewellyn" in text and "Marek Wiśniewski" in text
    name = "Gwenllïan ap Dafydd-Łukaszewicz"
    contest = replaced(
        gs_paper.contests[0],
        choices=(PaperChoice("x", name, "8XW", "Ŵyn a ŷd, żółć."),),
    )
    assert name in _texts(render_paper(replaced(gs_paper, contests=(contest,))))[0]


@pytest.mark.parametrize(
    ("closes", "words"),
    [
        ("2026-04-23T12:00:00+01:00", "12:00 noon on Thursday 23 April 2026"),
        ("2026-04-23T11:00:00+00:00", "12:00 noon on Thursday 23 April 2026"),  # BST from UTC
        ("2026-12-04T17:00:00+00:00", "5:00 pm on Friday 4 December 2026"),
        ("2026-03-02T09:30:00Z", "9:30 am on Monday 2 March 2026"),
        ("2026-07-01T00:00:00+01:00", "12:00 midnight at the start of Wednesday 1 July 2026"),
    ],
)
def test_closing_time_in_words_in_uk_time(closes: str, words: str) -> None:
    assert closing_in_words(closes) == words


@pytest.mark.parametrize("closes", ["2026-04-23T12:00:00", "next Thursday"])
def test_closing_time_needs_an_instant(closes: str) -> None:
    with pytest.raises(ManifestError, match="closing time"):
        closing_in_words(closes)


def _qr_texts(page: Gray) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(page)]


def test_qr_code_and_label_name_the_paper(gs_paper: PaperContent, gs_page: Gray) -> None:
    [payload] = _qr_texts(gs_page)
    assert parse_qr(payload, gs_paper.election_id) == gs_paper.number
    with pytest.raises(EncodingError, match="not this one"):
        parse_qr(payload, "unite-gs-2021")
    label = next(t for t in layout_paper(gs_paper).texts if t.text == gs_paper.label)
    qr = layout_paper(gs_paper).qr
    assert qr.y + qr.height < label.y < qr.y + qr.height + 10  # under the code


def test_boxes_are_squares_of_the_set_size_clear_of_the_markers_and_stub(
    gs_paper: PaperContent, strike_paper: PaperContent
) -> None:
    for content in (gs_paper, strike_paper):
        rects = box_rects(content)
        assert sorted(rects) == [
            (c, i)
            for c, contest in enumerate(content.contests)
            for i in range(len(contest.choices))
        ]
        for rect in rects.values():
            assert rect.width == rect.height == BOX
            assert FIDUCIALS[0].y + 10 < rect.y and rect.y + rect.height < FIDUCIALS[3].y
            assert rect.y + rect.height < CUT_Y


def _contest(n: int, choices: int, statement: str = "Vote for one.") -> PaperContest:
    return PaperContest(
        f"c{n}",
        f"Contest {n}",
        statement,
        1,
        tuple(PaperChoice(f"{n}-{i}", f"Candidate {i}", f"{n}{i:02d}", "") for i in range(choices)),
    )


def test_twelve_choices_fit_on_one_page_in_one_or_two_contests(gs_paper: PaperContent) -> None:
    for contests in ((_contest(1, 12),), (_contest(1, 6), _contest(2, 6))):
        content = replaced(gs_paper, contests=contests)
        assert len(box_rects(content)) == 12
        assert len(pypdfium2.PdfDocument(render_paper(content))) == 1


def test_too_many_choices_for_one_page_is_refused_clearly(gs_paper: PaperContent) -> None:
    content = replaced(gs_paper, contests=(_contest(1, 9), _contest(2, 9)))
    with pytest.raises(ManifestError, match=r"paper 0001234-.*18 choices.*one page"):
        render_paper(content)


def test_batch_is_one_pdf_of_every_paper_in_order_written_as_it_goes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(paper_module, "BATCH_CHUNK", 2)
    out = io.BytesIO()
    written_when: list[int] = []

    def contents() -> Iterator[PaperContent]:
        for n in range(1, 6):
            written_when.append(len(out.getvalue()))
            yield strike_ballot(number=n) if n % 2 else general_secretary(number=n)

    assert render_batch(contents(), out) == 5
    # the first chunk's pages were in the file before the last paper was even made
    assert written_when[-1] > 10_000
    texts = _texts(out.getvalue())
    assert [paper_label(n) in text for n, text in enumerate(texts, start=1)] == [True] * 5
    assert "Question 2" in texts[2] and "Siân Llewellyn" in texts[3]
    pages = list(pdf_pages(out.getvalue(), dpi=100))
    assert [
        parse_qr(_qr_texts(p)[0], e)
        for p, e in zip(
            pages, ["unite-ia-2026-017", "unite-gs-2026"] * 2 + ["unite-ia-2026-017"], strict=True
        )
    ] == [1, 2, 3, 4, 5]


def test_batch_needs_a_paper() -> None:
    with pytest.raises(ManifestError, match="at least one paper"):
        render_batch([], io.BytesIO())


def test_joiner_refuses_what_is_not_a_reportlab_pdf() -> None:
    with pytest.raises(EncodingError, match="cross-reference"):
        PdfJoiner(io.BytesIO()).add(b"%PDF-1.7\nnot really\n")


def test_same_paper_gives_the_same_bytes(gs_paper: PaperContent) -> None:
    assert render_paper(gs_paper) == render_paper(gs_paper)


def test_election_addresses_in_ballot_order_in_boxes_of_one_size(gs_paper: PaperContent) -> None:
    pdf = render_addresses(gs_paper)
    text = " ".join(_texts(pdf))
    names = [c.name for c in gs_paper.contests[0].choices]
    starts = [text.index(name) for name in names]
    assert starts == sorted(starts)
    for choice in gs_paper.contests[0].choices:
        assert " ".join(choice.address.split()[:12]) in text
        assert choice.address.split()[-1] in text
    document = pypdfium2.PdfDocument(pdf)
    heights = set()
    for index in range(len(document)):
        for obj in document[index].get_objects():
            if obj.type == pypdfium2.raw.FPDF_PAGEOBJ_PATH:
                left, bottom, right, top = obj.get_bounds()
                if right - left > 400:  # a candidate's box, the width of the text column
                    heights.add(round(top - bottom, 1))
    assert len(heights) == 1


def test_addresses_need_an_address(strike_paper: PaperContent) -> None:
    with pytest.raises(ManifestError, match="no candidate"):
        render_addresses(strike_paper)


def test_printed_page_is_the_layout(gs_paper: PaperContent, gs_page: Gray) -> None:
    """Each box's outline and each fiducial is dark where the layout puts it, at 150 dpi."""
    px = 150 / 25.4
    for f in FIDUCIALS:
        x, y = f.centre
        assert gs_page[round(y * px), round(x * px)] < 50
    for rect in box_rects(gs_paper).values():
        inside = gs_page[
            round((rect.y + 2) * px) : round((rect.y + 8) * px),
            round((rect.x + 2) * px) : round((rect.x + 8) * px),
        ]
        assert inside.min() > 200
        left = gs_page[round((rect.y + 5) * px), round(rect.x * px) - 1 : round(rect.x * px) + 2]
        assert left.min() < 100
    assert rasterise(render_paper(gs_paper)).shape == gs_page.shape
