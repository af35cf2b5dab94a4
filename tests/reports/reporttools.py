"""Helpers for the statutory documents' tests: a PDF's text read back, its pages as PNGs.

A plain module (tests import it by name, as ``tests/election`` does ``recordtools``).
``render_pages`` writes to ``test-artifacts/reports/`` for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2

__all__ = ["ARTIFACTS", "pdf_text", "render_pages"]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"


def pdf_text(path: Path) -> str:
    """Every page's text, whitespace collapsed to single spaces (a wrapped cell reads on)."""
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        text = " ".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()
    return " ".join(text.split())


def render_pages(path: Path, name: str) -> list[Path]:
    """Each page of the PDF as a PNG in ``test-artifacts/reports/``, for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = pypdfium2.PdfDocument(str(path))
    out = []
    try:
        for i, page in enumerate(pdf, 1):
            png = ARTIFACTS / f"{name}-page{i}.png"
            page.render(scale=1.5).to_pil().save(png)
            out.append(png)
    finally:
        pdf.close()
    return out
