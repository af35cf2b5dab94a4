"""The parties as the pages show them: names and the key fingerprints to compare out of band.

Everyone may see these (parties.md §3): each trustee's name and signing-key
fingerprint, and the credential authority's name, key fingerprint and the
number of credentials it signed for. A trustee or observer confirms them
against what each party read out; the record carries the same keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from tellers.parties import key_fingerprint, short_text
from tellers.record.v2_authority import statement_from_json
from tellers.web.store.models import Election, TrusteeFile

__all__ = ["Party", "authority_of", "short_fingerprint", "trustees_of"]


@dataclass(frozen=True, slots=True)
class Party:
    index: int
    name: str
    fingerprint: str
    """The signing key's fingerprint, or "" before the party has made its key."""
    credentials: int = 0


def authority_of(election: Election) -> Party | None:
    """The credential authority, from its signed statement (None before its upload)."""
    if not election.authority:
        return None
    stated = statement_from_json(election.authority)
    return Party(0, stated.name, key_fingerprint(stated.signing_key), stated.credentials)


def trustees_of(election: Election) -> list[Party]:
    """Each trustee, with its key fingerprint once it has announced its key."""
    announced = {
        f.trustee.index: json.loads(f.body)["signing_key"]
        for f in TrusteeFile.objects.filter(
            trustee__election=election, kind="announcement"
        ).select_related("trustee")
    }
    return [
        Party(
            t.index,
            t.name,
            key_fingerprint(bytes.fromhex(announced[t.index])) if t.index in announced else "",
        )
        for t in election.trustees.order_by("index")
    ]


def short_fingerprint(election: Election) -> str:
    """The election fingerprint as members compare it with the notice of election."""
    return short_text(bytes.fromhex(election.fingerprint)) if election.fingerprint else ""
