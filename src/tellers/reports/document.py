"""A statutory document as a sequence of blocks, rendered alike to PDF, HTML and text.

The s.52 report and the s.231 notices are built once as a ``Document``;
``pdf``, ``html`` and ``text`` render the same blocks, so the PDF and its
accessible HTML twin cannot say different things (reports.md §5).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = [
    "DRAFT_UNPUBLISHED",
    "Block",
    "Chart",
    "Document",
    "Heading",
    "Notice",
    "Para",
    "Table",
    "as_draft",
    "chart_table",
    "number",
]


def number(n: int) -> str:
    """A count as printed in every document: digits grouped by thousands."""
    return f"{n:,}"


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    """1 for the title, 2 for a section, 3 for a sub-section."""
    text: str


@dataclass(frozen=True, slots=True)
class Para:
    text: str


@dataclass(frozen=True, slots=True)
class Notice:
    """Something a reader must not miss: a statement not satisfied, a draft, a threshold."""

    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[int, ...] = ()
    """Columns whose cells are figures (right-aligned)."""
    row_headers: bool = True
    """The first cell of each row names the row."""


@dataclass(frozen=True, slots=True)
class Chart:
    """A bar chart with its text alternative; the data are also given as a table."""

    title: str
    description: str
    """The text alternative: what the chart shows, in words."""
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]
    """(name, one value per category) for each series."""
    unit: str
    """``%`` or ``ballots``."""
    maximum: float | None = None
    """The value axis's top (100 for a percentage), or from the data."""


def chart_table(chart: Chart) -> Table:
    """A chart's data as a table: its text alternative in full, beside the picture (periods
    with no returns left out)."""

    def cell(v: float) -> str:
        return f"{v:.2f}%" if chart.unit == "%" else number(int(v))

    return Table(
        f"{chart.title}: the figures",
        ("", *(name for name, _ in chart.series)),
        tuple(
            (category, *(cell(values[i]) for _, values in chart.series))
            for i, category in enumerate(chart.categories)
            # A day with no returns says nothing the chart does not: the table leaves it out.
            if chart.unit == "%" or any(values[i] for _, values in chart.series)
        ),
        numeric=tuple(range(1, len(chart.series) + 1)),
    )


Block = Heading | Para | Notice | Table | Chart


@dataclass(frozen=True, slots=True)
class Document:
    title: str
    subtitle: str
    blocks: tuple[Block, ...]
    lang: str = "en-GB"
    footer: str = ""
    """Printed at the foot of every PDF page: the record's root hash."""
    draft: str = ""
    """Where not empty, the document is a draft: this mark heads every PDF page (with DRAFT
    across it), the HTML page and the text, before anything else."""


DRAFT_UNPUBLISHED = (
    "DRAFT — NOT YET PUBLISHED. Made from the election record as publishing the declared "
    "result will make it; it is not the statutory document until the result is published."
)
"""The mark of a document made before the result is published (reports.md §7)."""


def as_draft(document: Document, mark: str = DRAFT_UNPUBLISHED) -> Document:
    """The same document, marked on every page as a draft (``Document.draft``)."""
    if not mark.strip():
        raise ValueError("a draft's mark: expected text, found none")
    return replace(document, draft=mark)
