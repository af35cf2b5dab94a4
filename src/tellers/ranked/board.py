"""A ranked contest's board rows: what the first shuffle takes (ranked.md §4).

The rows of the counted ballots (the accepted ballots a later one did not supersede, as
the tally counts them, record.md §6.2) that hold the contest, in the order those ballots
stand on the board. The same function serves the election (``conduct``), each trustee
and the verifier, each from the set of counted trackers it derived itself.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from tellers import canonical
from tellers.crypto.packed import PackedRows
from tellers.election.manifest import Manifest
from tellers.record.v2 import ballot_from_json

__all__ = ["counted_rows"]

_ACCEPTED = b'"type":"ballot-accepted"}'


def counted_rows(
    board: Path, manifest: Manifest, counted: Collection[bytes]
) -> dict[str, PackedRows]:
    """Ranked contest id → the rows of the ballots whose trackers are in ``counted``, as
    their encodings (each ballot's points are decoded as it is read, then let go)."""
    rows: dict[str, list[PackedRows]] = {c.id: [] for c in manifest.contests if c.ranked}
    widths = {c.id: c.width for c in manifest.contests if c.ranked}
    if not rows:
        return {}
    with open(board, "rb") as handle:
        for raw in handle:
            if not raw.rstrip(b"\n").endswith(_ACCEPTED):
                continue
            body = canonical.loads(raw.rstrip(b"\n"))["body"]
            if bytes.fromhex(body["tracker"]) not in counted:
                continue
            for contest in ballot_from_json(body["ballot"]).contests:
                if contest.contest_id in rows:
                    rows[contest.contest_id].append(
                        PackedRows.from_rows([tuple(p.ciphertext for p in contest.preferences)])
                    )
    return {c: PackedRows.join(r, widths[c]) for c, r in rows.items()}
