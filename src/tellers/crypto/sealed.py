"""Sealed boxes whose sender can later open them in public (ceremony.md §3.4, §3.7).

A share travels to its recipient in a libsodium *sealed box*: an ephemeral
X25519 key pair (esk, epk), ``nonce = BLAKE2b-192(epk || pk)`` and
``crypto_box(m, nonce, pk, esk)``, sent as ``epk || box``. That is exactly
``crypto_box_seal``, and the recipient opens it with ``crypto_box_seal_open``;
the difference is that the sender draws esk itself and may keep it. Should
the recipient complain that the box is bad, the sender publishes esk, and
anyone can check that it belongs to the box's epk and open the very box the
recipient received — so the complaint is judged on the box, not on anyone's
word. esk opens that one box and nothing else.

With a fixed ``ephemeral_secret`` the box is reproducible (test vectors).
"""

from __future__ import annotations

import hmac
import secrets

import nacl.bindings
import nacl.encoding
import nacl.hash
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox

from tellers.errors import EncodingError

__all__ = [
    "KEY_BYTES",
    "OVERHEAD",
    "X25519KeyPair",
    "open_as_recipient",
    "open_with_ephemeral",
    "seal",
    "x25519_keypair",
    "x25519_public",
]

KEY_BYTES = 32
OVERHEAD = KEY_BYTES + 16
"""epk plus the Poly1305 tag: a sealed box is 48 bytes longer than its plaintext."""


class X25519KeyPair:
    """An X25519 key pair (libsodium ``crypto_box`` keys)."""

    __slots__ = ("private", "public")

    def __init__(self, private: bytes, public: bytes) -> None:
        self.private = private
        self.public = public


def x25519_keypair(seed: bytes | None = None) -> X25519KeyPair:
    """A fresh key pair, or the one ``crypto_box_seed_keypair`` gives for a 32-byte ``seed``."""
    key = PrivateKey.generate() if seed is None else PrivateKey.from_seed(seed)
    return X25519KeyPair(bytes(key), bytes(key.public_key))


def x25519_public(private: bytes) -> bytes:
    """The public key of an X25519 private key."""
    return bytes(nacl.bindings.crypto_scalarmult_base(_key(private, "private")))


def _nonce(epk: bytes, recipient: bytes) -> bytes:
    return nacl.hash.blake2b(epk + recipient, digest_size=24, encoder=nacl.encoding.RawEncoder)


def _key(value: bytes, field: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != KEY_BYTES:
        raise EncodingError(field, f"expected {KEY_BYTES} bytes, found {value!r:.20}")
    return value


def seal(
    recipient: bytes, plaintext: bytes, ephemeral_secret: bytes | None = None
) -> tuple[bytes, bytes]:
    """(sealed box, esk): ``plaintext`` sealed to the X25519 key ``recipient``."""
    _key(recipient, "recipient")
    esk = secrets.token_bytes(KEY_BYTES) if ephemeral_secret is None else ephemeral_secret
    _key(esk, "ephemeral_secret")
    epk = nacl.bindings.crypto_scalarmult_base(esk)
    box = nacl.bindings.crypto_box(plaintext, _nonce(epk, recipient), recipient, esk)
    return epk + box, esk


def open_as_recipient(private: bytes, sealed: bytes) -> bytes:
    """The recipient's view: ``crypto_box_seal_open``; ``ValueError`` when it does not open."""
    try:
        return bytes(SealedBox(PrivateKey(_key(private, "private"))).decrypt(sealed))
    except CryptoError:
        raise ValueError("the sealed box does not open with this key") from None


def open_with_ephemeral(recipient: bytes, sealed: bytes, ephemeral_secret: bytes) -> bytes:
    """Anyone's view once the sender has published esk: ``ValueError`` saying what fails.

    esk must be the secret of the box's epk (first 32 bytes), and the box must
    open under (esk, recipient): this is the box the recipient was sent.
    """
    _key(recipient, "recipient")
    _key(ephemeral_secret, "ephemeral_secret")
    if len(sealed) < OVERHEAD:
        raise ValueError(f"a sealed box is at least {OVERHEAD} bytes, found {len(sealed)}")
    epk, box = sealed[:KEY_BYTES], sealed[KEY_BYTES:]
    if not hmac.compare_digest(nacl.bindings.crypto_scalarmult_base(ephemeral_secret), epk):
        raise ValueError("the revealed ephemeral secret is not the box's (its public key differs)")
    try:
        return bytes(
            nacl.bindings.crypto_box_open(box, _nonce(epk, recipient), recipient, ephemeral_secret)
        )
    except CryptoError:
        raise ValueError(
            "the sealed box does not open with the revealed ephemeral secret"
        ) from None
