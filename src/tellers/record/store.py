"""The election record on disk: a directory of canonical JSON / JSONL (record.md §1).

    index.json          format, SHA-256 of every other file, board head and length
    manifest.json       the election manifest
    ceremony.json       trustees' commitments and key proofs
    credentials.jsonl   public credentials with constituency, sorted by credential
    board.jsonl         the hash-chained bulletin board
    result.json         the declared result (also the board's last event)
    nominations-<contest>.jsonl   a contest's nominations log, where its choices came from one

Every byte of every file is bound: the board by its hash chain and all
files by their hashes in ``index.json``; the record's root is
SHA-256(index.json), printed with the declaration so that anyone can check
they verify the same record.
"""

from __future__ import annotations

import hashlib
import os
import re
from binascii import unhexlify
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from tellers import canonical
from tellers.errors import EncodingError, RecordError
from tellers.record.v2 import FORMAT, FORMATS, bytes_from_hex, exact_keys, get

__all__ = [
    "FILES",
    "IN_PROGRESS",
    "NOMINATIONS_FORMAT",
    "PAPERS",
    "credentials_hash",
    "credentials_line",
    "file_sha256",
    "nominations_file",
    "read_credential_blocks",
    "read_credentials",
    "read_index",
    "read_json",
    "seal",
    "write_credentials",
    "write_json",
    "write_record",
]

FILES = (
    "manifest.json",
    "ceremony.json",
    "credentials.jsonl",
    "board.jsonl",
    "result.json",
)
"""The files of a complete record, besides ``index.json``."""
IN_PROGRESS = FILES[:-1]
"""A record before its result (what trustees verify before they decrypt): no result.json."""
PAPERS = "papers.jsonl"
"""The postal channel's paper list: in a record exactly when its manifest has a postal
channel (postal.md §4.1)."""
NOMINATIONS_FORMAT = "tellers-record/v7"
"""The first record format that may hold nominations logs (record.md §1.3)."""
_NOMINATIONS_FILE = re.compile(r"^nominations-[a-z0-9][a-z0-9_-]{0,63}\.jsonl$")


def nominations_file(contest_id: str) -> str:
    """The record's file for the nominations log of contest ``contest_id`` (record.md §1.3)."""
    return f"nominations-{contest_id}.jsonl"


