"""Exponential ElGamal over secp256k1 (protocol.md §4).

A message m under public key H = x·G with randomness r is the pair
``(alpha, beta) = (r·G, m·G + r·H)``. Ciphertexts add component-wise, so the
sum of encryptions is an encryption of the sum. Decryption recovers m·G =
beta - x·alpha and then m by a bounded discrete-log search (``dlog``).

Randomness is always visible to the caller: an audited ballot publishes it,
and the verifier re-encrypts to check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tellers.crypto.group import POINT_BYTES, Point, Scalar, table_of, times
from tellers.errors import EncodingError

__all__ = [
    "Ciphertext",
    "KeyPair",
    "decrypt_to_point",
    "encrypt",
    "partial_decrypt",
    "plaintext_point",
]

# m·G for the small messages every ballot uses; one fixed-base multiplication saved each time.
_SMALL: dict[int, Point] = {}


def plaintext_point(m: int) -> Point:
    """m·G (m may be negative)."""
    point = _SMALL.get(m)
    if point is None:
        point = Point.base_times(Scalar(m))
        if -16 <= m <= 16:
            _SMALL[m] = point
    return point


@dataclass(frozen=True, slots=True)
class KeyPair:
    """An ElGamal key pair: ``secret`` x, ``public`` H = x·G."""

    secret: Scalar
    public: Point

    @classmethod
    def generate(cls) -> KeyPair:
        secret = Scalar.random()
        return cls(secret, Point.base_times(secret))

    @classmethod
    def from_secret(cls, secret: Scalar) -> KeyPair:
        if secret.is_zero():
            raise EncodingError("secret", "an ElGamal secret key must not be zero")
        return cls(secret, Point.base_times(secret))


@dataclass(frozen=True, slots=True)
class Ciphertext:
    """An exponential ElGamal ciphertext (alpha, beta) = (r·G, m·G + r·H)."""

    alpha: Point
    """alpha = r·G (spec symbol α)."""
    beta: Point
    """beta = m·G + r·H (spec symbol β)."""

    @classmethod
    def zero(cls) -> Ciphertext:
        """The trivial encryption of 0 with randomness 0: the identity of ``+``."""
        return cls(Point.infinity(), Point.infinity())

    def __add__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(self.alpha + other.alpha, self.beta + other.beta)

    @staticmethod
    def sum(ciphertexts: Iterable[Ciphertext]) -> Ciphertext:
        items = list(ciphertexts)
        return Ciphertext(Point.sum([c.alpha for c in items]), Point.sum([c.beta for c in items]))

    def to_bytes(self) -> bytes:
        return self.alpha.to_bytes() + self.beta.to_bytes()

    @classmethod
    def from_bytes(
        cls, data: bytes, field: str = "ciphertext", *, allow_infinity: bool = False
    ) -> Ciphertext:
        if len(data) != 2 * POINT_BYTES:
            raise EncodingError(field, f"expected {2 * POINT_BYTES} bytes, found {len(data)}")
        return cls(
            Point.from_bytes(data[:POINT_BYTES], f"{field}.alpha", allow_infinity=allow_infinity),
            Point.from_bytes(data[POINT_BYTES:], f"{field}.beta", allow_infinity=allow_infinity),
        )


def encrypt(public: Point, m: int, r: Scalar) -> Ciphertext:
    """Encrypt m under ``public`` with the caller's randomness r (r must not be zero)."""
    if public.is_infinity():
        raise EncodingError("public", "the election key must not be the point at infinity")
    if r.is_zero():
        raise EncodingError("randomness", "encryption randomness must not be zero")
    table = table_of(public)
    if table is None:
        return Ciphertext(Point.base_times(r), plaintext_point(m) + times(public, r))
    return Ciphertext(Point.base_times(r), table.times_plus(r, (plaintext_point(m),)))


def partial_decrypt(secret: Scalar, ciphertext: Ciphertext) -> Point:
    """A decryption share x_i·alpha (protocol.md §7.4)."""
    return ciphertext.alpha * secret


def decrypt_to_point(ciphertext: Ciphertext, combined_share: Point) -> Point:
    """m·G = beta - (x·alpha), given the combined decryption share x·alpha."""
    return ciphertext.beta - combined_share
