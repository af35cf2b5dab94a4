"""Hashes that name an election and its published lists (record.md §3.4).

    manifest_hash    = H("tellers/v1/manifest"; canonical manifest JSON)
    credentials_hash = SHA-256 of the bytes of ``credentials.jsonl``
    fingerprint      = H("tellers/v1/election"; manifest_hash, joint key, credentials_hash)

The key ceremony binds ``manifest_hash`` (the joint key does not exist
yet); every ballot and decryption binds ``fingerprint``.
"""

from __future__ import annotations

from tellers import canonical
from tellers.crypto.group import Point
from tellers.crypto.hashing import hash_fields
from tellers.election.manifest import Manifest
from tellers.record.v2 import manifest_to_json

__all__ = ["election_fingerprint", "manifest_hash"]


def manifest_hash(manifest: Manifest) -> bytes:
    return hash_fields("tellers/v1/manifest", [canonical.dumps(manifest_to_json(manifest))])


def election_fingerprint(
    manifest_digest: bytes, joint_key: Point, credentials_hash: bytes
) -> bytes:
    return hash_fields(
        "tellers/v1/election", [manifest_digest, joint_key.to_bytes(), credentials_hash]
    )
