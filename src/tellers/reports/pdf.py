"""A ``Document`` as a PDF (ReportLab): headings, tables, bar charts (reports.md §5).

Text is real text in the PDF (so the figures can be read back and searched);
fonts are the postal papers' embedded DejaVu Sans where it is installed. The
PDF is tagged with its title, subject and language in its metadata.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus import Table as RLTable
from reportlab.platypus import TableStyle as RLTableStyle

from tellers.postal.layout import paper_fonts
from tellers.reports.document import Chart, Document, Heading, Notice, Para, Table, chart_table

__all__ = ["CHART_COLOURS", "render_pdf", "write_pdf"]

CHART_COLOURS = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000")
"""One colour per series, told apart in greyscale too (dark blue, orange, green, ...)."""

_WIDTH = A4[0] - 36 * mm


def _styles() -> dict[str, ParagraphStyle]:
    fonts = paper_fonts()
    base = ParagraphStyle("body", fontName=fonts.regular, fontSize=10, leading=13)
    return {
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=11),
        "h1": ParagraphStyle("h1", parent=base, fontName=fonts.bold, fontSize=18, leading=22),
        # A heading stays on the page of what it heads.
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=fonts.bold,
            fontSize=13,
            leading=16,
            spaceBefore=8,
            keepWithNext=1,
        ),
        "h3": ParagraphStyle(
            "h3", parent=base, fontName=fonts.bold, fontSize=11, leading=14, keepWithNext=1
        ),
        "notice": ParagraphStyle(
            "notice", parent=base, fontName=fonts.bold, fontSize=12, leading=15
        ),
        "sub": ParagraphStyle("sub", parent=base, fontSize=11, leading=14),
    }


def _table(block: Table, styles: dict[str, ParagraphStyle]) -> RLTable:
    cell = styles["cell"]
    right = ParagraphStyle("right", parent=cell, alignment=2)
    head = ParagraphStyle("head", parent=cell, fontName=paper_fonts().bold)

    def p(text: str, col: int, header: bool = False) -> Paragraph:
        style = head if header else (right if col in block.numeric else cell)
        return Paragraph(escape(text), style)

    data: list[list[Any]] = []
    if any(block.header):
        data.append([p(h, i, header=True) for i, h in enumerate(block.header)])
    data += [[p(c, i) for i, c in enumerate(row)] for row in block.rows]
    columns = len(block.header)
    widths = [_WIDTH * (0.55 if columns == 2 else 1 / columns)] if columns else []
    if columns == 2:
        widths.append(_WIDTH * 0.45)
    elif columns > 2:
        widths = [_WIDTH / columns] * columns
    table = RLTable(data, colWidths=widths, repeatRows=1 if any(block.header) else 0)
    table.setStyle(
        RLTableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                *(
                    [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e7eef6"))]
                    if any(block.header)
                    else []
                ),
            ]
        )
    )
    return table


def _chart(block: Chart, styles: dict[str, ParagraphStyle]) -> Drawing:
    fonts = paper_fonts()
    height = 70 * mm
    drawing = Drawing(_WIDTH, height)
    chart = VerticalBarChart()
    # The stubs type these as int; whole points are fine here.
    chart.x, chart.y = int(14 * mm), int(16 * mm)
    chart.width, chart.height = int(_WIDTH - 20 * mm), int(height - 30 * mm)
    chart.data = [list(values) for _, values in block.series]
    top = block.maximum or max((max(v) for _, v in block.series if v), default=1.0) or 1.0
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = top
    chart.valueAxis.valueStep = max(1.0, round(top / 5))
    chart.valueAxis.labels.fontName = fonts.regular
    chart.valueAxis.labels.fontSize = 7
    chart.categoryAxis.categoryNames = list(block.categories)
    chart.categoryAxis.labels.fontName = fonts.regular
    chart.categoryAxis.labels.fontSize = 6 if len(block.categories) > 8 else 8
    if len(block.categories) > 8:
        chart.categoryAxis.labels.angle = 45
        chart.categoryAxis.labels.boxAnchor = "ne"
        chart.categoryAxis.labels.dy = -2
        # Label every few days only: the data table under the chart gives each one.
        every = max(1, len(block.categories) // 8)
        chart.categoryAxis.categoryNames = [
            name[5:] if i % every == 0 else "" for i, name in enumerate(block.categories)
        ]
    for i in range(len(block.series)):
        chart.bars[i].fillColor = colors.HexColor(CHART_COLOURS[i % len(CHART_COLOURS)])
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    drawing.add(
        String(0, height - 8, f"{block.title} ({block.unit})", fontName=fonts.bold, fontSize=10)
    )
    if len(block.series) > 1:
        legend = Legend()
        legend.x, legend.y = int(_WIDTH - 40 * mm), int(height - 4)
        legend.fontName = fonts.regular
        legend.fontSize = 8
        legend.alignment = "right"
        legend.colorNamePairs = [
            (colors.HexColor(CHART_COLOURS[i % len(CHART_COLOURS)]), name)
            for i, (name, _) in enumerate(block.series)
        ]
        drawing.add(legend)
    return drawing


def _draft_mark(canvas: Any, mark: str, font: str) -> None:
    """A draft's mark on one page: DRAFT in pale letters across it, and the mark's words
    in a red-ruled band at its head (real text, so a reader of the text finds it too)."""
    canvas.saveState()
    canvas.setFillColor(colors.HexColor("#f3c6cc"))
    canvas.setFont(font, 110)
    canvas.translate(A4[0] / 2, A4[1] / 2)
    canvas.rotate(50)
    canvas.drawCentredString(0, -40, "DRAFT")
    canvas.restoreState()
    style = ParagraphStyle(
        "draft", fontName=font, fontSize=9, leading=11, textColor=colors.HexColor("#7a0016")
    )
    band = Paragraph(escape(mark), style)
    _w, h = band.wrap(_WIDTH - 4 * mm, 20 * mm)
    top = A4[1] - 8 * mm
    canvas.setStrokeColor(colors.HexColor("#b00020"))
    canvas.setLineWidth(1.5)
    canvas.rect(18 * mm, top - h - 3 * mm, _WIDTH, h + 3 * mm)
    band.drawOn(canvas, 20 * mm, top - h - 1.5 * mm)


def render_pdf(document: Document) -> bytes:
    styles = _styles()
    story: list[Any] = [
        Paragraph(escape(document.title), styles["h1"]),
        Paragraph(escape(document.subtitle), styles["sub"]),
        Spacer(1, 4 * mm),
    ]
    for block in document.blocks:
        if isinstance(block, Heading):
            story.append(Paragraph(escape(block.text), styles[f"h{min(3, max(2, block.level))}"]))
        elif isinstance(block, Para):
            story.append(Paragraph(escape(block.text), styles["body"]))
            story.append(Spacer(1, 2 * mm))
        elif isinstance(block, Notice):
            inner = [Paragraph(escape(block.title), styles["notice"])] + [
                Paragraph(escape(line), styles["body"]) for line in block.lines
            ]
            box = RLTable([[inner]], colWidths=[_WIDTH])
            box.setStyle(
                RLTableStyle(
                    [
                        ("BOX", (0, 0), (-1, -1), 2, colors.HexColor("#b00020")),
                        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fdecea")),
                        ("LEFTPADDING", (0, 0), (-1, -1), 6),
                        ("TOPPADDING", (0, 0), (-1, -1), 6),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                    ]
                )
            )
            story += [box, Spacer(1, 3 * mm)]
        elif isinstance(block, Table):
            story.append(
                KeepTogether(
                    [
                        Paragraph(escape(block.caption), styles["h3"]),
                        _table(block, styles),
                        Spacer(1, 3 * mm),
                    ]
                )
            )
        elif isinstance(block, Chart):
            story += [_chart(block, styles), Paragraph(escape(block.description), styles["cell"])]
            story += [Spacer(1, 2 * mm), _table(chart_table(block), styles), Spacer(1, 3 * mm)]
    out = BytesIO()
    fonts = paper_fonts()

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        if document.draft:
            _draft_mark(canvas, document.draft, fonts.bold)
        canvas.setFont(fonts.regular, 7)
        canvas.drawString(18 * mm, 10 * mm, document.footer)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"page {doc.page}")
        canvas.restoreState()

    pdf = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        # A draft's mark heads every page, above the text.
        topMargin=(26 if document.draft else 16) * mm,
        bottomMargin=18 * mm,
        title=("DRAFT: " if document.draft else "") + document.title,
        subject=document.subtitle,
        author="Tellers",
        lang=document.lang,
        invariant=1,
    )
    pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def write_pdf(document: Document, path: Path) -> None:
    """Write the PDF whole or not at all (a half-written report is never left behind)."""
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(render_pdf(document))
    tmp.replace(path)
