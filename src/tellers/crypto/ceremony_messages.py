"""What trustees publish and keep in the key ceremony and at decryption (ceremony.md §2).

Value types only; the steps that make and check them are in ``threshold``.
Trustees are numbered 1..n (the index is the x-coordinate of their share);
the quorum k is the number of trustees needed to decrypt.
"""

from __future__ import annotations

from dataclasses import dataclass

from tellers.crypto.group import Point, Scalar
from tellers.crypto.hashing import int_field
from tellers.crypto.proofs import ChaumPedersenProof, SchnorrProof

__all__ = [
    "MAX_TRUSTEES",
    "CeremonyKey",
    "DecryptionShare",
    "EncryptedShare",
    "TrusteeCommitment",
    "TrusteeKey",
    "TrusteePolynomial",
    "commitment_context",
    "decryption_context",
]

MAX_TRUSTEES = 255
"""n is at most 255: far more than any union appoints, and it keeps l^j small."""


def commitment_context(trustee: int, j: int) -> bytes:
    """Context of the key proof for C_ij: ``"trustee" || u64(i) || u64(j)`` (§3.3)."""
    return b"trustee" + int_field(trustee) + int_field(j)


def decryption_context(trustee: int) -> bytes:
    """Context of trustee l's decryption proofs: ``"decrypt" || u64(l)`` (§4.1)."""
    return b"decrypt" + int_field(trustee)


@dataclass(frozen=True, slots=True)
class CeremonyKey:
    """A trustee's X25519 key pair for receiving shares in sealed boxes (ceremony.md §3.1).

    Used only during the ceremony; the private half never leaves the trustee.
    """

    trustee: int
    """l, the owner's index."""
    private: bytes
    """The X25519 private key (32 bytes). Secret."""
    public: bytes
    """The X25519 public key (32 bytes), published before step 2."""


@dataclass(frozen=True, slots=True)
class TrusteePolynomial:
    """Trustee i's secret polynomial f_i(z) = Σ_j a_ij·z^j of degree k - 1 (§3.2). Secret."""

    trustee: int
    """i, the trustee's index (1-based)."""
    coefficients: tuple[Scalar, ...]
    """(a_i0, ..., a_i,k-1); a_i0 is the trustee's contribution to the election secret."""

    def at(self, z: int) -> Scalar:
        """f_i(z), by Horner's rule."""
        value = 0
        for a in reversed(self.coefficients):
            value = value * z + a.value
        return Scalar(value)


@dataclass(frozen=True, slots=True)
class TrusteeCommitment:
    """Trustee i's published Feldman commitments with their key proofs (§3.3)."""

    trustee: int
    """i, the trustee's index (1-based)."""
    coefficients: tuple[Point, ...]
    """(C_i0, ..., C_i,k-1) with C_ij = a_ij·G; C_i0 is i's part of the election key."""
    proofs: tuple[SchnorrProof, ...]
    """One Schnorr proof of knowledge of a_ij per C_ij (protocol.md §5.1),
    with context ``"trustee" || u64(i) || u64(j)``."""


@dataclass(frozen=True, slots=True)
class EncryptedShare:
    """Trustee i's share s_il = f_i(l) for trustee l, in a sealed box to l's ceremony key (§3.4)."""

    sender: int
    """i, who made the share."""
    recipient: int
    """l, who can open it."""
    sealed: bytes
    """SealedBox(pk_l, fingerprint || u64(i) || u64(l) || s_il): 80 + 48 bytes."""


@dataclass(frozen=True, slots=True)
class TrusteeKey:
    """Trustee l's share of the election secret, after the ceremony (§3.6)."""

    trustee: int
    """l, the trustee's index."""
    secret: Scalar
    """x_l = Σ_i s_il = F(l), where F = Σ_i f_i and x = F(0). Secret."""
    public: Point
    """X_l = x_l·G: the verification key anyone can recompute from the commitments."""


@dataclass(frozen=True, slots=True)
class DecryptionShare:
    """Trustee l's share of the decryption of one ciphertext, with its proof (§4.1)."""

    trustee: int
    """l, the trustee's index."""
    share: Point
    """D_l = x_l·alpha."""
    proof: ChaumPedersenProof
    """log_G X_l = log_alpha D_l (protocol.md §5.2), context ``"decrypt" || u64(l)``."""
