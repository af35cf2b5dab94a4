"""The bridge from stored state to the core's values (no crypto of its own).

``election_context`` gives what checking a ballot needs; ``credentials``
the published list; ``second_factor_hash`` the binding that lets the vote
page check a member's second factor (the membership number) against the
public credential the browser derived, without the server ever seeing the
credential code. The binding is an HMAC under the site's factor key, which
lives in the site's settings, not in its database: a copy of the database
alone does not link a credential to a member (credentials.md §7).
"""

from __future__ import annotations

import hashlib
import hmac

from tellers.board import ElectionContext
from tellers.crypto.group import Point
from tellers.crypto.hashing import hash_fields
from tellers.election.manifest import Manifest
from tellers.record.v2 import manifest_from_json
from tellers.web.store.models import CredentialRecord, Election

__all__ = ["credentials", "election_context", "manifest", "second_factor_hash"]


def manifest(election: Election) -> Manifest:
    return manifest_from_json(election.manifest)


def election_context(election: Election) -> ElectionContext:
    """Only for an election whose ceremony is complete (``election_key`` and fingerprint set)."""
    if not election.election_key or not election.fingerprint:
        raise ValueError(f"election {election.slug} has no key yet: the ceremony is not complete")
    return ElectionContext(
        manifest(election),
        bytes.fromhex(election.fingerprint),
        Point.from_hex(election.election_key, "election_key"),
    )


def credentials(election: Election) -> dict[bytes, str]:
    rows = CredentialRecord.objects.filter(election=election).values_list(
        "public_credential", "constituency"
    )
    return {bytes.fromhex(c): k for c, k in rows.iterator()}


def second_factor_hash(public_credential: bytes, member_number: str) -> str:
    """HMAC-SHA256(factor key; H("tellers/v1/second-factor"; credential, number)).

    The number is compared with white space removed and letters upper-cased.
    """
    from django.conf import settings

    normalised = "".join(member_number.split()).upper().encode()
    message = hash_fields("tellers/v1/second-factor", [public_credential, normalised])
    return hmac.new(settings.TELLERS_FACTOR_KEY, message, hashlib.sha256).hexdigest()
