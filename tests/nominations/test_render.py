"""Election addresses laid out once: the same pages for the site and the pack's PDF
(nominations.md §8), read back from the PDF's text."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pypdfium2
from nomtools import AT, CLOSED, bodies, image, opened, words
from test_ledger import REGIONS, nominate

from tellers.nominations import Rules
from tellers.nominations.render import NO_ADDRESS, address_sheet, addresses_pdf

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pdf_pages(data: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "addresses.pdf"
    path.write_bytes(data)
    pdf = pypdfium2.PdfDocument(path)
    return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]


def test_every_candidate_gets_a_page_from_the_same_template(tmp_path: Path) -> None:
    log = opened(Rules(min_nominations=1, photo_allowed=True, word_limit=400), bodies(REGIONS))
    long_text = words(400)
    for cid, name, body in (
        ("ward", "Sharon Ward", "NO0001"),
        ("adams", "Tom Adams", "LO0001"),
        ("zeller", "Ana Zeller", "WA0001"),
    ):
        log.register(cid, name, AT)
        nominate(log, cid, body)
    photo = image("JPEG")
    log.submit_address("ward", "Sharon Ward stands for\n\nevery member.", photo, AT)
    log.submit_address("adams", long_text, None, AT)
    outcome = log.close(CLOSED)
    sheet = address_sheet(outcome)
    assert [(p.position, p.candidate) for p in sheet] == [(1, "adams"), (2, "ward"), (3, "zeller")]
    assert sheet[1].paragraphs == ("Sharon Ward stands for", "every member.")
    data = addresses_pdf(
        outcome,
        organisation="Unite",
        photos_allowed=True,
        photos={hashlib.sha256(photo).hexdigest(): photo},
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "nominations-addresses.pdf").write_bytes(data)
    pages = pdf_pages(data, tmp_path)
    assert len(pages) == 3
    for page, expected in zip(pages, sheet, strict=True):
        flat = " ".join(page.split())
        assert f"Candidate {expected.position} of 3" in flat and expected.name in flat
        for paragraph in expected.paragraphs or (NO_ADDRESS,):
            assert paragraph in flat
        assert outcome.head in flat
    assert (
        addresses_pdf(
            outcome,
            organisation="Unite",
            photos_allowed=True,
            photos={hashlib.sha256(photo).hexdigest(): photo},
        )
        == data
    )
    first = pypdfium2.PdfDocument(data)[0].render(scale=1).to_pil()
    first.save(ARTIFACTS / "nominations-addresses-1.png")
