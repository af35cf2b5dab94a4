"""``tellers postal``: the print authority's and the opening house's commands, run as an
officer would, on a small hybrid strike ballot with a three-candidate contest for one
constituency. The papers they make go on a real board, come back keyed and scanned, are
counted, and after the close exactly the papers whose marks are not on the board are opened.
"""

from __future__ import annotations

import csv
import json
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from tellers import canonical, trustee
from tellers.cli import main
from tellers.cli.postal_files import Keys, PrintRow, content_from_row, load_keys, read_print_rows
from tellers.crypto.group import Point
from tellers.election.conduct import open_election, publish_result, sum_counted
from tellers.election.manifest import Choice, Contest, Manifest, Postal
from tellers.parties import short_text
from tellers.postal.content import paper_label
from tellers.postal.ledger import PaperLedger
from tellers.postal.marking import mark_paper
from tellers.postal.messages import papers_hash, read_papers
from tellers.postal.preencrypt import paper_seed, preencrypt_paper
from tellers.postal.printing import DEFAULT_LOOKUP
from tellers.postal.scan import pdf_pages
from tellers.record.store import seal
from tellers.record.v2 import manifest_to_json
from tellers.record.v2_authority import upload_from_json
from tellers.record.v2_tally import tally_to_json
from tellers.record.v2_trustee import ceremony_to_json
from tellers.simulate_parties import SimulatedClock, local_ceremony
from tellers.verify import verify_record

PASSPHRASE = "print authority's passphrase"
OPENS, CLOSES = "2026-03-02T09:00:00+00:00", "2026-03-23T12:00:00+00:00"
ROLL = [
    ("R01", "north"),
    ("R02", "north"),
    ("R03", "north"),
    ("R04", "north"),
    ("R05", "south"),
    ("R06", "south"),
]
HEADER = ["paper", "strike", "action", "rep", "status"]


def strike_manifest() -> Manifest:
    yes_no = (Choice("yes", "Yes"), Choice("no", "No"))
    strike = Contest(
        "strike",
        "Strike action",
        "yes-no",
        yes_no,
        statement="Are you prepared to take part in strike action?",
    )
    action = Contest(
        "action",
        "Action short of a strike",
        "yes-no",
        yes_no,
        allow_blank=False,
        statement="Are you prepared to take part in action short of a strike?",
    )
    names = (Choice("ann", "Ann Ash"), Choice("bob", "Bob Birch"), Choice("cy", "Cy Cedar"))
    rep = Contest("rep", "Northern representative", "plurality", names, constituencies=("north",))
    return Manifest(
        election_id="ia-2026-cli",
        title="Industrial action ballot",
        organisation="Test Workers' Union",
        scrutineer="Independent Scrutineer Ltd",
        opens=OPENS,
        closes=CLOSES,
        revote="last",
        trustees=3,
        quorum=2,
        constituencies=("north", "south"),
        contests=(strike, action, rep),
        postal=Postal(
            "hybrid",
            "online",
            "2026-03-16T17:00:00+00:00",
            "Independent Scrutineer Ltd, Freepost ABC, London N1 9XX",
        ),
    )


@dataclass(frozen=True)
class Issued:
    """The election as the officer has it after ``tellers postal issue``."""

    root: Path
    manifest: Manifest
    ceremony: Any
    trustees: Any
    upload: Any
    vault: Path
    out: Path
    mailing: Path

    @property
    def print(self) -> Path:
        return self.out / "print"

    def keys(self) -> Keys:
        return load_keys(self.vault, None)

    def rows(self, folder: Path | None = None) -> list[PrintRow]:
        return list(read_print_rows(folder or self.print, self.manifest, True))

    def label(self, reference: str) -> str:
        number = next(r.number for r in self.rows() if r.cells["reference"] == reference)
        return paper_label(number)


