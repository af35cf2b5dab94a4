"""CSV cells a spreadsheet shows as text and never runs as a formula.

A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is taken by Excel, LibreOffice and Google Sheets as a formula: a member
named ``=HYPERLINK("https://…", "click")`` on the roll would become a live
link, or worse, in the scrutineer's or the mail house's sheet. Every CSV
Tellers writes for people passes its cells through ``safe_cell``, which
puts an apostrophe before such a cell (the spreadsheets' own mark for
"text"; they do not show it). The apostrophe is added before a cell that
already begins with one too, so ``plain_cell`` undoes exactly what
``safe_cell`` did, and a file Tellers wrote reads back as it was.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["TRIGGERS", "plain_cell", "safe_cell", "safe_row"]

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
"""A cell starting with one of these is written with an apostrophe before it."""


def safe_cell(value: object) -> str:
    """The cell as text that no spreadsheet evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(TRIGGERS) else text


def plain_cell(text: str) -> str:
    """The cell ``safe_cell`` was given: its apostrophe, where it added one, removed."""
    return text[1:] if text.startswith("'") and text[1:].startswith(TRIGGERS) else text


def safe_row(values: Iterable[object]) -> list[str]:
    return [safe_cell(v) for v in values]
