"""``tellers report s52`` and ``tellers report notice`` as an officer or scrutineer runs them;
a tampered record or a document's figures passed off in a statements file are refused."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from reporttools import pdf_text
from test_s52 import LOGS, REASON, statements

from tellers import canonical
from tellers.cli import main
from tellers.verify import CHECKS

Records = Callable[[str], Path]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_s52_writes_the_pdf_and_its_html_twin(
    records: Records, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = records("unite-2017-hybrid")
    given = tmp_path / "statements.json"
    given.write_text(statements("unite-gs-2017-hybrid"))
    logs = tmp_path / "logs.jsonl"
    logs.write_text(LOGS)
    pdf, html = tmp_path / "s52.pdf", tmp_path / "s52.html"
    code, out, err = _run(
        capsys, "report", "s52", str(record), "--out", str(pdf), "--html", str(html),
        "--statements", str(given), "--logs", str(logs), "--workers", "1",
    )  # fmt: skip
    assert code == 0, err
    assert out.split() == [str(pdf), str(html)]
    assert REASON in pdf_text(pdf)
    assert "The scrutineer is NOT satisfied" in html.read_text()


def test_notice_writes_a_pdf_and_two_emails_per_workplace(
    records: Records, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "notices"
    code, _, err = _run(
        capsys, "report", "notice", str(records("strike-ballot")), "--out", str(out_dir),
        "--issued", "2026-03-24", "--workers", "1",
    )  # fmt: skip
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == [
        f"{w}{end}"
        for w in ("north-depot", "south-depot")
        for end in ("-employer.txt", "-members.txt", ".pdf")
    ]
    email = " ".join((out_dir / "north-depot-members.txt").read_text().split())
    assert "given on 24 March 2026" in email and "as s.231 requires" in email


def test_a_tampered_record_is_refused_naming_the_failed_check(
    records: Records, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The officer raises a Yes count in the published result: no document is made."""
    record = tmp_path / "record"
    shutil.copytree(records("strike-ballot"), record)
    result = json.loads((record / "result.json").read_text())
    result["contests"][0]["counts"]["yes"] += 5
    (record / "result.json").write_bytes(canonical.dumps(result) + b"\n")
    for args in (["s52", str(record), "--out", str(tmp_path / "x.pdf")],
                 ["notice", str(record), "--out", str(tmp_path / "n")]):  # fmt: skip
        code, _, err = _run(capsys, "report", *args, "--workers", "1")
        assert code == 1
        found = re.search(
            r"the record does not verify, so no document is made from it: \[([a-z-]+)\]", err
        )
        assert found and found.group(1) in CHECKS, err
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "n").exists()


def test_a_statements_file_cannot_carry_figures(
    records: Records, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Figures come from the record only: a statements file that states one is refused."""
    raw = json.loads(statements("strike-ballot-2026"))
    raw["ballots_counted"] = 9999
    given = tmp_path / "statements.json"
    given.write_text(json.dumps(raw, indent=2))
    code, _, err = _run(
        capsys, "report", "s52", str(records("strike-ballot")), "--out", str(tmp_path / "x.pdf"),
        "--statements", str(given), "--workers", "1",
    )  # fmt: skip
    assert code == 1
    assert f"{given}:" in err and "ballots_counted: unknown field" in err
    assert not (tmp_path / "x.pdf").exists()
