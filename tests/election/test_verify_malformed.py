"""Unusable records: ``tellers verify`` exits 2 with the file and line, never a traceback.

``verify_record`` raises ``RecordError`` (path, line) for input it cannot
read at all; the command turns it into one line on stderr (record.md §9.4).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tellers.errors import RecordError
from tellers.verify import verify_record

Cli = Callable[..., tuple[int, str, str]]


def _replace_line(path: Path, number: int, new: bytes) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    lines[number - 1] = new
    path.write_bytes(b"".join(lines))


def invalid_json_on_the_board(record: Path) -> None:
    _replace_line(record / "board.jsonl", 5, b'{"body": {"ballot": \n')


def truncated_board_line(record: Path) -> None:
    path = record / "board.jsonl"
    path.write_bytes(path.read_bytes()[:-40])


def board_line_not_an_event(record: Path) -> None:
    _replace_line(record / "board.jsonl", 7, b"[1,2,3]\n")


def float_in_credentials(record: Path) -> None:
    _replace_line(record / "credentials.jsonl", 3, b'{"constituency":"north","credential":1.5}\n')


def manifest_missing_a_field(record: Path) -> None:
    path = record / "manifest.json"
    path.write_bytes(path.read_bytes().replace(b'"revote":"last",', b""))


def manifest_breaking_a_rule(record: Path) -> None:
    path = record / "manifest.json"
    path.write_bytes(path.read_bytes().replace(b'"quorum":2', b'"quorum":4'))


def missing_file(record: Path) -> None:
    (record / "ceremony.json").unlink()


def missing_index(record: Path) -> None:
    (record / "index.json").unlink()


def lone_surrogate_on_the_board(record: Path) -> None:
    path = record / "board.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[5] = lines[5].replace(b'"at":"', b'"at":"\\ud800', 1)
    path.write_bytes(b"".join(lines))


def deeply_nested_board_line(record: Path) -> None:
    _replace_line(record / "board.jsonl", 9, b"[" * 50_000 + b"]" * 50_000 + b"\n")


def two_lines_in_a_json_file(record: Path) -> None:
    path = record / "result.json"
    path.write_bytes(path.read_bytes() * 2)


# damage: (the file named, the line named or 0 for the whole file)
CASES: dict[str, tuple[Callable[[Path], None], str, int]] = {
    "invalid-json-on-the-board": (invalid_json_on_the_board, "board.jsonl", 5),
    "truncated-board-line": (truncated_board_line, "board.jsonl", 15),
    "board-line-not-an-event": (board_line_not_an_event, "board.jsonl", 7),
    "float-in-credentials": (float_in_credentials, "credentials.jsonl", 3),
    "manifest-missing-a-field": (manifest_missing_a_field, "manifest.json", 1),
    "manifest-breaking-a-rule": (manifest_breaking_a_rule, "manifest.json", 1),
    "missing-file": (missing_file, "ceremony.json", 0),
    "missing-index": (missing_index, "index.json", 0),
    "two-lines-in-a-json-file": (two_lines_in_a_json_file, "result.json", 1),
    "lone-surrogate-on-the-board": (lone_surrogate_on_the_board, "board.jsonl", 6),
    "deeply-nested-board-line": (deeply_nested_board_line, "board.jsonl", 9),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_record_error_names_file_and_line(record: Path, kind: str) -> None:
    damage, name, line = CASES[kind]
    damage(record)
    with pytest.raises(RecordError) as caught:
        verify_record(record)
    assert Path(caught.value.path).name == name
    assert caught.value.line == line


@pytest.mark.parametrize("kind", sorted(CASES))
def test_tellers_verify_exits_2_with_one_line(record: Path, kind: str, tellers_cli: Cli) -> None:
    damage, name, line = CASES[kind]
    damage(record)
    code, _out, err = tellers_cli("verify", str(record), "--workers", "1")
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert (f"{name}:{line}" if line else name) in err
    assert "Traceback" not in err


def test_a_file_is_not_a_record(tmp_path: Path, tellers_cli: Cli) -> None:
    path = tmp_path / "board.jsonl"
    path.write_text("{}\n")
    code, _, err = tellers_cli("verify", str(path), "--workers", "1")
    assert code == 2
    assert f"{path}: not a record: neither a directory nor a ZIP archive" in err


@pytest.mark.parametrize(
    ("names", "problem"),
    [
        (["a/index.json", "b/board.jsonl"], "in one folder"),
        (["a/b/index.json"], "in one folder"),
        (["../index.json"], "in one folder"),
    ],
)
def test_an_archive_that_climbs_out_is_unusable(
    tmp_path: Path, tellers_cli: Cli, names: list[str], problem: str
) -> None:
    import zipfile

    path = tmp_path / "record.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name in names:
            zf.writestr(name, "{}\n")
    code, _, err = tellers_cli("verify", str(path), "--workers", "1")
    assert code == 2 and problem in err and "Traceback" not in err


def test_a_zipped_record_verifies_as_its_folder(record: Path, tellers_cli: Cli) -> None:
    from tellers.record.archive import write_archive

    write_archive(record, record.parent / "record.zip")
    code, out, _ = tellers_cli("verify", str(record.parent / "record.zip"), "--workers", "1")
    assert code == 0 and "VALID" in out


def test_a_missing_directory_is_not_a_record(tmp_path: Path, tellers_cli: Cli) -> None:
    code, _, err = tellers_cli("verify", str(tmp_path / "nowhere"), "--workers", "1")
    assert code == 2
    assert "nowhere" in err
    assert "Traceback" not in err


def test_the_installed_command_prints_no_traceback(record: Path) -> None:
    pytest.importorskip("tellers.cli.verify_cmd")
    invalid_json_on_the_board(record)
    done = subprocess.run(
        [sys.executable, "-m", "tellers.cli", "verify", str(record), "--workers", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "board.jsonl:5" in done.stderr
    assert "Traceback" not in done.stderr


def test_nan_on_the_board_is_unusable_not_a_crash(record: Path) -> None:
    path = record / "board.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"events":', b'"events":NaN,"x":', 1))
    with pytest.raises(RecordError) as caught:
        verify_record(record)
    assert (Path(caught.value.path).name, caught.value.line) == ("board.jsonl", 11)


def test_a_manifest_without_its_default_fields_is_refused(record: Path) -> None:
    # One manifest, one byte form: a field left to its default would hash differently.
    from recordtools import read_json_file, reseal, write_json_file

    manifest = read_json_file(record, "manifest.json")
    del manifest["contests"][0]["statement"]
    write_json_file(record, "manifest.json", manifest)
    reseal(record)
    with pytest.raises(RecordError, match=r"manifest\.json:1: fields are missing or extra"):
        verify_record(record)


@pytest.mark.parametrize(("fmt", "version"), [("v1", "0.1"), ("v2", "0.2")])
def test_an_older_record_is_refused_naming_the_tellers_that_verifies_it(
    record: Path, fmt: str, version: str
) -> None:
    path = record / "index.json"
    path.write_bytes(
        path.read_bytes().replace(b"tellers-record/v9", f"tellers-record/{fmt}".encode())
    )
    with pytest.raises(RecordError, match=f"verify it with Tellers {version}"):
        verify_record(record)
