"""The parties' signing keys, signed messages and the fingerprints people compare (parties.md).

Every party that does something the record must show — each trustee, the
credential authority — holds a BIP340 signing key made on its own machine.
What it sends is a JSON object with a ``signature`` field::

    digest    = H("tellers/v1/signed"; canonical JSON of the object without "signature")
    signature = BIP340-sign(key, digest)

(canonical JSON as in record.md §2; every signed object names its ``format``,
so no message of one kind reads as another). The record keeps the objects
exactly, so ``tellers verify`` re-checks every signature.

People compare keys out of band by a short **key fingerprint**: the first 80
bits of ``H("tellers/v1/key-fingerprint"; key)`` written as 16 characters of
the credential alphabet in four groups (``K5MM-J12K-JAPK-BHAN``). The election
fingerprint and the ceremony transcripts are shown the same way
(``short_text``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from tellers import canonical
from tellers.crypto.credentials import ALPHABET
from tellers.crypto.group import Scalar, bip340_public_key, bip340_sign, bip340_verify
from tellers.crypto.hashing import hash_fields
from tellers.errors import EncodingError, InvalidSignature

__all__ = [
    "TAG_KEY_FINGERPRINT",
    "TAG_SIGNED",
    "SigningKey",
    "check_signed",
    "key_fingerprint",
    "short_text",
    "sign_object",
    "signed_digest",
]

TAG_SIGNED = "tellers/v1/signed"
TAG_KEY_FINGERPRINT = "tellers/v1/key-fingerprint"
SHORT_BYTES = 10
"""80 bits: 16 characters of a 32-letter alphabet."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A party's BIP340 key pair. ``secret`` never leaves the party's machine."""

    secret: Scalar
    public: bytes
    """The 32-byte x-only public key, published."""

    @classmethod
    def generate(cls) -> SigningKey:
        return cls.from_secret(Scalar.random())

    @classmethod
    def from_secret(cls, secret: Scalar) -> SigningKey:
        return cls(secret, bip340_public_key(secret))

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.public)


def signed_digest(obj: dict[str, Any]) -> bytes:
    """The 32 bytes a party signs: H("tellers/v1/signed"; canonical object without signature)."""
    if not isinstance(obj, dict):
        raise EncodingError("message", "a signed message is a JSON object")
    body = {k: v for k, v in obj.items() if k != "signature"}
    return hash_fields(TAG_SIGNED, [canonical.dumps(body)])


def sign_object(key: SigningKey, obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` with its ``signature`` (64 bytes, hex) by ``key``."""
    signature = bip340_sign(key.secret, signed_digest(obj), secrets.token_bytes(32))
    return {**obj, "signature": signature.hex()}


def check_signed(obj: dict[str, Any], public: bytes, where: str) -> None:
    """``InvalidSignature`` naming ``where`` unless ``obj`` is signed by ``public``."""
    text = obj.get("signature") if isinstance(obj, dict) else None
    if not isinstance(text, str) or len(text) != 128 or text != text.lower():
        raise InvalidSignature(f"{where}: expected a 64-byte signature in lower-case hex")
    try:
        signature = bytes.fromhex(text)
    except ValueError:
        raise InvalidSignature(f"{where}: the signature is not hexadecimal") from None
    try:
        bip340_verify(public, signed_digest(obj), signature)
    except InvalidSignature as exc:
        raise InvalidSignature(f"{where}: {exc}") from None


def short_text(data: bytes) -> str:
    """The first 80 bits of ``data`` as ``XXXX-XXXX-XXXX-XXXX`` in the credential alphabet."""
    if len(data) < SHORT_BYTES:
        raise EncodingError("short_text", f"needs at least {SHORT_BYTES} bytes")
    bits = int.from_bytes(data[:SHORT_BYTES], "big")
    chars = "".join(ALPHABET[(bits >> (5 * (15 - p))) & 31] for p in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def key_fingerprint(public: bytes) -> str:
    """What a party reads out so others can confirm its key: short_text(H(tag; key))."""
    return short_text(hash_fields(TAG_KEY_FINGERPRINT, [public]))