def postal(*args: str | Path) -> int:
    return main(["postal", *(str(a) for a in args)])


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Issued]:
    root = tmp_path_factory.mktemp("postal-cli")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TELLERS_PASSPHRASE", PASSPHRASE)
        manifest = strike_manifest()
        (root / "manifest.json").write_text(json.dumps(manifest_to_json(manifest), indent=2))
        ceremony, secrets = local_ceremony(manifest)
        (root / "ceremony.json").write_bytes(canonical.dumps(ceremony_to_json(ceremony)) + b"\n")
        with open(root / "roll.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["reference", "constituency", "name"])
            writer.writerows([r, k, f"Member {r}"] for r, k in ROLL)
        authority = root / "authority"
        assert (
            main(
                [
                    "credentials",
                    "issue",
                    "--manifest",
                    str(root / "manifest.json"),
                    "--roll",
                    str(root / "roll.csv"),
                    "--key",
                    str(root / "authority-key.json"),
                    "--name",
                    "Ballots Ltd",
                    "--out",
                    str(authority),
                    "--workers",
                    "1",
                ]
            )
            == 0
        )
        vault = root / "pa" / "vault.json"
        assert (
            postal(
                "keygen",
                "--vault",
                vault,
                "--name",
                "Scrutineer Ltd (print)",
                "--opening-house",
                "Scrutineer Ltd (opening)",
            )
            == 0
        )
        out = root / "papers"
        assert (
            postal(
                "issue",
                "--vault",
                vault,
                "--manifest",
                root / "manifest.json",
                "--ceremony",
                root / "ceremony.json",
                "--credentials",
                authority / "credentials-upload.json",
                "--codes",
                authority / "mailing.csv",
                "--out",
                out,
                "--workers",
                "1",
                "--batch",
                "4",
            )
            == 0
        )
        upload = upload_from_json(json.loads((authority / "credentials-upload.json").read_text()))
        yield Issued(
            root, manifest, ceremony, secrets, upload, vault, out, authority / "mailing.csv"
        )


@pytest.fixture(autouse=True)
def _passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELLERS_PASSPHRASE", PASSPHRASE)


# ---- issue ---------------------------------------------------------------------------------


def test_the_paper_list_and_its_statement_verify(issued: Issued) -> None:
    statement = json.loads((issued.out / "statement.json").read_text())
    entries = list(read_papers(issued.out / "papers.jsonl"))
    ledger = PaperLedger(issued.manifest, bytes.fromhex(statement["election"]))
    ledger.take_list(statement, entries, papers_hash(issued.out / "papers.jsonl"))
    assert [e.number for e in entries] == [1, 2, 3, 4, 5, 6]
    assert {e.credential for e in entries} == {c for c, _, _ in issued.upload.credentials}
    keys = issued.keys()
    assert ledger.print_authority == keys.public
    assert ledger.opening_house == keys.opening.public
    # The mail house's file ties each mailing reference to one paper, and nothing public does.
    assert sorted(r.cells["reference"] for r in issued.rows()) == [r for r, _ in ROLL]
    assert b"R01" not in (issued.out / "papers.jsonl").read_bytes()
    assert b"R01" not in (issued.out / "statement.json").read_bytes()


def test_the_print_file_shows_the_codes_the_papers_commit_to(issued: Issued) -> None:
    keys, manifest = issued.keys(), issued.manifest
    statement = json.loads((issued.out / "statement.json").read_text())
    fingerprint = bytes.fromhex(statement["election"])
    entries = {e.number: e for e in read_papers(issued.out / "papers.jsonl")}
    held = {c: (k, r) for c, k, r in issued.upload.credentials}
    with open(issued.mailing, newline="") as handle:
        online = {row["reference"]: row["code"] for row in csv.DictReader(handle)}
    election = json.loads((issued.print / "election.json").read_text())
    key = Point.from_hex(election["joint_key"])
    for row in issued.rows():
        entry = entries[row.number]
        constituency, reference = held[entry.credential]
        assert (row.cells["reference"], row.cells["constituency"]) == (reference, constituency)
        seed = paper_seed(keys.master, row.number)
        paper = preencrypt_paper(
            manifest, fingerprint, key, seed, row.number, entry.credential, constituency
        )
        assert paper.confirmation == entry.confirmation
        assert row.cells["confirmation"] == short_text(paper.confirmation)
        assert row.cells["online_code"] == online[reference]
        codes = {pc.contest_id: pc.codes for pc in paper.contests}
        for contest in manifest.contests:
            shown = [row.cells[f"{contest.id}/{x.id}"] for x in contest.choices]
            if contest.entitles(constituency):
                assert shown == list(codes[contest.id][: len(contest.choices)])
            else:
                assert shown == [""] * len(contest.choices)


def test_its_files_are_private(issued: Issued) -> None:
    for path in [issued.vault, *issued.print.iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for folder in (issued.vault.parent, issued.print):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    pdfs = sorted(p.name for p in issued.print.glob("*.pdf"))
    assert pdfs == ["papers-0001.pdf", "papers-0002.pdf"]  # six papers, four a batch
    assert [sum(1 for _ in pdf_pages(issued.print / p, dpi=20)) for p in pdfs] == [4, 2]


def test_issue_refuses_another_fingerprint_than_the_sites(
    issued: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    authority = issued.mailing.parent
    code = postal(
        "issue", "--vault", issued.vault, "--manifest", issued.root / "manifest.json",
        "--ceremony", issued.root / "ceremony.json",
        "--credentials", authority / "credentials-upload.json", "--codes", issued.mailing,
        "--out", tmp_path / "again", "--expect-fingerprint", "AAAA-BBBB-CCCC-DDDD",
    )  # fmt: skip
    assert code == 2
    assert "not AAAA-BBBB-CCCC-DDDD" in capsys.readouterr().err
    assert not (tmp_path / "again").exists()


# ---- the whole postal channel on a board -------------------------------------------------------


def _keyed(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _scan(issued: Issued, folder: Path, reference: str, marks: list[list[int]], out: Path) -> Path:
    """The paper of ``reference`` as the mail house printed it (its page of the batch PDF),
    marked with a pen and scanned."""
    row = next(r for r in issued.rows(folder) if r.cells["reference"] == reference)
    pdf = folder / f"papers-{(row.number - 1) // 4 + 1:04d}.pdf"
    page = list(pdf_pages(pdf, dpi=150))[(row.number - 1) % 4]
    content = content_from_row(issued.manifest, row, DEFAULT_LOOKUP)
    rng = np.random.default_rng(row.number)
    marked = mark_paper(page, content, marks, rng, kinds="cross")
    cv2.imwrite(str(out), marked.image)
    return out


def _lines(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def test_papers_go_on_a_board_come_back_are_counted_and_the_unused_are_opened(
    issued: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest, vault = issued.manifest, issued.vault
    folder = tmp_path / "print"
    shutil.copytree(issued.print, folder)  # replacements are added to it
    label = issued.label
    record = tmp_path / "record"
    public = [(c, k) for c, k, _ in issued.upload.credentials]
    clock = SimulatedClock("2026-03-03T09:00:00+00:00", step=timedelta(minutes=5))
    election = open_election(record, manifest, issued.ceremony, public,
                             issued.upload.statement.signed, OPENS, clock=clock)  # fmt: skip
    board = election.board
    shutil.copy(issued.out / "papers.jsonl", record / "papers.jsonl")
    board.issue_papers(json.loads((issued.out / "statement.json").read_text()))

    # R04 never received a paper: the officer checks who is calling, voids it, sends paper 7.
    check = "ID-2026-0042: identity confirmed by telephone"
    void = ["--paper", label("R04"), "--reason", "not-received", "--check", check]
    assert postal("void", "--vault", vault, "--print", folder, *void,
                  "--out", tmp_path / "void.json") == 0  # fmt: skip
    board.void_paper(json.loads((tmp_path / "void.json").read_text()))
    assert postal("replace", "--vault", vault, "--print", folder, "--paper", label("R04"),
                  "--number", "6", "--out", tmp_path / "replacement.json") == 2  # fmt: skip
    assert "the next paper in the series is 7" in capsys.readouterr().err
    assert postal("replace", "--vault", vault, "--print", folder, "--paper", label("R04"),
                  "--number", "7", "--out", tmp_path / "replacement.json") == 0  # fmt: skip
    board.replace_paper(json.loads((tmp_path / "replacement.json").read_text()))
    rows = {r.number: r for r in issued.rows(folder)}
    assert rows[7].cells["reference"] == "R04" and rows[7].cells["replaces"] == label("R04")
    assert (folder / f"replacement-{paper_label(7)}.pdf").exists()

    # The papers come back: two scanned (R02's with no mark for its representative), the rest
    # keyed; R04's original turns up too.
    scans = [_scan(issued, folder, "R01", [[0], [0], [1]], tmp_path / "r01.png"),
             _scan(issued, folder, "R02", [[1], [1], []], tmp_path / "r02.png")]  # fmt: skip
    yes_code = rows[7].cells["strike/yes"]
    keyed = _keyed(tmp_path / "keyed.csv", [
        [label("R03"), "yes", "spoilt", "ann", ""],  # action has no blank: the paper is spoilt
        [paper_label(7), yes_code, "no", "cy", ""],  # the code beside the box, or the choice
        [label("R04"), "no", "no", "ann", ""],
        [label("R05"), "", "", "", "audit"],
    ])  # fmt: skip
    returns = tmp_path / "returns.jsonl"
    assert postal("open", "--vault", vault, "--print", folder, *scans, "--keyed", keyed,
                  "--out", returns, "--received", "2026-03-20T10:00:00+00:00") == 0  # fmt: skip
    with open(tmp_path / "adjudication.csv", newline="") as handle:
        person = list(csv.DictReader(handle))
    assert [(p["paper"], p["source"]) for p in person] == [(label("R02"), f"{scans[1]} page 1")]
    assert "Northern representative" in person[0]["reason"]
    assert "no box is clearly marked" in person[0]["reason"]
    first = _lines(returns)
    assert [r["received"] for r in first] == ["2026-03-20T10:00:00+00:00"] * 5
    # ... and a person looks at R02's paper: no representative marked.
    resolved = _keyed(tmp_path / "resolved.csv", [[label("R02"), "no", "no", "blank", ""]])
    later = tmp_path / "returns-2.jsonl"
    assert postal("open", "--vault", vault, "--print", folder, "--keyed", resolved,
                  "--out", later) == 0  # fmt: skip
    outcome = {}
    for obj in first + _lines(later):
        got = board.return_paper(obj)
        outcome[obj["number"]] = "counted" if got.accepted else got.reason
    number = {r.cells["reference"]: r.number for r in rows.values() if r.number != 7}
    assert outcome == {
        number["R01"]: "counted", number["R02"]: "counted", 7: "counted",
        number["R03"]: "spoilt", number["R04"]: "voided", number["R05"]: "audit",
    }  # fmt: skip
    scanned = next(r for r in first if r["number"] == number["R01"])
    assert [c["codes"] for c in scanned["contests"]] == [
        [rows[number["R01"]].cells["strike/yes"]], [rows[number["R01"]].cells["action/yes"]],
        [rows[number["R01"]].cells["rep/bob"]],
    ]  # fmt: skip

    # After the close: the papers whose marks are not on the board are opened, and no other.
    audit = tmp_path / "audit.jsonl"
    args: list[str | Path] = [
        "audit",
        "--vault",
        vault,
        "--record",
        record,
        "--print",
        folder,
        "--out",
        audit,
    ]
    assert postal(*args) == 2
    assert "not closed" in capsys.readouterr().err
    board.close(CLOSES)
    misprinted = tmp_path / "misprinted"
    shutil.copytree(folder, misprinted)
    with open(folder / "papers.csv", newline="") as handle:
        sheet = list(csv.reader(handle))
    sheet[number["R06"]][sheet[0].index("strike/yes")] = "ZZZZ"  # row n is paper n
    with open(misprinted / "papers.csv", "w", newline="") as handle:
        csv.writer(handle).writerows(sheet)
    assert postal(*args[:-4], "--print", misprinted, "--out", audit) == 1
    assert f"paper {label('R06')}, strike: printed ['ZZZZ'" in capsys.readouterr().err
    assert postal(*args) == 0
    messages = _lines(audit)
    opened = sorted(p["number"] for m in messages for p in m["papers"])
    assert opened == sorted([number["R03"], number["R05"], number["R06"]])
    at = "2026-03-23T13:00:00+00:00"
    board.audit_papers(messages, at)

    # The tally, the trustees' check of the record so far, and the count.
    tallies = sum_counted(manifest, board.path, len(board.counted))
    board.append("tally", tally_to_json(tallies))
    seal(record, board.seq, board.head, complete=False)
    report = verify_record(record)
    assert report.failures == [] and report.tally is not None
    shares = [trustee.decrypt(s, manifest, report.tally)[1] for s in issued.trustees[:2]]
    result, _ = publish_result(election, report.tally, shares)
    counts = {c.contest_id: (c.counts, c.blank) for c in result.contests}
    assert counts == {
        "strike": ({"yes": 2, "no": 1}, 0),
        "action": ({"yes": 1, "no": 2}, 0),
        "rep": ({"ann": 0, "bob": 1, "cy": 1}, 1),
    }
    assert result.ballots_counted == 3


# ---- the opening house's mistakes are caught ---------------------------------------------------


def test_a_wrong_check_digit_in_a_keyed_number_is_refused_with_its_line(
    issued: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = issued.label("R01")
    slip = good[:-1] + str((int(good[-1]) + 1) % 10)
    keyed = _keyed(tmp_path / "keyed.csv", [[issued.label("R02"), "yes", "no", "ann", ""],
                                            [slip, "yes", "no", "ann", ""]])  # fmt: skip
    out = tmp_path / "returns.jsonl"
    assert postal("open", "--vault", issued.vault, "--print", issued.print, "--keyed", keyed,
                  "--out", out) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert f"{keyed}:3: paper number: {slip!r}: the check digit does not match" in err
    assert not out.exists()


def test_every_keyed_mistake_is_named_by_its_line_and_nothing_is_written(
    issued: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    north, south = issued.label("R01"), issued.label("R05")
    keyed = _keyed(tmp_path / "keyed.csv", [
        [north, "yes", "no", "dan", ""],        # 2: no such candidate
        [north, "yes", "no", "ann bob", ""],    # 3: two marks where one counts
        [south, "yes", "no", "ann", ""],        # 4: the south's paper has no representative
        [north, "yes", "", "ann", ""],          # 5: a contest not keyed
        [north, "yes", "no", "ann", "lost"],    # 6: no such status
        [paper_label(9999), "yes", "no", "", ""],     # 7: no such paper (its check digit is right)
    ])  # fmt: skip
    out = tmp_path / "returns.jsonl"
    assert postal("open", "--vault", issued.vault, "--print", issued.print, "--keyed", keyed,
                  "--out", out) == 2  # fmt: skip
    err = capsys.readouterr().err
    for line, words in [(2, "'dan' is not one of its choices"), (3, "at most 1 count"),
                        (4, "does not carry it"), (5, "not keyed"), (6, "status 'lost'"),
                        (7, f"no paper No. {paper_label(9999)}")]:  # fmt: skip
        assert f"{keyed}:{line}: " in err and words in err, (line, err)
    assert "6 problem(s)" in err
    assert not out.exists()


def test_a_paper_twice_in_one_batch_goes_to_a_person(issued: Issued, tmp_path: Path) -> None:
    twice, once = issued.label("R01"), issued.label("R02")
    keyed = _keyed(tmp_path / "keyed.csv", [[twice, "yes", "no", "ann", ""],
                                            [once, "no", "no", "cy", ""],
                                            [twice, "no", "yes", "bob", ""]])  # fmt: skip
    out = tmp_path / "returns.jsonl"
    assert postal("open", "--vault", issued.vault, "--print", issued.print, "--keyed", keyed,
                  "--out", out) == 0  # fmt: skip
    assert [r["number"] for r in _lines(out)] == [int(once[:7])]
    with open(tmp_path / "adjudication.csv", newline="") as handle:
        person = list(csv.DictReader(handle))
    assert [p["paper"] for p in person] == [twice]
    assert "in this batch 2 times" in person[0]["reason"]
    assert f"{keyed}:2" in person[0]["source"] and f"{keyed}:4" in person[0]["source"]


def test_the_opening_house_copy_signs_returns_but_never_a_void(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vault, copy = tmp_path / "vault.json", tmp_path / "opening" / "vault.json"
    assert postal("keygen", "--vault", vault, "--name", "Print Ltd", "--opening-house",
                  "Opening Ltd", "--opening-vault", copy) == 0  # fmt: skip
    said = capsys.readouterr().out
    keys, opening = load_keys(vault, None), load_keys(copy, None)
    assert opening.signing is None and opening.public == keys.public
    assert (opening.opening.public, opening.master) == (keys.opening.public, keys.master)
    assert said.count("key fingerprint") == 2
    assert postal("keygen", "--vault", vault, "--name", "X", "--opening-house", "Y") == 2
    assert load_keys(vault, None).master == keys.master  # never overwritten by accident
    capsys.readouterr()
    void = ["--paper", "0000001-3", "--reason", "lost", "--check", "ID-1"]
    assert postal("void", "--vault", copy, "--fingerprint", "ab" * 32, *void,
                  "--out", tmp_path / "void.json") == 2  # fmt: skip
    assert "the opening house's vault" in capsys.readouterr().err


@pytest.mark.parametrize("step", ["keygen", "issue", "void", "replace", "open", "audit"])
def test_each_step_explains_itself(step: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        postal(step, "--help")
    assert done.value.code == 0
    assert "--vault" in capsys.readouterr().out


def test_a_keyed_entry_settles_a_scan_only_where_they_agree(issued: Issued, tmp_path: Path) -> None:
    scans = [_scan(issued, issued.print, "R01", [[0], [1], [2]], tmp_path / "r01.png"),
             _scan(issued, issued.print, "R02", [[0], [1], [2]], tmp_path / "r02.png")]  # fmt: skip
    one, two = issued.label("R01"), issued.label("R02")
    keyed = _keyed(tmp_path / "keyed.csv", [[one, "yes", "no", "cy", ""],
                                            [two, "yes", "no", "bob", ""]])  # fmt: skip
    out = tmp_path / "returns.jsonl"
    assert postal("open", "--vault", issued.vault, "--print", issued.print, *scans,
                  "--keyed", keyed, "--out", out, "--workers", "1") == 0  # fmt: skip
    assert [r["number"] for r in _lines(out)] == [int(one[:7])]
    with open(tmp_path / "adjudication.csv", newline="") as handle:
        person = list(csv.DictReader(handle))
    assert [(p["paper"], p["reason"]) for p in person] == [
        (two, "the keyed marks differ from the scanner's reading")
    ]
