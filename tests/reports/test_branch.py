"""The 300-member branch strike ballot either side of 18 February 2026: the per-workplace
notices and the s.52 report carry the verifier's figures, and the 40% rule decides the
hospital's action short of a strike only before the repeal (REQUIREMENTS.md 13, 14)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from reporttools import pdf_text, render_pages
from test_notice import check_notices

from tellers.reports import s52_report, verified_figures
from tellers.reports.document import number
from tellers.reports.pdf import write_pdf
from tellers.verify import verify_record

pytest.importorskip("tellers.simulate_branch")

Records = Callable[[str], Path]


@pytest.mark.parametrize("name", ["branch-strike-before", "branch-strike-after"])
def test_the_branch_ballots_notices_and_report_carry_the_verified_figures(
    records: Records, tmp_path: Path, name: str
) -> None:
    record = records(name)
    texts = check_notices(record, tmp_path, name)
    assert set(texts) == {"hospital", "depot"}
    hospital = texts["hospital"]
    # Action short of a strike at the hospital: 58 Yes of 160 entitled, under 40% (64).
    if name == "branch-strike-before":
        assert "Yes votes of those entitled 64 58 NOT MET" in hospital
        assert "Mandate ends (6 months)" in hospital
    else:
        assert "Yes votes of those entitled" not in hospital
        assert "Mandate ends (12 months)" in hospital
    assert "Yes votes of those entitled" not in texts["depot"]  # not flagged
    figures = verify_record(record, workers=1).figures
    path = tmp_path / "s52.pdf"
    write_pdf(s52_report(verified_figures(record)), path)
    render_pages(path, f"s52-{name}")
    text = pdf_text(path)
    found = verified_figures(record)
    for contest in figures["contests"]:
        title = found.contest(contest["id"]).title
        table = text[text.index(f"Votes: {title} Choice Votes") :][:400]
        assert f"Yes {number(contest['counts']['yes'])} " in table
        assert f"No {number(contest['counts']['no'])} " in table
        assert f"Blank or spoilt (no valid choice) {number(contest['blank'])} " in table
        assert f"Entitled to vote {number(contest['electorate'])} " in table
