"""What the close of nominations decides: each candidate's standing and the ballot order
(nominations.md §6).

A candidate stands when not withdrawn, with at least the required number of
valid nominations, from bodies in more than the required number of regions.
The standing candidates are put in the rules' order: ``alphabetical`` (by
surname, the last word of the name as registered, then the whole name, then
the id) or ``lot`` (by ``H("tellers/v1/nominations-lot"; seed, id)``, the
seed drawn in public at the close and logged with it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tellers import canonical
from tellers.crypto.hashing import hash_fields
from tellers.nominations.addresses import Photo

__all__ = ["LOT_TAG", "Address", "Outcome", "Standing", "address_hash", "ballot_order"]

LOT_TAG = "tellers/v1/nominations-lot"


@dataclass(frozen=True, slots=True)
class Address:
    """A candidate's election address as last submitted before the close."""

    text: str
    words: int
    photo: Photo | None

    @property
    def sha256(self) -> str:
        return address_hash(self.text, None if self.photo is None else self.photo.sha256)


def address_hash(text: str, photo_sha256: str | None) -> str:
    """SHA-256 of the canonical ``{"text", "photo"}``: what the close pins of an address."""
    return hashlib.sha256(canonical.dumps({"text": text, "photo": photo_sha256})).hexdigest()


@dataclass(frozen=True, slots=True)
class Standing:
    """One candidate at the close."""

    id: str
    name: str
    valid: int
    """Valid nominations from bodies of the counted kinds."""
    regions: tuple[str, ...]
    """The distinct regions of those bodies, sorted."""
    stands: bool
    reason: str
    """Why not, when the candidate does not stand; empty when they do."""
    address: Address | None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "valid": self.valid,
            "regions": list(self.regions),
        }
        if self.stands:
            out["address"] = None if self.address is None else self.address.sha256
        else:
            out["reason"] = self.reason
        return out


def _surname_key(s: Standing) -> tuple[str, str, str]:
    words = s.name.split()
    return (words[-1].casefold() if words else "", s.name.casefold(), s.id)


def ballot_order(standing: Sequence[Standing], order: str, seed: bytes | None) -> list[Standing]:
    """``standing`` in the rules' order (module docstring)."""
    if order == "lot":
        assert seed is not None
        return sorted(standing, key=lambda s: hash_fields(LOT_TAG, [seed, s.id.encode()]))
    return sorted(standing, key=_surname_key)


@dataclass(frozen=True, slots=True)
class Outcome:
    """The close of nominations, as re-derived from the log (nominations.md §6)."""

    election: str
    contest: str
    office: str
    required: int
    counted_bodies: int
    order: str
    seed: str | None
    candidates: tuple[Standing, ...]
    """The standing candidates, in ballot order."""
    not_standing: tuple[Standing, ...]
    head: str
    """The hash of the log's last line (its close)."""
