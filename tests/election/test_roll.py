"""Roll import: errors give file and line; nothing is half-imported (record.md §8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from recordtools import small_manifest

from tellers.election.roll import check_roll_csv, read_roll_csv
from tellers.errors import RollError

HEADER = "member_id,constituency,name,email\n"


def test_reads_members_in_order_with_contact_fields() -> None:
    roll = read_roll_csv([HEADER, "M1,north,Ann,a@x\n", "\n", "M2 , south ,Bob,b@x\n"])
    assert [(m.member_id, m.constituency) for m in roll] == [("M1", "north"), ("M2", "south")]
    assert roll.members[0].contact == (("name", "Ann"), ("email", "a@x"))
    assert [m.line for m in roll] == [2, 4]
    assert roll.electorate(small_manifest()) == {"president": 2, "strike-north": 1}


def test_reads_a_file_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "roll.csv"
    path.write_text("\ufeff" + HEADER + "M1,north,Ann,a@x\n", encoding="utf-8")
    assert len(read_roll_csv(path)) == 1


@pytest.mark.parametrize(
    ("rows", "line", "problem"),
    [
        (["M1,north,Ann,a@x\n", "M2,south,Bob\n"], 3, "expected 4 fields"),
        (["M1,north,Ann,a@x\n", "\n", "\n", ",south,Bob,b@x\n"], 5, "member_id is empty"),
        (["M1, ,Ann,a@x\n"], 2, "constituency is empty"),
        (
            ["M1,north,Ann,a@x\n", "M2,north,B,b\n", "M1,south,C,c\n"],
            4,
            "already appears on line 2",
        ),
        (['M1,north,"Ann,a@x\n'], 2, "expected 4 fields"),  # an unclosed quote eats the rest
        ([], 2, "the roll has no members"),
        (["\n", "\n"], 2, "the roll has no members"),
    ],
)
def test_bad_rows_name_file_and_line(rows: list[str], line: int, problem: str) -> None:
    with pytest.raises(RollError) as caught:
        read_roll_csv([HEADER, *rows], name="members.csv")
    assert (caught.value.path, caught.value.line) == ("members.csv", line)
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"members.csv:{line}: ")


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("member_id,name\n", r"lacks column\(s\) constituency"),
        ("id,region\n", r"lacks column\(s\) member_id, constituency"),
        ("member_id,constituency,name,name\n", "repeats a column"),
    ],
)
def test_bad_headers_are_line_1(header: str, problem: str) -> None:
    with pytest.raises(RollError, match=problem) as caught:
        read_roll_csv([header, "M1,north,x,y\n"], name="members.csv")
    assert caught.value.line == 1


def test_an_empty_file_and_a_missing_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(RollError, match="expected a header row") as caught:
        read_roll_csv(empty)
    assert (caught.value.path, caught.value.line) == (str(empty), 1)
    with pytest.raises(RollError, match="cannot read the roll") as caught:
        read_roll_csv(tmp_path / "absent.csv")
    assert caught.value.line == 0


def test_a_file_not_in_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(HEADER.encode() + "M1,north,Zoë,z@x\n".encode("latin-1"))
    with pytest.raises(RollError, match="not UTF-8"):
        read_roll_csv(path)


def test_a_bad_row_in_a_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "roll.csv"
    path.write_text(HEADER + "M1,north,Ann,a@x\nM1,north,Ann,a@x\n")
    with pytest.raises(RollError, match=rf"^{path}:3: member_id 'M1' already appears on line 2"):
        read_roll_csv(path)


def test_constituencies_are_checked_against_the_manifest() -> None:
    roll = read_roll_csv([HEADER, "M1,north,A,a\n", "M2,east,B,b\n"])
    with pytest.raises(RollError, match=r"roll\.csv:3: constituency 'east' is not in the manifest"):
        roll.check_against(small_manifest(), "roll.csv")


def test_constituency_errors_count_blank_lines() -> None:
    roll = read_roll_csv([HEADER, "\n", "M1,north,A,a\n", "\n", "\n", "M2,east,B,b\n"])
    with pytest.raises(RollError, match=r"roll\.csv:6: constituency 'east'"):
        roll.check_against(small_manifest(), "roll.csv")


def test_check_roll_csv_lists_every_problem_with_its_line() -> None:
    rows = ["M1,north,A,a\n", "\n", "M1,south,B,b\n", ",north,C,c\n", "\n", "M4,west,D,d\n"]
    roll, problems = check_roll_csv([HEADER, *rows], "roll.csv", small_manifest())
    assert roll is None
    assert [(p.line, p.problem.split(" (")[0]) for p in problems] == [
        (4, "member_id 'M1' already appears on line 2"),
        (5, "member_id is empty"),
        (7, "constituency 'west' is not in the manifest"),
    ]


def test_check_roll_csv_stops_at_the_limit_or_a_bad_header() -> None:
    rows = [",north,A,a\n"] * 5
    assert len(check_roll_csv([HEADER, *rows], "r.csv", small_manifest(), limit=3)[1]) == 3
    roll, problems = check_roll_csv(["id,region\n", "M1,north\n"], "r.csv", small_manifest())
    assert roll is None and [p.line for p in problems] == [1]
    roll, problems = check_roll_csv([HEADER, "M1,north,A,a\n"], "r.csv", small_manifest())
    assert roll is not None and len(roll) == 1 and problems == []
