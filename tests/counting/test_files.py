"""Ballot files, the command line and thresholds."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from tellers.cli import main
from tellers.counting import Rules, check_thresholds, count, parse_blt, read_blt, write_blt
from tellers.errors import BallotFileError

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "counting"


def test_hand_example_irv() -> None:
    assert count(read_blt(VECTORS / "three-way.blt"), Rules("irv")).winners == ("B",)


def test_blt_round_trips() -> None:
    election = read_blt(VECTORS / "three-way.blt")
    assert parse_blt(write_blt(election)) == election


def test_malformed_blt_names_file_and_line() -> None:
    with pytest.raises(BallotFileError) as info:
        read_blt(VECTORS / "bad-weight.blt")
    assert info.value.line == 3
    assert "bad-weight.blt:3" in str(info.value)


def test_cli_reports_bad_file_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["count", str(VECTORS / "bad-weight.blt"), "--method", "irv"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad-weight.blt:3" in err


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["count", str(VECTORS / "three-way.blt"), "--method", "stv-ers97", "--json"]) == 0
    assert '"winners": [\n    "B"\n  ]' in capsys.readouterr().out


def test_thresholds() -> None:
    res = check_thresholds(
        entitled=1000,
        turnout=500,
        yes=201,
        no=200,
        min_turnout=Fraction(1, 2),
        min_yes_of_entitled=Fraction(2, 5),
    )
    assert [(r.name, r.met) for r in res] == [
        ("turnout", True),
        ("majority", True),
        ("yes of entitled", False),
    ]
