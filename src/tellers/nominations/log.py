"""The nominations log's lines: an append-only, hash-chained JSON-lines file (nominations.md §4).

Each line is the canonical JSON of ``{"seq", "prev", "type", "body", "hash"}``:
``seq`` counts from 1, ``prev`` is the previous line's ``hash`` (64 zeros
for the first), and ``hash`` is ``H("tellers/v1/nominations-event";
canonical({"seq", "prev", "type", "body"}))``. Changing, dropping,
inserting or reordering a line breaks the chain at that line; the last
hash, published with the result, pins the whole log.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from tellers import canonical
from tellers.crypto.hashing import hash_fields
from tellers.errors import EncodingError, NominationsFileError

__all__ = ["EVENT_TAG", "GENESIS", "LogEvent", "chain_event", "read_log_lines"]

EVENT_TAG: Final = "tellers/v1/nominations-event"
GENESIS: Final = "0" * 64


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One line of the log."""

    seq: int
    prev: str
    type: str
    body: Any
    hash: str

    def to_line(self) -> bytes:
        return canonical.dumps(
            {
                "seq": self.seq,
                "prev": self.prev,
                "type": self.type,
                "body": self.body,
                "hash": self.hash,
            }
        )


def _hash(seq: int, prev: str, kind: str, body: Any) -> str:
    unsigned = canonical.dumps({"seq": seq, "prev": prev, "type": kind, "body": body})
    return hash_fields(EVENT_TAG, [unsigned]).hex()


def chain_event(prev: LogEvent | None, kind: str, body: Any) -> LogEvent:
    """The event after ``prev`` (None: the first)."""
    seq = 1 if prev is None else prev.seq + 1
    before = GENESIS if prev is None else prev.hash
    return LogEvent(seq, before, kind, body, _hash(seq, before, kind, body))


def read_log_lines(lines: Iterable[bytes | str], path: str) -> Iterator[LogEvent]:
    """The events of a log file, each checked for form and chain; ``NominationsFileError``
    naming the first line that is not canonical JSON, out of sequence or off the chain."""
    prev_hash, expect = GENESIS, 1
    for number, raw in enumerate(lines, start=1):
        data = raw.encode() if isinstance(raw, str) else raw
        data = data.rstrip(b"\r\n")
        if not data:
            raise NominationsFileError(path, number, "empty line")
        try:
            obj = canonical.loads(data)
        except EncodingError as exc:
            raise NominationsFileError(path, number, f"not JSON: {exc}") from None
        if not isinstance(obj, dict) or set(obj) != {"seq", "prev", "type", "body", "hash"}:
            raise NominationsFileError(
                path, number, "expected an object with seq, prev, type, body, hash"
            )
        if canonical.dumps(obj) != data:
            raise NominationsFileError(path, number, "the line is not in canonical form")
        if obj["seq"] != expect:
            raise NominationsFileError(
                path, number, f"seq: expected {expect}, found {obj['seq']!r}"
            )
        if obj["prev"] != prev_hash:
            raise NominationsFileError(
                path,
                number,
                f"prev: expected {prev_hash} (line {number - 1}'s hash), found "
                f"{obj['prev']!r}: a line before it was changed, removed or inserted",
            )
        if not isinstance(obj["type"], str):
            raise NominationsFileError(path, number, "type: expected a string")
        want = _hash(expect, prev_hash, obj["type"], obj["body"])
        if obj["hash"] != want:
            raise NominationsFileError(
                path, number, f"hash: expected {want}, found {obj['hash']!r}: the line was changed"
            )
        yield LogEvent(expect, prev_hash, obj["type"], obj["body"], want)
        prev_hash, expect = want, expect + 1
