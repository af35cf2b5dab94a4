"""The context of every proof in a ballot (record.md §4.3): ``credential ‖ u32(contest index)
‖ u32(slot)``, so that no proof can be moved to another ballot, contest or position."""

from __future__ import annotations

__all__ = ["TOTAL_SLOT", "proof_context"]

TOTAL_SLOT = 0xFFFFFFFF
"""The slot of a contest's total proof."""


def proof_context(credential: bytes, contest_index: int, slot: int) -> bytes:
    return credential + contest_index.to_bytes(4, "big") + slot.to_bytes(4, "big")
