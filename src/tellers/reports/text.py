"""A ``Document`` as plain text, for the body of an email (reports.md §6).

Tables become aligned columns, notices a framed paragraph, a chart its data
as a table under its description. Lines stay under 78 characters where the
words allow, so mail clients do not re-wrap the figures.
"""

from __future__ import annotations

import textwrap

from tellers.reports.document import Chart, Document, Heading, Notice, Para, Table, chart_table

__all__ = ["render_text"]

_WIDTH = 76


def _table(t: Table) -> list[str]:
    rows = [t.header, *t.rows] if any(t.header) else list(t.rows)
    widths = [max(len(r[i]) for r in rows) for i in range(len(t.header))]
    out = [t.caption]
    if sum(widths) + 2 * len(widths) > _WIDTH:  # too wide for a mail client: a row a paragraph
        for row in t.rows:
            out += textwrap.wrap(
                "; ".join(f"{h}: {c}" if h else c for h, c in zip(t.header, row, strict=True)),
                _WIDTH,
                initial_indent="  ",
                subsequent_indent="    ",
            )
        return out
    for n, row in enumerate(rows):
        cells = [
            cell.rjust(widths[i]) if i in t.numeric else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        out.append("  " + "  ".join(cells).rstrip())
        if n == 0 and any(t.header):
            out.append("  " + "  ".join("-" * w for w in widths))
    return out


def render_text(document: Document, opening: str = "") -> str:
    lines = [document.title, "=" * len(document.title), *textwrap.wrap(document.subtitle, _WIDTH)]
    if document.draft:
        lines[:0] = [*textwrap.wrap(document.draft, _WIDTH), ""]
    if opening:
        lines += ["", *textwrap.wrap(opening, _WIDTH)]
    for block in document.blocks:
        lines.append("")
        if isinstance(block, Heading):
            lines += [block.text, ("=" if block.level <= 2 else "-") * len(block.text)]
        elif isinstance(block, Para):
            lines += textwrap.wrap(block.text, _WIDTH)
        elif isinstance(block, Notice):
            lines.append("*" * _WIDTH)
            lines.append(f"* {block.title}")
            for line in block.lines:
                lines += ["* " + w for w in textwrap.wrap(line, _WIDTH - 2)]
            lines.append("*" * _WIDTH)
        elif isinstance(block, Table):
            lines += _table(block)
        elif isinstance(block, Chart):
            lines += textwrap.wrap(block.description, _WIDTH)
            lines += _table(chart_table(block))
    if document.footer:
        lines += ["", document.footer]
    return "\n".join(lines) + "\n"
