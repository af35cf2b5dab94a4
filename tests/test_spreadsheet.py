"""CSV cells are never formulas, and read back exactly (``tellers.spreadsheet``)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tellers.spreadsheet import TRIGGERS, plain_cell, safe_cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@given(st.text())
def test_a_safe_cell_is_never_a_formula_and_reads_back_as_it_was(text: str) -> None:
    cell = safe_cell(text)
    assert not cell.startswith(FORMULA_STARTS)
    assert plain_cell(cell) == text


@given(st.sampled_from(TRIGGERS), st.text())
def test_only_cells_that_need_it_get_the_apostrophe(first: str, rest: str) -> None:
    assert safe_cell(first + rest) == "'" + first + rest
    ordinary = "x" + rest
    assert safe_cell(ordinary) == ordinary == plain_cell(ordinary)


def test_a_formula_is_shown_as_text() -> None:
    assert safe_cell('=HYPERLINK("https://evil.example")') == '\'=HYPERLINK("https://evil.example")'
    assert safe_cell(-5) == "'-5" and safe_cell(None) == "" and safe_cell("O'Neill") == "O'Neill"
