"""The s.52 report: every figure read back from the PDF against the verifier's (reports.md §5).

The expected figures come from ``verify_record`` run here, independently of
the report's own call; the report's PDF text is read back with pypdfium2 and
each figure looked for beside its label. The pages are rendered to
``test-artifacts/reports/`` so a person can look at them.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from reporttools import pdf_text, render_pages

from tellers.reports import parse_logs, parse_statements, s52_report, verified_figures
from tellers.reports.document import number
from tellers.reports.figures import figures_from_json, label, reason_text
from tellers.reports.html import render_html
from tellers.reports.pdf import write_pdf
from tellers.verify import verify_record

Records = Callable[[str], Path]

REASON = "The opening house's store room was left unlocked on 9 March; papers were unattended."


def statements(election: str, *, arrangements: bool = False) -> str:
    return json.dumps(
        {
            "format": "tellers-statements/v1",
            "election_id": election,
            "scrutineer": "Independent Scrutineer Ltd",
            "made_on": "2026-03-25",
            "no_breach": {"satisfied": True},
            "arrangements_adequate": {
                "satisfied": arrangements,
                "reasons": "" if arrangements else REASON,
            },
            "no_interference": {"satisfied": True},
            "register": {
                "inspected": True,
                "inspected_by": "the scrutineer",
                "on_request": 2,
                "own_instance": 1,
                "requests_declined": 1,
                "matters": "",
            },
            "persons": [{"name": "Opening House Ltd", "duties": ["store", "count"]}],
        },
        indent=2,
    )


LOGS = "\n".join(
    [
        json.dumps(
            {
                "format": "tellers-logs/v1",
                "election_id": "unite-gs-2017-hybrid",
                "delivery": {"emails_sent": 1401, "emails_bounced": 37, "letters_returned": 12},
            }
        ),
        json.dumps(
            {
                "at": "2026-03-02T08:00:00+00:00",
                "role": "mail house",
                "person": "Mail House plc",
                "action": "papers posted",
                "detail": "first issue",
                "duty": "distribute",
            }
        ),
        json.dumps(
            {
                "at": "2026-03-24T10:00:00+00:00",
                "role": "opening house",
                "person": "Opening House Ltd",
                "action": "returns opened",
                "detail": "",
                "duty": "count",
            }
        ),
    ]
)


def _made(records: Records, tmp_path: Path, **kw: Any) -> tuple[dict[str, Any], str, Path]:
    record = records("unite-2017-hybrid")
    found = verified_figures(record)
    given = parse_statements(statements(found.manifest.election_id, **kw))
    document = s52_report(found, given, parse_logs(LOGS))
    path = tmp_path / "s52.pdf"
    write_pdf(document, path)
    report = verify_record(record, workers=1)
    assert report.valid
    return report.to_json(), pdf_text(path), path


def test_every_figure_of_the_hybrid_report_reads_back_from_its_pdf(
    records: Records, tmp_path: Path
) -> None:
    figures, text, path = _made(records, tmp_path)
    render_pages(path, "s52-unite-2017-hybrid")
    assert f"Entitled to vote {number(figures['electorate'])}" in text
    assert f"Ballots counted {number(figures['ballots_counted'])}" in text
    assert f"Turnout {figures['turnout']['percent']}%" in text
    assert figures["channels"]["postal"]["replacements"] > 0  # the scenario has one to show
    looked = 0
    for channel, found in figures["channels"].items():
        assert label(channel) in text
        for key, value in found.items():
            if isinstance(value, dict):
                for reason, n in value.items():
                    assert f"{label(key)}: {reason_text(reason)} {number(n)}" in text
                    looked += 1
            else:
                assert f"{label(key)} {number(value)}" in text, (channel, key)
                looked += 1
    assert looked >= 10
    for contest in figures["contests"]:
        for choice, n in contest["counts"].items():
            name = {"mccluskey": "McCluskey", "coyne": "Coyne", "allinson": "Allinson"}[choice]
            assert re.search(rf"{name}\w* {number(n)}\b", text), (choice, n)
        assert f"Blank or spoilt (no valid choice) {number(contest['blank'])}" in text
    assert figures["root"] in text
    assert figures["fingerprint"] in text


def test_a_statement_not_satisfied_comes_first_with_its_reasons(
    records: Records, tmp_path: Path
) -> None:
    _, text, _ = _made(records, tmp_path)
    assert "The scrutineer is NOT satisfied" in text
    assert f"The scrutineer's reasons: {REASON}" in text
    # Before any figure: the first page's reader meets it first.
    assert text.index("NOT satisfied") < text.index("Entitled to vote")
    _, text, _ = _made(records, tmp_path, arrangements=True)
    assert "NOT satisfied" not in text and REASON not in text


def test_the_register_the_persons_and_the_delivery_counts_are_in_the_report(
    records: Records, tmp_path: Path
) -> None:
    _, text, _ = _made(records, tmp_path)
    assert "2 time(s) on a member's or candidate's request" in text
    assert "Requests to inspect the register declined: 1." in text
    assert "Opening House Ltd store, count" in text
    assert "Distributed Mail House plc mail house 1" in text
    assert "Counted Opening House Ltd opening house 1" in text
    # Logged distributing, but not among the appointed persons: the report says so.
    assert "Logged doing a duty, but not appointed" in text and "Mail House plc stored" in text
    assert "Emails sent 1,401" in text and "Emails bounced 37" in text
    assert "Letters returned 12" in text


def test_without_statements_the_report_is_a_draft(records: Records, tmp_path: Path) -> None:
    document = s52_report(verified_figures(records("strike-ballot")))
    path = tmp_path / "draft.pdf"
    write_pdf(document, path)
    text = pdf_text(path)
    assert text.index("DRAFT") < text.index("Entitled to vote")


def test_the_returns_chart_counts_what_the_channels_count(records: Records) -> None:
    found = verified_figures(records("unite-2017-hybrid"))
    channels = verify_record(records("unite-2017-hybrid"), workers=1).figures["channels"]
    assert found.returns.total("postal") == channels["postal"]["returned"]
    assert found.returns.total("online") == channels["online"]["accepted"]
    assert found.returns.unit == "day"
    assert len(found.returns.buckets) == 22  # 2 to 23 March
    kept = json.loads(json.dumps(found.to_json()))  # as the site keeps them beside the record
    assert figures_from_json(kept) == found


class _Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.headings: list[int] = []
        self.tables = 0
        self.captions = 0
        self.table_th: list[int] = []
        self.svgs: list[dict[str, str | None]] = []
        self.svg_titles = 0
        self.svg_descs = 0
        self.imgs_without_alt = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang") or ""
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "table":
            self.tables += 1
            self.table_th.append(0)
        elif tag == "caption":
            self.captions += 1
        elif tag == "th":
            self.table_th[-1] += 1
        elif tag == "svg":
            self.svgs.append(a)
        elif tag == "title" and self.svgs:
            self.svg_titles += 1
        elif tag == "desc":
            self.svg_descs += 1
        elif tag == "img" and not a.get("alt"):
            self.imgs_without_alt += 1


def test_the_html_twin_is_structured_for_a_screen_reader(records: Records, tmp_path: Path) -> None:
    found = verified_figures(records("unite-2017-hybrid"))
    page = render_html(s52_report(found, parse_statements(statements(found.manifest.election_id))))
    (tmp_path / "s52.html").write_text(page)
    s = _Structure()
    s.feed(page)
    assert s.lang == "en-GB"
    assert s.headings[0] == 1 and s.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(s.headings, s.headings[1:], strict=False))
    assert s.tables >= 6 and s.captions == s.tables and all(n > 0 for n in s.table_th)
    assert len(s.svgs) == 2 and s.svg_titles == 2 and s.svg_descs == 2
    assert all(svg.get("role") == "img" and svg.get("aria-labelledby") for svg in s.svgs)
    assert s.imgs_without_alt == 0
    shown = html.unescape(page)
    assert 'role="alert"' in page and REASON in shown
    for channel, figures in found.figures["channels"].items():
        for key, value in figures.items():
            if isinstance(value, int):
                row = f'<th scope="row">{label(key)}</th><td class="n">{number(value)}</td>'
                assert row in shown, (channel, key)


def test_statements_for_another_election_are_refused(records: Records) -> None:
    found = verified_figures(records("strike-ballot"))
    other = parse_statements(statements("some-other-ballot"))
    with pytest.raises(ValueError, match="election_id: expected 'strike-ballot-2026'"):
        s52_report(found, other)


def test_an_online_ballot_reports_its_re_votes_and_refusals_from_the_checked_board(
    records: Records, tmp_path: Path
) -> None:
    """No papers, so no channel figures from the verifier: the online channel's counts come
    from the board's events, which the verifier checked one by one."""
    record = records("ul-hustings-2020")
    lines = (record / "board.jsonl").read_bytes().splitlines()
    accepted = sum(b'"type":"ballot-accepted"' in line for line in lines)
    superseding = sum(b'"supersedes":"' in line for line in lines)
    assert superseding > 0  # the scenario has re-votes
    figures = verify_record(record, workers=1).figures
    assert "channels" not in figures
    path = tmp_path / "hustings.pdf"
    write_pdf(s52_report(verified_figures(record)), path)
    text = pdf_text(path)
    assert f"Credentials sent out (online) {number(figures['electorate'])}" in text
    assert f"Ballots received {number(accepted)}" in text
    assert f"Counted {number(figures['ballots_counted'])}" in text
    assert f"{label('superseded')} {number(superseding)}" in text


