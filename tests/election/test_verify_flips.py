"""Random damage to an unsealed record is always detected (record.md §9).

Flipping any one hex digit of any file, or deleting or duplicating any
line, either makes the record unusable (``RecordError``, naming the file) or
makes the report invalid. Seeded, so each case explores the same positions.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tellers.errors import RecordError
from tellers.verify import verify_record

FILES = (
    "index.json",
    "manifest.json",
    "ceremony.json",
    "credentials.jsonl",
    "board.jsonl",
    "result.json",
)
HEX = b"0123456789abcdef"
BATCHES = 15
PER_BATCH = 10  # 150 flips in all


def _detected(record: Path) -> str:
    """What caught the damage: the failed checks, or the unusable file."""
    try:
        report = verify_record(record)
    except RecordError as exc:
        return f"unusable: {exc.path}"
    assert not report.valid, "damage went unnoticed"
    return ",".join(sorted({f.check for f in report.failures}))


def _flip(data: bytes, rng: random.Random) -> bytes:
    positions = [i for i, byte in enumerate(data) if byte in HEX]
    at = rng.choice(positions)
    replacement = rng.choice([h for h in HEX if h != data[at]])
    return data[:at] + bytes([replacement]) + data[at + 1 :]


@pytest.mark.parametrize("batch", range(BATCHES))
def test_any_flipped_hex_digit_is_detected(record: Path, batch: int) -> None:
    rng = random.Random(1000 + batch)
    caught = []
    for i in range(PER_BATCH):
        path = record / FILES[(batch * PER_BATCH + i) % len(FILES)]
        original = path.read_bytes()
        path.write_bytes(_flip(original, rng))
        caught.append(_detected(record))
        path.write_bytes(original)
    assert all(caught)
    assert verify_record(record).valid  # every file was put back


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("action", ["delete", "duplicate"])
def test_deleting_or_duplicating_a_line_is_detected(record: Path, name: str, action: str) -> None:
    rng = random.Random(f"{name}-{action}")
    path = record / name
    original = path.read_bytes()
    lines = original.splitlines(keepends=True)
    for at in sorted({0, len(lines) - 1, *rng.sample(range(len(lines)), min(3, len(lines)))}):
        changed = list(lines)
        if action == "delete":
            del changed[at]
        else:
            changed.insert(at, lines[at])
        path.write_bytes(b"".join(changed))
        assert _detected(record), (name, action, at)
    path.write_bytes(original)
