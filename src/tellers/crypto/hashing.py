"""Domain-separated, length-prefixed SHA-256 (protocol.md §3).

Every hash Tellers computes is ``H(tag; f1, ..., fk)``::

    SHA-256( u32(len(tag)) || tag || u32(k) || u32(len(f1)) || f1 || ... || u32(len(fk)) || fk )

where ``u32`` is a 4-byte big-endian length and ``tag`` is ASCII. The tag
separates uses; the field count and lengths make the encoding injective, so
no two different statements hash the same bytes.

A Fiat–Shamir challenge is ``H(tag; fingerprint, statement..., commitments...)``
reduced modulo n: it binds the election fingerprint, the whole statement
(keys, ciphertexts, bounds) and the prover's commitments — never the
commitments alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from tellers.crypto.group import Point, Scalar
from tellers.errors import EncodingError

__all__ = ["FINGERPRINT_BYTES", "challenge", "hash_fields", "int_field", "short_challenges"]

FINGERPRINT_BYTES = 32


def hash_fields(tag: str, fields: Iterable[bytes]) -> bytes:
    """``H(tag; fields...)``: 32 bytes."""
    items = list(fields)
    tag_bytes = tag.encode("ascii")
    h = hashlib.sha256()
    h.update(len(tag_bytes).to_bytes(4, "big"))
    h.update(tag_bytes)
    h.update(len(items).to_bytes(4, "big"))
    for item in items:
        h.update(len(item).to_bytes(4, "big"))
        h.update(item)
    return h.digest()


def challenge(tag: str, fingerprint: bytes, statement: Iterable[Point | Scalar | bytes]) -> Scalar:
    """The Fiat–Shamir challenge ``H(tag; fingerprint, statement...) mod n``.

    ``statement`` lists the public statement then the commitments, in the order
    the spec gives for each proof; points and scalars enter as their canonical
    encodings.
    """
    if len(fingerprint) != FINGERPRINT_BYTES:
        raise EncodingError(
            "fingerprint", f"expected {FINGERPRINT_BYTES} bytes, found {len(fingerprint)}"
        )
    fields = [fingerprint]
    for item in statement:
        fields.append(item if isinstance(item, bytes) else item.to_bytes())
    return Scalar.from_digest(hash_fields(tag, fields))


def int_field(value: int) -> bytes:
    """A small non-negative integer as a hash field: 8 bytes big-endian."""
    if value < 0 or value >= 1 << 64:
        raise EncodingError("integer", f"expected 0 <= value < 2**64, found {value}")
    return value.to_bytes(8, "big")


def short_challenges(tag: str, fingerprint: bytes, digest: bytes, count: int) -> list[Scalar]:
    """``int(H(tag; fingerprint, digest, u64(i))) mod 2^128`` for i = 1..count: the 128-bit
    weights a verifier combines many equations with (a shuffle's vector challenges, a
    batch of decryption shares). Each hash is the common prefix's SHA-256 state copied
    and fed u64(i): the same bytes as ``hash_fields``, without building them again."""
    tag_bytes = tag.encode("ascii")
    prefix = hashlib.sha256()
    prefix.update(len(tag_bytes).to_bytes(4, "big") + tag_bytes + (3).to_bytes(4, "big"))
    for field in (fingerprint, digest):
        prefix.update(len(field).to_bytes(4, "big") + field)
    prefix.update((8).to_bytes(4, "big"))  # the length of u64(i)
    out = []
    for i in range(1, count + 1):
        h = prefix.copy()
        h.update(i.to_bytes(8, "big"))
        out.append(Scalar(int.from_bytes(h.digest(), "big") % _SHORT))
    return out


_SHORT = 1 << 128
