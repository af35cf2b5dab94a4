"""A ``Document`` as one accessible HTML page, the PDF's twin (reports.md §5).

Semantic headings in order, tables with a caption and ``th`` headers (with
``scope``), the page's language, notices as ``role="alert"`` sections, and
each chart an inline SVG with ``role="img"``, a title and a description,
followed by its data as a table. No script, no external resource: the file
can be mailed, archived and read by a screen reader as it is.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from tellers.reports.document import Chart, Document, Heading, Notice, Para, Table, chart_table
from tellers.reports.pdf import CHART_COLOURS

__all__ = ["render_html", "svg_chart", "write_html"]

_CSS = """
body{font-family:system-ui,sans-serif;max-width:52rem;margin:1rem auto;padding:0 1rem;
line-height:1.45;color:#111;overflow-wrap:break-word}
table{border-collapse:collapse;margin:.4rem 0 1rem;width:100%}
th,td{border:1px solid #888;padding:.25rem .5rem;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
svg{max-width:100%;height:auto}
thead th{background:#e7eef6}
td.n{text-align:right;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:.2rem 0}
.notice{border:3px solid #b00020;background:#fdecea;padding:.5rem 1rem;margin:1rem 0}
.notice h2{margin:.2rem 0;color:#7a0016}
figure{margin:1rem 0}
code{word-break:break-all}
.draft{border:3px double #b00020;color:#7a0016;font-weight:700;padding:.5rem 1rem;
margin:0 0 1rem}
"""


def _table(t: Table) -> str:
    out = ["<table>", f"<caption>{escape(t.caption)}</caption>"]
    if any(t.header):
        out.append(
            "<thead><tr>"
            + "".join(f'<th scope="col">{escape(h) or "<span>Item</span>"}</th>' for h in t.header)
            + "</tr></thead>"
        )
    out.append("<tbody>")
    for row in t.rows:
        cells = []
        for i, cell in enumerate(row):
            text = escape(cell)
            if len(cell) == 64 and all(c in "0123456789abcdef" for c in cell):
                text = f"<code>{text}</code>"
            if i == 0 and t.row_headers:
                cells.append(f'<th scope="row">{text}</th>')
            else:
                cells.append(f'<td class="n">{text}</td>' if i in t.numeric else f"<td>{text}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def svg_chart(chart: Chart, ident: str) -> str:
    """A grouped bar chart as inline SVG, labelled by its title and description."""
    width, height, left, bottom, top = 720, 260, 48, 56, 28
    plot_w, plot_h = width - left - 12, height - bottom - top
    peak = chart.maximum or max((max(v) for _, v in chart.series if v), default=1.0) or 1.0
    n, k = max(1, len(chart.categories)), max(1, len(chart.series))
    slot = plot_w / n
    bar = max(1.0, slot * 0.8 / k)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{ident}-t {ident}-d" width="100%">',
        f'<title id="{ident}-t">{escape(chart.title)}</title>',
        f'<desc id="{ident}-d">{escape(chart.description)}</desc>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#333"/>',
    ]
    for step in range(6):
        value = peak * step / 5
        y = top + plot_h - plot_h * step / 5
        shown = f"{value:.0f}" + ("%" if chart.unit == "%" else "")
        parts.append(
            f'<text x="{left - 4}" y="{y + 3:.1f}" font-size="10" text-anchor="end">{shown}</text>'
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
        )
    every = max(1, n // 10)
    for i, category in enumerate(chart.categories):
        x0 = left + i * slot + slot * 0.1
        for j, (_, values) in enumerate(chart.series):
            h = plot_h * values[i] / peak if peak else 0
            parts.append(
                f'<rect x="{x0 + j * bar:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{CHART_COLOURS[j % len(CHART_COLOURS)]}"/>'
            )
        if i % every == 0:
            cx = left + i * slot + slot / 2
            parts.append(
                f'<text x="{cx:.1f}" y="{top + plot_h + 14}" font-size="10" '
                f'text-anchor="middle">{escape(category[5:] if n > 10 else category)}</text>'
            )
    for j, (name, _) in enumerate(chart.series):
        x = left + j * 140
        parts.append(
            f'<rect x="{x}" y="6" width="10" height="10" '
            f'fill="{CHART_COLOURS[j % len(CHART_COLOURS)]}"/>'
            f'<text x="{x + 14}" y="15" font-size="11">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_html(document: Document) -> str:
    body: list[str] = [
        "<header>",
        *(
            [f'<p class="draft" id="draft-mark" role="note">{escape(document.draft)}</p>']
            if document.draft
            else []
        ),
        f"<h1>{escape(document.title)}</h1>",
        f"<p>{escape(document.subtitle)}</p>",
        "</header>",
        "<main>",
    ]
    charts = 0
    for block in document.blocks:
        if isinstance(block, Heading):
            level = min(6, max(2, block.level))
            body.append(f"<h{level}>{escape(block.text)}</h{level}>")
        elif isinstance(block, Para):
            body.append(f"<p>{escape(block.text)}</p>")
        elif isinstance(block, Notice):
            body.append(
                '<section class="notice" role="alert">'
                f"<h2>{escape(block.title)}</h2>"
                + "".join(f"<p>{escape(line)}</p>" for line in block.lines)
                + "</section>"
            )
        elif isinstance(block, Table):
            body.append(_table(block))
        elif isinstance(block, Chart):
            charts += 1
            ident = f"chart{charts}"
            body.append(
                f'<figure aria-labelledby="{ident}-c">{svg_chart(block, ident)}'
                f'<figcaption id="{ident}-c">{escape(block.description)}</figcaption></figure>'
                f"<details><summary>{escape(block.title)}: the figures</summary>"
                f"{_table(chart_table(block))}</details>"
            )
    body.append("</main>")
    if document.footer or document.draft:
        ends = [document.draft, document.footer]
        body.append("<footer>" + "".join(f"<p>{escape(e)}</p>" for e in ends if e) + "</footer>")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(document.lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{'DRAFT: ' if document.draft else ''}{escape(document.title)} — "
        f"{escape(document.subtitle)}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def write_html(document: Document, path: Path) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(render_html(document), encoding="utf-8")
    tmp.replace(path)