def test_a_channel_or_figure_added_later_appears_without_changing_the_documents(
    records: Records, tmp_path: Path
) -> None:
    """The documents iterate over the figures: a new channel, a new count and a new refusal
    reason are printed as the verifier would give them, under their own names."""
    found = verified_figures(records("unite-2017-hybrid"))
    channels = dict(found.figures["channels"])
    channels["sms"] = {"accepted": 17, "counted": 15, "refused": {"stale-code": 2}}
    postal = dict(channels["postal"]) | {"reminders_posted": 321}
    channels["postal"] = postal
    later = dataclasses.replace(found, figures=found.figures | {"channels": channels})
    path = tmp_path / "later.pdf"
    write_pdf(s52_report(later), path)
    text = pdf_text(path)
    assert "Sms Figure Number Ballots received 17 Counted 15" in text
    assert "Not counted: stale code 2" in text
    assert "Reminders posted 321" in text
    assert "Sms stale code 2" in text  # in the refusals table too


def test_a_draft_is_marked_on_every_page_of_the_pdf_html_and_text(
    records: Records, tmp_path: Path
) -> None:
    import pypdfium2

    from tellers.reports.document import DRAFT_UNPUBLISHED, as_draft
    from tellers.reports.text import render_text

    found = verified_figures(records("strike-ballot"))
    final = s52_report(found, parse_statements(statements(found.manifest.election_id), "s"))
    draft = as_draft(final)
    path = tmp_path / "draft-unpublished.pdf"
    write_pdf(draft, path)
    render_pages(path, "s52-draft-unpublished")
    mark = " ".join(DRAFT_UNPUBLISHED.split())
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        pages = [" ".join(p.get_textpage().get_text_range().split()) for p in pdf]
    finally:
        pdf.close()
    assert len(pages) > 1 and all(page.startswith(f"DRAFT {mark}") for page in pages)
    assert pdf_text(path).replace(mark, "").count("DRAFT") == len(pages)  # and across each
    page = render_html(draft)
    assert page.index('id="draft-mark"') < page.index("<h1>") and "<title>DRAFT: " in page
    assert render_text(draft).startswith(DRAFT_UNPUBLISHED[:40])
    # The figures are the final document's: only the mark differs.
    assert dataclasses.replace(draft, draft="") == final
    assert "DRAFT" not in render_html(final) and "draft-mark" not in render_html(final)
    with pytest.raises(ValueError, match="a draft's mark"):
        as_draft(final, " ")
