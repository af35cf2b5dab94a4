"""The verifier reads records of formats v3 to v8 (record.md §1.2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tellers.verify import verify_record


@pytest.mark.parametrize("fmt", ["v3", "v4", "v5", "v6", "v7"])
def test_a_record_of_an_older_format_still_verifies(record: Path, fmt: str) -> None:
    # The small record's manifest is tellers-manifest/v2: the same bytes in v3 to v8
    # but for the index's format, which is all an older Tellers wrote differently.
    index = record / "index.json"
    text = index.read_bytes()
    assert b'"format":"tellers-record/v9"' in text
    index.write_bytes(text.replace(b"tellers-record/v9", f"tellers-record/{fmt}".encode()))
    report = verify_record(record)
    assert report.failures == [] and report.valid
    assert report.figures["electorate"] == 8
