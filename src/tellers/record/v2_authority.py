"""Record format ``v2``: the credential authority's files (credentials.md §8).

The authority's signed **statement** of the credential list it issued — the
``authority`` of the board's ``election-opened`` event — and the **upload**
it gives the voting server: the statement, the public credentials, and the
mailing reference of each, from which the server binds each credential to
the member's second factor without ever seeing a code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tellers.errors import EncodingError
from tellers.record.v2 import bytes_from_hex, exact_keys, get

__all__ = [
    "STATEMENT",
    "UPLOAD",
    "Statement",
    "Upload",
    "statement_from_json",
    "statement_to_json",
    "upload_from_json",
    "upload_to_json",
]

STATEMENT = "tellers/credential-list/v2"
UPLOAD = "tellers/credential-upload/v2"

Json = Any


@dataclass(frozen=True, slots=True)
class Statement:
    """The authority's signed word: so many credentials, with this list hash, for this manifest."""

    election_id: str
    manifest_hash: bytes
    name: str
    signing_key: bytes
    credentials: int
    credentials_hash: bytes
    signed: Json


@dataclass(frozen=True, slots=True)
class Upload:
    statement: Statement
    credentials: tuple[tuple[bytes, str, str], ...]
    """(credential, constituency, mailing reference), sorted by credential."""


def statement_to_json(
    election_id: str,
    manifest_hash: bytes,
    name: str,
    signing_key: bytes,
    count: int,
    credentials_hash: bytes,
) -> Json:
    """The statement, unsigned (the authority signs it with ``parties.sign_object``)."""
    return {
        "format": STATEMENT,
        "election_id": election_id,
        "manifest_hash": manifest_hash.hex(),
        "name": name,
        "signing_key": signing_key.hex(),
        "credentials": count,
        "credentials_hash": credentials_hash.hex(),
    }


def statement_from_json(obj: Json, where: str = "authority") -> Statement:
    keys = {
        "format", "election_id", "manifest_hash", "name", "signing_key", "credentials",
        "credentials_hash", "signature",
    }  # fmt: skip
    exact_keys(obj, keys, where)
    if obj["format"] != STATEMENT:
        raise EncodingError(f"{where}.format", f"expected {STATEMENT!r}, found {obj['format']!r}")
    bytes_from_hex(get(obj, "signature", str, where), 64, f"{where}.signature")
    return Statement(
        get(obj, "election_id", str, where),
        bytes_from_hex(get(obj, "manifest_hash", str, where), 32, f"{where}.manifest_hash"),
        get(obj, "name", str, where),
        bytes_from_hex(get(obj, "signing_key", str, where), 32, f"{where}.signing_key"),
        get(obj, "credentials", int, where),
        bytes_from_hex(get(obj, "credentials_hash", str, where), 32, f"{where}.credentials_hash"),
        obj,
    )


def upload_to_json(statement: Json, entries: Sequence[tuple[bytes, str, str]]) -> Json:
    return {
        "format": UPLOAD,
        "statement": statement,
        "credentials": [
            {"credential": c.hex(), "constituency": k, "reference": r}
            for c, k, r in sorted(entries)
        ],
    }


def upload_from_json(obj: Json, where: str = "upload") -> Upload:
    exact_keys(obj, {"format", "statement", "credentials"}, where)
    if obj["format"] != UPLOAD:
        raise EncodingError(f"{where}.format", f"expected {UPLOAD!r}, found {obj['format']!r}")
    statement = statement_from_json(get(obj, "statement", dict, where), f"{where}.statement")
    entries = []
    for i, e in enumerate(get(obj, "credentials", list, where)):
        w = f"{where}.credentials[{i}]"
        exact_keys(e, {"credential", "constituency", "reference"}, w)
        entries.append(
            (
                bytes_from_hex(get(e, "credential", str, w), 32, f"{w}.credential"),
                get(e, "constituency", str, w),
                get(e, "reference", str, w),
            )
        )
    return Upload(statement, tuple(entries))
