"""The roll's quality checks: for each check, a roll written to a file that trips it, and
the report's count and examples read back against the rows planted (REQUIREMENTS 4, 18, 22)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from tellers.election.roll_checks import (
    BLOCKING,
    GROUNDS,
    JOINED_LATE,
    WARNINGS,
    Finding,
    RollReport,
    RollRules,
    check_roll,
    entitled_members,
    mailing_fields,
    report_from_json,
    report_to_json,
)
from tellers.errors import RollError

__all__: list[str] = []

CONSTITUENCIES = ("north", "south")
FREEZE = date(2026, 1, 31)
HEADER = ["member_id", "constituency", "name", "date_of_birth", "postal_address", "postcode",
          "email", "excluded", "joined"]  # fmt: skip


def clean(n: int) -> dict[str, str]:
    """A member no check trips on: own name, birthday, house, postcode and personal email."""
    return {
        "member_id": f"M{n:05d}",
        "constituency": CONSTITUENCIES[n % 2],
        "name": f"Member {n}",
        "date_of_birth": f"19{50 + n % 40}-0{1 + n % 9}-1{n % 10}",
        "postal_address": f"{n} Long Road, Leeds",
        "postcode": "LS1 4AP",
        "email": f"member{n}@personal.example",
        "excluded": "",
        "joined": "2001-05-01",
    }


def write(tmp_path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    path = tmp_path / "roll.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(path: Path, rules: RollRules | None = None) -> RollReport:
    rules = rules or RollRules(relevant_date=FREEZE)
    with path.open(newline="", encoding="utf-8") as handle:
        return check_roll(handle, path.name, CONSTITUENCIES, rules)


def finding(report: RollReport, check: str) -> Finding:
    found = {f.check: f for f in report.findings}
    assert check in found, f"{check} not among {sorted(found)}"
    return found[check]


def roll_with(tmp_path: Path, changes: dict[int, dict[str, str]], n: int = 30) -> Path:
    """``n`` clean members (lines 2..n+1), member i changed as ``changes[i]`` says."""
    return write(tmp_path, [{**clean(i), **changes.get(i, {})} for i in range(n)])


def test_a_clean_roll_trips_nothing(tmp_path: Path) -> None:
    report = run(roll_with(tmp_path, {}))
    assert report.findings == () and not report.blocked
    assert (report.rows, report.entitled, report.exclusions) == (30, 30, ())


def test_duplicate_membership_number_blocks(tmp_path: Path) -> None:
    path = roll_with(tmp_path, {7: {"member_id": "M00003"}})
    report = run(path)
    f = finding(report, "duplicate-number")
    assert f.blocking and f.count == 1 and report.blocked
    assert f.examples[0].lines == (5, 9) and f.examples[0].value == "M00003"
    assert any("roll.csv:9" in p and "already appears on line 5" in p for p in report.problems())


def test_same_person_by_name_and_date_of_birth(tmp_path: Path) -> None:
    twin = {
        "name": "member 4",
        "date_of_birth": clean(4)["date_of_birth"],
        "postal_address": "9 Elm",
    }
    report = run(roll_with(tmp_path, {20: twin}))
    f = finding(report, "duplicate-name-dob")
    assert not f.blocking and f.count == 1 and f.examples[0].lines == (6, 22)
    assert "Member 4" in f.examples[0].value or "member 4" in f.examples[0].value
    assert not report.blocked


def test_british_dates_and_iso_dates_are_the_same_birthday(tmp_path: Path) -> None:
    born = clean(4)["date_of_birth"]
    y, m, d = born.split("-")
    report = run(roll_with(tmp_path, {11: {"name": "Member 4", "date_of_birth": f"{d}/{m}/{y}"}}))
    assert finding(report, "duplicate-name-dob").examples[0].lines == (6, 13)


def test_same_person_by_name_and_address(tmp_path: Path) -> None:
    again = {"name": "MEMBER  12", "postal_address": "12 long road,\nLEEDS", "date_of_birth": ""}
    report = run(roll_with(tmp_path, {25: again}))
    f = finding(report, "duplicate-name-address")
    assert f.count == 1 and f.examples[0].lines == (14, 27)


@pytest.mark.parametrize("limit", [3, 10])
def test_many_members_at_one_address(tmp_path: Path, limit: int) -> None:
    crowd = {
        i: {"postal_address": "1 Mill Lane\nHull", "postcode": "HU1 1AA"} for i in range(5, 17)
    }
    report = run(roll_with(tmp_path, crowd), RollRules(relevant_date=FREEZE, address_limit=limit))
    f = finding(report, "shared-address")
    assert f.count == 1
    assert f.examples[0].value.startswith("12 members: 1 Mill Lane, Hull")
    assert f.examples[0].lines[0] == 7  # the first member there
    under = run(roll_with(tmp_path, crowd), RollRules(relevant_date=FREEZE, address_limit=12))
    assert "shared-address" not in {x.check for x in under.findings}


def test_workplace_email_by_the_officers_list_and_by_the_employer_column(tmp_path: Path) -> None:
    rows = [clean(i) for i in range(10)]
    rows[2]["email"] = "a.worker@leeds.gov.uk"
    rows[3]["email"] = "b.worker@mail.nhs.net"  # a subdomain of a listed domain
    rows[6] = {**rows[6], "email": "c@acme.example", "employer_domain": "acme.example"}
    path = write(tmp_path, rows, [*HEADER, "employer_domain"])
    rules = RollRules(relevant_date=FREEZE, employer_domains=frozenset({"leeds.gov.uk", "nhs.net"}))
    f = finding(run(path, rules), "workplace-email")
    assert f.count == 3
    assert [e.lines for e in f.examples] == [(4,), (5,), (8,)]
    assert f.examples[0].value == "a.worker@leeds.gov.uk"
    assert "workplace-email" in {x.check for x in run(path).findings}  # the column alone: 1
    assert finding(run(path), "workplace-email").count == 1


def test_a_phone_is_a_contact_and_goes_on_the_mailing_roll(tmp_path: Path) -> None:
    rows = [{**clean(i), "postal_address": "", "postcode": "", "email": ""} for i in range(3)]
    rows[0]["mobile"] = "07700 900123"  # reachable by SMS: no post, but not out of contact
    path = write(tmp_path, rows, [*HEADER, "mobile"])
    report = run(path)
    assert finding(report, "missing-address").examples[0].lines == (2,)
    assert finding(report, "no-contact").count == 2
    with path.open(newline="", encoding="utf-8") as handle:
        phones = [fields[3] for _, fields in entitled_members(handle, "roll.csv", RollRules())]
    assert phones == ["07700 900123", "", ""]


def test_missing_and_undeliverable_addresses(tmp_path: Path) -> None:
    changes = {
        1: {"postal_address": "", "postcode": ""},  # email only: no paper can be posted
        2: {"postal_address": "", "postcode": "", "email": ""},  # nothing at all
        3: {"postcode": "LS99 ZZZ"},  # not a UK postcode
        4: {"postcode": ""},  # the address has none
        5: {"postcode": "", "postal_address": "5 Long Road\nLeeds LS1 4AP"},  # in the address
    }
    report = run(roll_with(tmp_path, changes))
    assert finding(report, "missing-address").examples[0].lines == (3,)
    assert finding(report, "no-contact").examples[0].lines == (4,)
    bad = finding(report, "bad-postcode")
    assert (bad.count, bad.examples[0].value) == (1, "LS99 ZZZ")
    missing = finding(report, "no-postcode")
    assert missing.count == 1 and missing.examples[0].lines == (6,)
    assert missing.examples[0].value == "4 Long Road, Leeds"


def test_an_address_abroad_needs_no_uk_postcode(tmp_path: Path) -> None:
    rows = [clean(i) for i in range(4)]
    rows[1] = {**rows[1], "postcode": "D02 X285", "country": "Ireland"}
    rows[2] = {**rows[2], "postcode": "D02 X285", "country": "UK"}
    f = finding(run(write(tmp_path, rows, [*HEADER, "country"])), "bad-postcode")
    assert [e.lines for e in f.examples] == [(4,)]


def test_member_in_no_constituency_or_one_not_declared(tmp_path: Path) -> None:
    report = run(roll_with(tmp_path, {3: {"constituency": ""}, 8: {"constituency": "west"}}))
    f = finding(report, "no-constituency")
    assert f.blocking and f.count == 2
    assert [(e.lines, e.value) for e in f.examples] == [((5,), ""), ((10,), "west")]
    assert any("roll.csv:10" in p and "'west'" in p for p in report.problems())


def test_exclusions_counted_by_ground_and_left_off_the_roll(tmp_path: Path) -> None:
    changes = {
        2: {"excluded": "arrears"},
        5: {"excluded": "Arrears"},
        9: {"excluded": "apprentice"},
        11: {"excluded": "not-in-employment"},
        14: {"joined": "2026-02-01"},  # after the relevant date
        15: {"joined": "31/01/2026"},  # on it: still entitled
    }
    path = roll_with(tmp_path, changes)
    report = run(path)
    assert dict(report.exclusions) == {
        "arrears": 2,
        "apprentice": 1,
        "not-in-employment": 1,
        JOINED_LATE: 1,
    }
    assert (report.rows, report.entitled) == (30, 25) and not report.blocked
    with path.open(newline="") as handle:
        kept = [m.member_id for m, _ in entitled_members(handle, "roll.csv", RollRules(FREEZE))]
    assert len(kept) == 25 and "M00002" not in kept and "M00014" not in kept
    assert "M00015" in kept


def test_an_exclusion_the_statute_or_the_rules_do_not_allow_blocks(tmp_path: Path) -> None:
    path = roll_with(tmp_path, {4: {"excluded": "opposes-leadership"}, 6: {"excluded": "student"}})
    report = run(path)
    assert finding(report, "unknown-ground").examples[0].value == "opposes-leadership"
    assert "ground-not-in-rules" not in {f.check for f in report.findings}
    rules = RollRules(relevant_date=FREEZE, grounds=frozenset({"arrears"}))
    strict = run(path, rules)
    assert finding(strict, "ground-not-in-rules").examples[0].lines == (8,)
    assert strict.blocked
    assert set(GROUNDS) >= {"arrears", "not-in-employment", "apprentice", "new-member"}


def test_bad_dates_are_found_and_without_a_relevant_date_no_one_joined_late(
    tmp_path: Path,
) -> None:
    path = roll_with(tmp_path, {3: {"joined": "sometime"}, 4: {"date_of_birth": "1980-13-40"}})
    report = run(path, RollRules())
    assert report.relevant_date is None and report.exclusions == ()
    assert run(path).relevant_date == FREEZE
    assert finding(report, "bad-joined-date").examples[0].value == "sometime"
    assert finding(report, "bad-date-of-birth").examples[0].lines == (6,)


def test_an_old_roll_with_two_columns_still_checks(tmp_path: Path) -> None:
    path = write(tmp_path, [clean(i) for i in range(5)], ["member_id", "constituency"])
    report = run(path)
    assert report.findings == () and report.entitled == 5


def test_unreadable_rows_and_a_bad_header(tmp_path: Path) -> None:
    path = tmp_path / "roll.csv"
    path.write_text("member_id,constituency\nM1,north\nM2\n,south\nM4,south\n")
    report = run(path)
    assert report.error_count == 2 and report.blocked and report.entitled == 2
    assert report.errors[0].startswith("roll.csv:3:")
    path.write_text("number,constituency\nM1,north\n")
    with pytest.raises(RollError, match="lacks column"):
        run(path)


def test_examples_are_capped_but_the_count_is_whole(tmp_path: Path) -> None:
    many = {i: {"email": f"w{i}@employer.example"} for i in range(20)}
    rules = RollRules(FREEZE, employer_domains=frozenset({"employer.example"}), examples=3)
    f = finding(run(roll_with(tmp_path, many), rules), "workplace-email")
    assert f.count == 20 and len(f.examples) == 3


def test_the_report_survives_storage_and_every_check_is_named(tmp_path: Path) -> None:
    changes = {3: {"constituency": "west"}, 5: {"postcode": "nope"}, 7: {"excluded": "arrears"}}
    report = run(roll_with(tmp_path, changes))
    assert report_from_json(report_to_json(report)) == report
    assert not set(BLOCKING) & set(WARNINGS)


def test_the_mailing_address_carries_the_postcode_once() -> None:
    from tellers.election.roll import Member

    apart = Member(
        "M1", "north", (("name", "A"), ("postal_address", "1 Road"), ("postcode", "LS1 4AP"))
    )
    assert mailing_fields(apart) == ("A", "", "1 Road\nLS1 4AP", "")
    inside = Member("M2", "north", (("address", "1 Road, LS1 4AP"), ("postcode", "ls1 4ap")))
    assert mailing_fields(inside)[2] == "1 Road, LS1 4AP"
    split = Member("M3", "north", (("First_Name", "Ann"), ("Surname", "Bee")))
    assert mailing_fields(split)[0] == "Ann Bee"