def write_json(path: Path, value: Any) -> None:
    """Write canonical JSON with a final newline, durably."""
    data = canonical.dumps(value) + b"\n"
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def read_json(path: Path) -> Any:
    """Read one canonical JSON file; ``RecordError`` with the file if unusable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecordError(str(path), 0, f"cannot read ({exc.strerror})") from None
    if not data.endswith(b"\n") or b"\n" in data[:-1]:
        raise RecordError(str(path), 1, "expected one line of JSON ending in a newline")
    try:
        value = canonical.loads(data[:-1], str(path))
    except EncodingError as exc:
        raise RecordError(str(path), 1, exc.problem) from None
    if canonical.dumps(value) != data[:-1]:
        raise RecordError(str(path), 1, "not in canonical JSON form")
    return value


def credentials_line(credential: bytes, constituency: str) -> bytes:
    return canonical.dumps({"credential": credential.hex(), "constituency": constituency})


def credentials_hash(entries: Iterable[tuple[bytes, str]]) -> bytes:
    """SHA-256 of the credentials.jsonl these entries make, without writing it."""
    digest = hashlib.sha256()
    for credential, constituency in sorted(entries):
        digest.update(credentials_line(credential, constituency) + b"\n")
    return digest.digest()


def write_record(
    directory: Path,
    manifest_json: Any,
    ceremony_json: Any,
    credentials: Iterable[tuple[bytes, str]],
    board_lines: Iterable[bytes],
    result_json: Any | None,
    nominations: Mapping[str, Iterable[bytes]] | None = None,
) -> bytes:
    """Write a whole record from stored state (e.g. the web service's database); return its root.

    ``board_lines`` are the board's canonical event lines in order, without
    newlines, exactly as they were hashed into the chain. With ``result_json``
    None the record is one in progress (``IN_PROGRESS``, no result.json).
    ``nominations`` maps a contest id to its nominations log's lines (without newlines),
    for the contests whose choices came from nominations (record.md §1.3).
    """
    from tellers.board import GENESIS, event_hash

    directory.mkdir(parents=True, exist_ok=True)
    write_json(directory / "manifest.json", manifest_json)
    write_json(directory / "ceremony.json", ceremony_json)
    write_credentials(directory / "credentials.jsonl", credentials)
    head, count = GENESIS, 0
    with open(directory / "board.jsonl", "wb") as handle:
        for line in board_lines:
            handle.write(line + b"\n")
            head, count = event_hash(line), count + 1
        handle.flush()
        os.fsync(handle.fileno())
    for contest_id, lines in (nominations or {}).items():
        with open(directory / nominations_file(contest_id), "wb") as handle:
            for line in lines:
                handle.write(line + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
    if result_json is not None:
        write_json(directory / "result.json", result_json)
    return seal(directory, count, head, complete=result_json is not None)


def write_credentials(path: Path, entries: Iterable[tuple[bytes, str]]) -> bytes:
    """Write the public credential list sorted by credential; return its SHA-256."""
    digest = hashlib.sha256()
    with open(path, "wb") as handle:
        for credential, constituency in sorted(entries):
            line = credentials_line(credential, constituency) + b"\n"
            digest.update(line)
            handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
    return digest.digest()


# A line in canonical form whose constituency needs no escape: read without a JSON parser
# (a million-member list is a million lines). Anything else takes the general path.
_PLAIN_LINE = re.compile(
    rb'\{"constituency":"([^"\\\x00-\x1f]*)","credential":"([0-9a-f]{64})"\}\n'
)


def read_credentials(path: Path) -> Iterator[tuple[int, bytes, str]]:
    """(line, credential, constituency) per line; ``RecordError`` for a malformed line."""
    name = str(path)
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            yield (number, *_credential_line(name, number, raw))


def _credential_line(name: str, number: int, raw: bytes) -> tuple[bytes, str]:
    plain = _PLAIN_LINE.fullmatch(raw)
    if plain is not None:
        try:
            return bytes.fromhex(plain[2].decode()), plain[1].decode("utf-8")
        except UnicodeDecodeError:
            raise RecordError(name, number, "not UTF-8 text") from None
    if not raw.endswith(b"\n"):
        raise RecordError(name, number, "truncated line (no newline at the end)")
    try:
        obj = canonical.loads(raw[:-1], f"{name}:{number}")
        credential = bytes_from_hex(get(obj, "credential", str, "line"), 32, "credential")
        constituency = get(obj, "constituency", str, "line")
    except EncodingError as exc:
        raise RecordError(name, number, str(exc)) from None
    if set(obj) != {"credential", "constituency"}:
        raise RecordError(name, number, f"unexpected fields {sorted(obj)}")
    if canonical.dumps(obj) != raw[:-1]:
        raise RecordError(name, number, "the line is not in canonical JSON form")
    return credential, constituency


_PLAIN_BLOCK = re.compile(b"(?:" + _PLAIN_LINE.pattern + b")*")
_BLOCK_BYTES = 1 << 20


def read_credential_blocks(
    path: Path, digest: Any = None
) -> Iterator[tuple[int, list[bytes], list[str]]]:
    """The list as ``read_credentials`` reads it, a block of lines at a time: (the block's
    first line number, its credentials, their constituencies), with ``digest.update`` (a
    ``hashlib`` object, if given) over every byte. A block of plain lines is read by two
    regular-expression passes; any other block line by line, which names a malformed line
    as ``read_credentials`` does."""
    name = str(path)
    number, rest = 1, b""
    with open(path, "rb") as handle:
        while True:
            data = handle.read(_BLOCK_BYTES)
            if digest is not None:
                digest.update(data)
            block = rest + data
            if data:
                cut = block.rfind(b"\n") + 1
                block, rest = block[:cut], block[cut:]
            else:
                rest = b""
            if block:
                yield _credential_block(name, number, block)
                number += block.count(b"\n") + (not block.endswith(b"\n"))
            if not data:
                return


def _credential_block(name: str, first: int, block: bytes) -> tuple[int, list[bytes], list[str]]:
    if _PLAIN_BLOCK.fullmatch(block) is not None:
        found = _PLAIN_LINE.findall(block)
        try:
            names = {raw: raw.decode("utf-8") for raw in set(c for c, _ in found)}
        except UnicodeDecodeError:
            names = None  # the line-by-line reading names the line
        if names is not None:
            return (
                first,
                [unhexlify(credential) for _, credential in found],
                [names[c] for c, _ in found],
            )
    credentials, constituencies = [], []
    for number, raw in enumerate(block.splitlines(keepends=True), start=first):
        credential, constituency = _credential_line(name, number, raw)
        credentials.append(credential)
        constituencies.append(constituency)
    return first, credentials, constituencies


def file_sha256(path: Path) -> bytes:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.digest()


def seal(directory: Path, board_events: int, board_head: bytes, *, complete: bool = True) -> bytes:
    """Write ``index.json`` over the other files; return the record's root hash."""
    names = list(FILES if complete else IN_PROGRESS)
    if (directory / PAPERS).exists():
        names.append(PAPERS)
    names += sorted(p.name for p in directory.iterdir() if _NOMINATIONS_FILE.match(p.name))
    index = {
        "format": FORMAT,
        "files": {name: file_sha256(directory / name).hex() for name in names},
        "board": {"events": board_events, "head": board_head.hex()},
    }
    write_json(directory / "index.json", index)
    return file_sha256(directory / "index.json")


def read_index(directory: Path) -> dict[str, Any]:
    """Read and shape-check ``index.json``; ``RecordError`` when it cannot be used."""
    path = directory / "index.json"
    if not directory.is_dir():
        raise RecordError(str(directory), 0, "not a directory")
    index = read_json(path)
    try:
        fmt = get(index, "format", str, "index")
        if fmt not in FORMATS:
            older = {"tellers-record/v1": "0.1", "tellers-record/v2": "0.2"}
            hint = f" (verify it with Tellers {older[fmt]})" if fmt in older else ""
            raise RecordError(str(path), 1, f"format {fmt!r} is not one of {list(FORMATS)}{hint}")
        exact_keys(index, {"format", "files", "board"}, "index")
        files = get(index, "files", dict, "index")
        board = exact_keys(get(index, "board", dict, "index"), {"events", "head"}, "index.board")
        get(board, "events", int, "index.board")
        bytes_from_hex(get(board, "head", str, "index.board"), 32, "index.board.head")
        listed = set(files) - ({PAPERS} if fmt != "tellers-record/v3" else set())
        if FORMATS.index(fmt) >= FORMATS.index(NOMINATIONS_FORMAT):
            listed = {name for name in listed if not _NOMINATIONS_FILE.match(name)}
        if listed not in (set(FILES), set(IN_PROGRESS)):
            raise EncodingError(
                "index.files",
                f"expected the files {list(FILES)} (result.json only once declared; "
                f"{PAPERS} where there is a postal channel; in {NOMINATIONS_FORMAT}, "
                "nominations-<contest>.jsonl where a contest came from nominations)",
            )
        for name in files:
            bytes_from_hex(get(files, name, str, "index.files"), 32, f"index.files.{name}")
    except EncodingError as exc:
        raise RecordError(str(path), 1, str(exc)) from None
    return dict(index)
