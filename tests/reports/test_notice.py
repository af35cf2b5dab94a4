"""The s.231/s.231A notices: one per workplace, each figure read back against the verifier's,
and the mandate's dates from the rules in force on the opening day (reports.md §6)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from reporttools import pdf_text, render_pages

from tellers.reports import verified_figures
from tellers.reports.document import number
from tellers.reports.figures import label
from tellers.reports.notice import add_months, mandate_ends, notice_email, result_notices
from tellers.reports.pdf import write_pdf
from tellers.statute import rules_in_force
from tellers.verify import verify_record

Records = Callable[[str], Path]


def check_notices(record: Path, tmp_path: Path, name: str) -> dict[str, str]:
    """Each workplace's notice holds exactly the verifier's figures for its contests."""
    figures = verify_record(record, workers=1).figures
    found = verified_figures(record)
    notices = result_notices(found, date(2026, 3, 24))
    workplaces = found.manifest.constituencies
    assert [n.group.constituencies for n in notices] == [(w,) for w in workplaces]
    texts = {}
    for notice in notices:
        path = tmp_path / f"{notice.slug}.pdf"
        write_pdf(notice.document, path)
        render_pages(path, f"notice-{name}-{notice.slug}")
        text = pdf_text(path)
        mine = [
            c
            for c in figures["contests"]
            if found.contest(c["id"]).constituencies == notice.group.constituencies
        ]
        assert len(mine) == 2  # strike and action short of a strike
        assert f"Number entitled to vote {number(mine[0]['electorate'])}" in text
        assert f"Votes cast {number(mine[0]['ballots'])}" in text
        for c in mine:
            title = found.contest(c["id"]).title
            votes = text[text.index(f"Votes: {title}") :]
            assert votes.startswith(
                f"Votes: {title} Answer Votes Yes {number(c['counts']['yes'])} "
                f"No {number(c['counts']['no'])} Spoilt or blank {number(c['blank'])} "
                f"Votes cast {number(c['ballots'])}"
            )
            for t in c["thresholds"]:
                met = "met" if t["met"] else "NOT MET"
                row = f"{label(t['name'])} {number(t['required'])} {number(t['achieved'])} {met}"
                assert row in votes
        others = [w for w in workplaces if (w,) != notice.group.constituencies]
        assert all(f"Result for {w}" not in text for w in others)
        email = notice_email(notice, "employer")
        assert "s.231A" in email and f"at {notice.group.name}" in email
        assert number(mine[0]["electorate"]) in email
        texts[notice.slug] = text
    return texts


def test_the_strike_ballot_has_a_notice_per_workplace_with_the_verified_figures(
    records: Records, tmp_path: Path
) -> None:
    texts = check_notices(records("strike-ballot"), tmp_path, "strike")
    for text in texts.values():  # turnout short of 50%: no mandate, and the notice says so
        assert "NOT MET" in text and "gives no mandate" in text


@pytest.mark.parametrize(
    ("name", "months", "days", "ends", "earliest"),
    [
        # Opened 2 February 2026: the Trade Union Act 2016's 6 months and 14 days.
        ("strike-carried-before", 6, 14, date(2026, 8, 15), date(2026, 4, 7)),
        # Opened 2 March 2026, after the Employment Rights Act 2025: 12 months and 10 days.
        ("strike-carried-after", 12, 10, date(2027, 3, 15), date(2026, 4, 3)),
    ],
)
def test_a_carried_ballot_states_the_mandate_and_notice_in_force_on_its_opening_day(
    records: Records, tmp_path: Path, name: str, months: int, days: int, ends: date, earliest: date
) -> None:
    texts = check_notices(records(name), tmp_path, name)
    opened = date.fromisoformat(verified_figures(records(name)).manifest.opens[:10])
    rules = rules_in_force(opened)
    for text in texts.values():
        assert "Result: YES, and every threshold is met." in text
        assert f"The mandate's length: {rules.source('mandate_months')}." in text
        assert f"The notice period: {rules.source('notice_days')}." in text
        assert f"Mandate ends ({months} months) {ends.day} {ends:%B %Y}" in text
        assert f"({days} days' notice) {earliest.day} {earliest:%B %Y}" in text


def test_calendar_months_and_the_mandate_period() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    # The period "beginning with" the ballot's date ends the day before the same date on.
    assert mandate_ends(date(2026, 3, 16), 12) == date(2027, 3, 15)
    assert mandate_ends(date(2026, 8, 31), 6) == date(2027, 2, 27)


def test_an_aggregated_ballot_has_one_notice(records: Records) -> None:
    found = verified_figures(records("unite-2017-hybrid"))
    (notice,) = result_notices(found)
    assert notice.group.electorate == found.figures["electorate"]
    assert "s.231" not in notice_email(notice, "members").split("\n\n", 2)[2]
