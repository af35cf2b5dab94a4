"""A ranked contest's part of a ballot: one ciphertext per preference, each with its proof
(ranked.md §3).

Position p's ciphertext (α_p, β_p) = (r_p·G, v_p·G + r_p·H) carries a Schnorr proof of
knowledge of r_p, bound to the whole ciphertext and to the context ``credential ‖
u32(contest index) ‖ u32(p - 1)`` (record.md §4's proof context, slot p - 1):

    w random,  c = H_challenge("tellers/v1/proof/preference"; fp, ctx, H, α, β, w·G),
    s = w + c·r_p;   the proof is (c, s);  it checks when c = H_challenge(…, s·G − c·α).

It stops the replay attack on ranked ballots: without it a member could copy another's
row (or one preference of it, re-randomised) into their own ballot and, when two equal
rows are decrypted, learn the other's ranking; a copier knows the randomness it added,
never the whole r_p. It does not prove the range or that no candidate is ranked twice
(security.md, "Ranked ballots"): the rows are decrypted one by one, so what a hand-made
row holds is seen, and counted as the rule treats such a paper (``ranking.ranks_of``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tellers.contexts import proof_context
from tellers.crypto.elgamal import Ciphertext, encrypt
from tellers.crypto.group import Point, Scalar
from tellers.crypto.hashing import challenge
from tellers.crypto.proofs import SchnorrProof
from tellers.errors import InvalidProof

__all__ = [
    "TAG_PREFERENCE",
    "EncryptedPreference",
    "check_preference",
    "check_ranking",
    "encrypt_ranking",
    "prove_preference",
]

TAG_PREFERENCE = "tellers/v1/proof/preference"

Rand = Callable[[], Scalar]


@dataclass(frozen=True, slots=True)
class EncryptedPreference:
    """Preference position p of a ranked ballot: Enc(v_p) and the proof of knowledge of r_p."""

    ciphertext: Ciphertext
    proof: SchnorrProof


def prove_preference(
    fingerprint: bytes,
    public: Point,
    ciphertext: Ciphertext,
    r: Scalar,
    *,
    context: bytes,
    rand: Rand = Scalar.random,
) -> SchnorrProof:
    """The proof that the maker of ``ciphertext`` knows r with α = r·G (module docstring)."""
    w = rand()
    c = challenge(
        TAG_PREFERENCE,
        fingerprint,
        [context, public, ciphertext.alpha, ciphertext.beta, Point.base_times(w)],
    )
    return SchnorrProof(c, w + c * r)


def check_preference(
    fingerprint: bytes,
    public: Point,
    ciphertext: Ciphertext,
    proof: SchnorrProof,
    *,
    context: bytes,
) -> None:
    """Raise ``InvalidProof`` unless ``proof`` is ``prove_preference``'s for this statement."""
    commitment = Point.base_plus(proof.response, ciphertext.alpha, -proof.challenge)
    found = challenge(
        TAG_PREFERENCE,
        fingerprint,
        [context, public, ciphertext.alpha, ciphertext.beta, commitment],
    )
    if found != proof.challenge:
        raise InvalidProof("preference proof: challenge does not match (s·G - c·alpha)")


def encrypt_ranking(
    fingerprint: bytes,
    public: Point,
    values: Sequence[int],
    *,
    credential: bytes,
    contest_index: int,
    rand: Rand = Scalar.random,
) -> tuple[tuple[EncryptedPreference, ...], tuple[Scalar, ...]]:
    """The row for ``values`` (``ranking.ranking_values``) and the randomness r_1..r_W (kept
    only for an audit)."""
    preferences: list[EncryptedPreference] = []
    randomness: list[Scalar] = []
    for slot, value in enumerate(values):
        r = rand()
        ciphertext = encrypt(public, value, r)
        proof = prove_preference(
            fingerprint,
            public,
            ciphertext,
            r,
            context=proof_context(credential, contest_index, slot),
            rand=rand,
        )
        preferences.append(EncryptedPreference(ciphertext, proof))
        randomness.append(r)
    return tuple(preferences), tuple(randomness)


def check_ranking(
    fingerprint: bytes,
    public: Point,
    preferences: Sequence[EncryptedPreference],
    *,
    credential: bytes,
    contest_index: int,
    width: int,
) -> None:
    """Raise ``InvalidProof`` naming the position unless the row has ``width`` preferences,
    each with a proof that checks."""
    if len(preferences) != width:
        raise InvalidProof(f"expected {width} preferences, found {len(preferences)}")
    for slot, preference in enumerate(preferences):
        try:
            check_preference(
                fingerprint,
                public,
                preference.ciphertext,
                preference.proof,
                context=proof_context(credential, contest_index, slot),
            )
        except InvalidProof as exc:
            raise InvalidProof(f"preference {slot + 1}: {exc}") from None
