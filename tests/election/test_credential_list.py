"""Reading the credential list a block at a time (record.md §2): the verifier's checks and
their findings are those of reading it line by line, whatever the blocks' edges.

The reference here is the plain line-by-line reading (``read_credentials``) with each
line's three checks in turn — sorted, an x-only key, a constituency of the manifest's —
which is what the verifier did before it read the list in blocks.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from recordtools import small_manifest

from tellers.crypto.group import Scalar, bip340_public_key, check_x_only, x_only_faults
from tellers.errors import EncodingError, RecordError
from tellers.record import store
from tellers.record.store import credentials_line, read_credential_blocks, read_credentials
from tellers.verify.parties import read_credential_list
from tellers.verify.report import Report

MANIFEST = small_manifest()
KNOWN = sorted(MANIFEST.constituencies)
NOT_A_KEY = bytes.fromhex("ff" * 32)  # x ≥ p: no curve point
ALSO_NOT = (5).to_bytes(32, "big")  # x = 5: x³ + 7 = 132 is not a square mod p


def _keys(count: int) -> list[bytes]:
    return sorted(bip340_public_key(Scalar(1000 + i)) for i in range(count))


def _reference(path: Path) -> tuple[list[tuple[str, str, str]], dict[bytes, str]]:
    """The findings and table of reading the list line by line."""
    found, table, previous = [], {}, b""
    for line, credential, constituency in read_credentials(path):
        where = f"credentials.jsonl:{line}"
        if credential <= previous:
            found.append(("credentials", where, "not sorted or repeated"))
        previous = credential
        try:
            check_x_only(credential, "credential")
        except EncodingError as exc:
            found.append(("credentials", where, str(exc)))
        if constituency not in MANIFEST.constituencies:
            found.append(
                ("credentials", where, f"constituency {constituency!r} is not the manifest's")
            )
        table[credential] = constituency
    return found, table


def _read(path: Path) -> tuple[list[tuple[str, str, str]], dict[bytes, str], bytes]:
    report = Report()
    table, digest = read_credential_list(path, MANIFEST, report)
    return [(f.check, f.where, f.detail) for f in report.failures], table, digest


def _write(path: Path, entries: list[tuple[bytes, str]]) -> None:
    path.write_bytes(b"".join(credentials_line(c, k) + b"\n" for c, k in entries))


def test_x_only_faults_are_the_keys_check_x_only_refuses() -> None:
    keys = [*_keys(3), NOT_A_KEY, ALSO_NOT, b"\x01" * 31]
    assert x_only_faults(keys) == [3, 4, 5]
    for i in (3, 4, 5):
        with pytest.raises(EncodingError):
            check_x_only(keys[i])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    count=st.integers(1, 40),
    block=st.integers(60, 800),
    faults=st.lists(
        st.tuples(st.integers(0, 39), st.sampled_from(["swap", "repeat", "key", "place"])),
        max_size=4,
    ),
)
def test_blocks_find_what_line_by_line_reading_finds(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    count: int,
    block: int,
    faults: list[tuple[int, str]],
) -> None:
    """Any list, cut into blocks of any size (lines falling across their edges), with lines
    out of order, repeated, not keys or in no constituency of the manifest's: the same
    findings, in the same order, the same table and the file's SHA-256."""
    monkeypatch.setattr(store, "_BLOCK_BYTES", block)
    entries = [(key, KNOWN[i % len(KNOWN)]) for i, key in enumerate(_keys(count))]
    for at, fault in faults:
        i = at % count
        if fault == "swap" and i + 1 < count:
            entries[i], entries[i + 1] = entries[i + 1], entries[i]
        elif fault == "repeat" and i:
            entries[i] = entries[i - 1]
        elif fault == "key":
            entries[i] = (NOT_A_KEY if i % 2 else ALSO_NOT, entries[i][1])
        elif fault == "place":
            entries[i] = (entries[i][0], "nowhere-ward")
    path = tmp_path / "credentials.jsonl"
    _write(path, entries)
    found, table, digest = _read(path)
    assert (found, table) == _reference(path)
    assert digest == hashlib.sha256(path.read_bytes()).digest()


def test_a_malformed_line_is_named_by_its_number_across_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line in no canonical form, a line that is not UTF-8 and a last line without its
    newline, each past the first block: the error names the line, as line-by-line reading
    does."""
    monkeypatch.setattr(store, "_BLOCK_BYTES", 300)
    entries = [(key, KNOWN[0]) for key in _keys(12)]
    path = tmp_path / "credentials.jsonl"
    lines = [credentials_line(c, k) + b"\n" for c, k in entries]
    for at, bad, problem in (
        (8, lines[8].replace(b'":"', b'": "', 1), "canonical"),
        (9, lines[9].replace(KNOWN[0].encode(), b"\xff\xfe", 1), "not UTF-8 text"),
        (11, lines[11][:-1], "truncated line"),
    ):
        path.write_bytes(b"".join([*lines[:at], bad, *lines[at + 1 :]]))
        with pytest.raises(RecordError, match=problem) as caught:
            _read(path)
        assert f"credentials.jsonl:{at + 1}" in str(caught.value)
        with pytest.raises(RecordError) as reference:
            list(read_credentials(path))
        assert str(caught.value) == str(reference.value)


def test_the_blocks_hold_every_line_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "_BLOCK_BYTES", 250)
    entries = [(key, KNOWN[i % len(KNOWN)]) for i, key in enumerate(_keys(25))]
    path = tmp_path / "credentials.jsonl"
    _write(path, entries)
    blocks = list(read_credential_blocks(path))
    assert len(blocks) > 5
    assert [b[0] for b in blocks] == [
        1 + sum(len(b[1]) for b in blocks[:i]) for i in range(len(blocks))
    ]
    assert [(c, k) for _, cs, ks in blocks for c, k in zip(cs, ks, strict=True)] == entries
