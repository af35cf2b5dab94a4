"""Record format ``v2``: what a trustee's vault holds (parties.md §6).

The JSON of ``TrusteeSecrets``, encrypted by ``tellers.vault`` and never
leaving the trustee's machine; each secret is null when it is not, or no
longer, held. Kept apart from ``v2_trustee`` (which re-exports it) for length.
"""

from __future__ import annotations

from typing import Any

from tellers.ceremony import TrusteeSecrets
from tellers.crypto.group import Scalar
from tellers.errors import EncodingError
from tellers.record.v2_fields import bytes_from_hex, exact_keys, get

__all__ = ["SECRETS", "secrets_from_json", "secrets_to_json"]

SECRETS = "tellers/trustee-secrets/v2"

Json = Any


def _scalar_or_none(value: Scalar | None) -> str | None:
    return None if value is None else value.hex()


def secrets_to_json(s: TrusteeSecrets) -> Json:
    return {
        "format": SECRETS,
        "election_id": s.election_id,
        "manifest_hash": s.manifest_hash.hex(),
        "trustee": s.trustee,
        "signing_key": s.signing_key.hex(),
        "ceremony_key": None if s.ceremony_key is None else s.ceremony_key.hex(),
        "polynomial": None if s.polynomial is None else [a.hex() for a in s.polynomial],
        "ephemeral": None if s.ephemeral is None else [e.hex() for e in s.ephemeral],
        "keys": None if s.keys is None else s.keys.hex(),
        "key_share": _scalar_or_none(s.key_share),
    }


def secrets_from_json(obj: Json, where: str = "secrets") -> TrusteeSecrets:
    keys = {
        "format", "election_id", "manifest_hash", "trustee", "signing_key", "ceremony_key",
        "polynomial", "ephemeral", "keys", "key_share",
    }  # fmt: skip
    exact_keys(obj, keys, where)
    if obj["format"] != SECRETS:
        raise EncodingError(f"{where}.format", f"expected {SECRETS!r}")

    def optional_hex(key: str, size: int) -> bytes | None:
        value = obj[key]
        return None if value is None else bytes_from_hex(value, size, f"{where}.{key}")

    def optional_list(key: str) -> list[str] | None:
        value = obj[key]
        if value is not None and not (
            isinstance(value, list) and all(isinstance(x, str) for x in value)
        ):
            raise EncodingError(f"{where}.{key}", "expected a list of hex strings or null")
        return value

    polynomial = optional_list("polynomial")
    ephemeral = optional_list("ephemeral")
    share = obj["key_share"]
    return TrusteeSecrets(
        election_id=get(obj, "election_id", str, where),
        manifest_hash=bytes_from_hex(
            get(obj, "manifest_hash", str, where), 32, f"{where}.manifest_hash"
        ),
        trustee=get(obj, "trustee", int, where),
        signing_key=Scalar.from_hex(
            get(obj, "signing_key", str, where), f"{where}.signing_key", nonzero=True
        ),
        ceremony_key=optional_hex("ceremony_key", 32),
        polynomial=None
        if polynomial is None
        else tuple(Scalar.from_hex(a, f"{where}.polynomial", nonzero=True) for a in polynomial),
        ephemeral=None
        if ephemeral is None
        else tuple(bytes_from_hex(e, 32, f"{where}.ephemeral") for e in ephemeral),
        keys=optional_hex("keys", 32),
        key_share=None if share is None else Scalar.from_hex(share, f"{where}.key_share"),
    )
