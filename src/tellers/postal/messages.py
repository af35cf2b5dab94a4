"""The postal channel's record JSON (postal.md §4–§6): the paper list, and the signed messages
of the print authority and the opening house.

``papers.jsonl`` lines are ``{"confirmation", "credential", "number"}``, sorted by number,
numbered 1, 2, 3, ... Every signed message is a parties.md §2 object whose ``format``
names its kind and whose ``election`` is the election fingerprint.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tellers import canonical
from tellers.errors import EncodingError, RecordError

__all__ = [
    "AUDIT",
    "LIST",
    "REPLACEMENT",
    "RETURN",
    "VOID",
    "VOID_REASONS",
    "PaperEntry",
    "message_problem",
    "paper_line",
    "papers_hash",
    "read_papers",
    "write_papers",
]

LIST = "tellers/paper-list/v1"
VOID = "tellers/paper-void/v1"
REPLACEMENT = "tellers/paper-replacement/v1"
RETURN = "tellers/paper-return/v1"
AUDIT = "tellers/paper-audit/v1"
VOID_REASONS = ("not-received", "spoilt", "lost")
RETURN_STATUS = ("marked", "spoilt", "audit")

_HEX32 = re.compile(r"[0-9a-f]{64}")
_KEY = re.compile(r"[0-9a-f]{64}")
_SIG = re.compile(r"[0-9a-f]{128}")
_CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}")


@dataclass(frozen=True, slots=True)
class PaperEntry:
    """A paper as the board knows it: who holds it and what it commits to."""

    number: int
    credential: bytes
    confirmation: bytes
    replaces: int | None = None


def paper_line(entry: PaperEntry) -> bytes:
    return canonical.dumps(
        {
            "confirmation": entry.confirmation.hex(),
            "credential": entry.credential.hex(),
            "number": entry.number,
        }
    )


def write_papers(path: Path, entries: Iterable[PaperEntry]) -> tuple[bytes, int]:
    """Write ``papers.jsonl`` (entries in number order); return (its SHA-256, lines)."""
    digest = hashlib.sha256()
    count = 0
    with open(path, "wb") as handle:
        for entry in entries:
            count += 1
            if entry.number != count:
                raise ValueError(f"papers are numbered 1, 2, ...: found {entry.number} at {count}")
            line = paper_line(entry) + b"\n"
            digest.update(line)
            handle.write(line)
    return digest.digest(), count


def papers_hash(path: Path) -> bytes:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.digest()


def read_papers(path: Path) -> Iterator[PaperEntry]:
    """Stream ``papers.jsonl``; ``RecordError`` names the line of anything out of shape."""
    name = str(path)
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):
                raise RecordError(name, number, "truncated line (no newline at the end)")
            try:
                obj = canonical.loads(raw[:-1], f"{name}:{number}")
            except EncodingError as exc:
                raise RecordError(name, number, exc.problem) from None
            if (
                not isinstance(obj, dict)
                or set(obj) != {"confirmation", "credential", "number"}
                or not _is_hex32(obj["confirmation"])
                or not _is_hex32(obj["credential"])
                or type(obj["number"]) is not int
            ):
                raise RecordError(
                    name, number, "expected {confirmation, credential, number} (hex, hex, integer)"
                )
            if canonical.dumps(obj) != raw[:-1]:
                raise RecordError(name, number, "the line is not in canonical JSON form")
            if obj["number"] != number:
                raise RecordError(name, number, f"expected paper {number}, found {obj['number']}")
            yield PaperEntry(
                number, bytes.fromhex(obj["credential"]), bytes.fromhex(obj["confirmation"])
            )


def _is_hex32(v: Any) -> bool:
    return isinstance(v, str) and bool(_HEX32.fullmatch(v))


def _is_int(v: Any) -> bool:
    return type(v) is int and v >= 0


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_sig(v: Any) -> bool:
    return isinstance(v, str) and bool(_SIG.fullmatch(v))


def _is_party(v: Any) -> bool:
    return (
        isinstance(v, dict)
        and set(v) == {"name", "signing_key"}
        and isinstance(v["name"], str)
        and bool(v["name"].strip())
        and isinstance(v["signing_key"], str)
        and bool(_KEY.fullmatch(v["signing_key"]))
    )


def _is_codes(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(c, str) and _CODE.fullmatch(c) for c in v)


def _is_audit_papers(v: Any) -> bool:
    if not isinstance(v, list) or not v:
        return False
    for p in v:
        if not (
            isinstance(p, dict)
            and set(p) == {"codes", "number", "seed"}
            and _is_int(p["number"])
            and _is_hex32(p["seed"])
            and isinstance(p["codes"], list)
            and all(_is_codes(c) for c in p["codes"])
        ):
            return False
    return True


_FIELDS: dict[str, dict[str, Any]] = {
    LIST: {
        "election": _is_hex32,
        "print_authority": _is_party,
        "opening_house": _is_party,
        "papers": _is_int,
        "papers_hash": _is_hex32,
    },
    VOID: {
        "election": _is_hex32,
        "number": _is_int,
        "reason": lambda v: v in VOID_REASONS,
        "check": lambda v: isinstance(v, str) and bool(v.strip()) and len(v) <= 500,
    },
    REPLACEMENT: {
        "election": _is_hex32,
        "number": _is_int,
        "replaces": _is_int,
        "credential": _is_hex32,
        "confirmation": _is_hex32,
    },
    AUDIT: {"election": _is_hex32, "papers": _is_audit_papers},
}


def message_problem(obj: Any, kind: str) -> str | None:
    """What is wrong with the shape of a signed message of ``kind`` (None if nothing): exactly
    its fields (postal.md §5), each of its type. Signatures are checked by the caller."""
    if not isinstance(obj, dict):
        return "expected a signed object"
    fields = _FIELDS[kind]
    expected = {"format", "signature", *fields}
    if set(obj) != expected:
        missing, extra = sorted(expected - set(obj)), sorted(set(obj) - expected)
        return f"fields missing {missing} or extra {extra}"
    if obj["format"] != kind:
        return f"format is {obj['format']!r}, expected {kind!r}"
    if not _is_sig(obj["signature"]):
        return "signature: expected 128 lower-case hex digits"
    for name, test in fields.items():
        if not test(obj[name]):
            return f"{name}: {obj[name]!r:.80} is not of its kind"
    return None
