"""Zero-knowledge proofs (protocol.md §5): complete, bound to everything they claim, sound.

Each proof verifies when honest; changing any single field of the proof or of
its statement makes the check raise ``InvalidProof``; so does checking under
another election fingerprint, or a proof made for a false statement.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strategies import contexts, fingerprints, key_pairs, nonzero_scalars, points
from tellers.crypto.elgamal import Ciphertext, KeyPair, encrypt
from tellers.crypto.group import Point, Scalar
from tellers.crypto.proofs import (
    ChaumPedersenProof,
    RangeProof,
    SchnorrProof,
    check_bit,
    check_decryption_share,
    check_key,
    check_range,
    prove_bit,
    prove_decryption_share,
    prove_key,
    prove_range,
)
from tellers.errors import InvalidProof

FAST = settings(max_examples=25)


def _nonces(seed: bytes) -> Callable[[], Scalar]:
    counter = itertools.count()
    return lambda: Scalar.from_digest(
        hashlib.sha256(seed + next(counter).to_bytes(4, "big")).digest()
    )


# Statements with their proofs, as values we can change one field at a time.


@dataclass(frozen=True)
class KeyClaim:
    fingerprint: bytes
    context: bytes
    public: Point
    proof: SchnorrProof

    def check(self) -> None:
        check_key(self.fingerprint, self.public, self.proof, context=self.context)


@dataclass(frozen=True)
class ShareClaim:
    fingerprint: bytes
    context: bytes
    public: Point
    alpha: Point
    share: Point
    proof: ChaumPedersenProof

    def check(self) -> None:
        check_decryption_share(
            self.fingerprint, self.public, self.alpha, self.share, self.proof, context=self.context
        )


@dataclass(frozen=True)
class RangeClaim:
    fingerprint: bytes
    context: bytes
    public: Point
    ciphertext: Ciphertext
    lo: int
    hi: int
    proof: RangeProof

    def check(self) -> None:
        if (self.lo, self.hi) == (0, 1):
            check_bit(
                self.fingerprint, self.public, self.ciphertext, self.proof, context=self.context
            )
        check_range(
            self.fingerprint,
            self.public,
            self.ciphertext,
            self.lo,
            self.hi,
            self.proof,
            context=self.context,
        )


FP = hashlib.sha256(b"tellers test election").digest()
CTX = b"credential-0042/contest-1/choice-2"
KEYS = KeyPair.from_secret(Scalar.from_digest(hashlib.sha256(b"test trustee").digest()))
R = Scalar.from_digest(hashlib.sha256(b"test randomness").digest())


def _key_claim() -> KeyClaim:
    proof = prove_key(FP, KEYS.secret, context=CTX, rand=_nonces(b"key"))
    return KeyClaim(FP, CTX, KEYS.public, proof)


def _share_claim() -> ShareClaim:
    alpha = Point.base_times(R)
    share, proof = prove_decryption_share(
        FP, KEYS.secret, alpha, context=CTX, rand=_nonces(b"share")
    )
    return ShareClaim(FP, CTX, KEYS.public, alpha, share, proof)


def _bit_claim() -> RangeClaim:
    c = encrypt(KEYS.public, 1, R)
    proof = prove_bit(FP, KEYS.public, c, 1, R, context=CTX, rand=_nonces(b"bit"))
    return RangeClaim(FP, CTX, KEYS.public, c, 0, 1, proof)


def _range_claim() -> RangeClaim:
    c = encrypt(KEYS.public, 3, R)
    proof = prove_range(FP, KEYS.public, c, 3, R, 1, 4, context=CTX, rand=_nonces(b"range"))
    return RangeClaim(FP, CTX, KEYS.public, c, 1, 4, proof)


CLAIMS: dict[str, Callable[[], Any]] = {
    "key": _key_claim,
    "share": _share_claim,
    "bit": _bit_claim,
    "range": _range_claim,
}


def _nudge(value: object, delta: Scalar) -> object:
    """A different value of the same type, moved by ``delta`` (never zero)."""
    if isinstance(value, Scalar):
        return value + delta
    if isinstance(value, Point):
        return value + Point.base_times(delta)
    if isinstance(value, bytes):
        bit = delta.value % (8 * len(value))
        flipped = bytearray(value)
        flipped[bit // 8] ^= 1 << (bit % 8)
        return bytes(flipped)
    if isinstance(value, int):
        return value + 1
    raise TypeError(type(value).__name__)


def _tamper(obj: Any, path: str, delta: Scalar) -> Any:
    """``obj`` with the field at ``path`` (``a.b``, ``a[i]``, or ``bounds``) changed."""
    if path == "bounds":  # lo and hi moved together: same width, other statement
        return dataclasses.replace(obj, lo=obj.lo + 1, hi=obj.hi + 1)
    name, _, rest = path.partition(".")
    index = None
    if name.endswith("]"):
        name, digits = name[:-1].split("[")
        index = int(digits)
    value = getattr(obj, name)
    if index is not None:
        items = list(value)
        items[index] = _nudge(items[index], delta)
        new: object = tuple(items)
    elif rest:
        new = _tamper(value, rest, delta)
    else:
        new = _nudge(value, delta)
    return dataclasses.replace(obj, **{name: new})


@pytest.mark.parametrize("kind", sorted(CLAIMS))
def test_deterministic_honest_proof_checks(kind: str) -> None:
    assert CLAIMS[kind]().check() is None


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("key", "fingerprint"),
        ("key", "context"),
        ("key", "public"),
        ("key", "proof.challenge"),
        ("key", "proof.response"),
        ("share", "fingerprint"),
        ("share", "context"),
        ("share", "public"),
        ("share", "alpha"),
        ("share", "share"),
        ("share", "proof.challenge"),
        ("share", "proof.response"),
        ("bit", "fingerprint"),
        ("bit", "context"),
        ("bit", "public"),
        ("bit", "ciphertext.alpha"),
        ("bit", "ciphertext.beta"),
        ("bit", "lo"),
        ("bit", "hi"),
        ("bit", "bounds"),
        ("bit", "proof.challenges[0]"),
        ("bit", "proof.challenges[1]"),
        ("bit", "proof.responses[0]"),
        ("bit", "proof.responses[1]"),
        ("range", "fingerprint"),
        ("range", "context"),
        ("range", "public"),
        ("range", "ciphertext.alpha"),
        ("range", "ciphertext.beta"),
        ("range", "lo"),
        ("range", "hi"),
        ("range", "bounds"),
        ("range", "proof.challenges[0]"),
        ("range", "proof.challenges[1]"),
        ("range", "proof.challenges[2]"),
        ("range", "proof.challenges[3]"),
        ("range", "proof.responses[0]"),
        ("range", "proof.responses[1]"),
        ("range", "proof.responses[2]"),
        ("range", "proof.responses[3]"),
    ],
)
@given(delta=nonzero_scalars())
@settings(max_examples=10)
def test_changing_any_single_field_breaks_the_proof(kind: str, path: str, delta: Scalar) -> None:
    tampered = _tamper(CLAIMS[kind](), path, delta)
    with pytest.raises(InvalidProof):
        tampered.check()


# Completeness and binding, over random inputs --------------------------------------------


@given(nonzero_scalars(), fingerprints(), contexts())
@FAST
def test_key_proof_checks(secret: Scalar, fp: bytes, ctx: bytes) -> None:
    proof = prove_key(fp, secret, context=ctx)
    check_key(fp, Point.base_times(secret), proof, context=ctx)  # raises if it fails


@given(key_pairs(), points(allow_infinity=True), fingerprints(), contexts())
@FAST
def test_decryption_share_proof_checks(keys: KeyPair, alpha: Point, fp: bytes, ctx: bytes) -> None:
    share, proof = prove_decryption_share(fp, keys.secret, alpha, context=ctx)
    assert share == alpha * keys.secret
    check_decryption_share(fp, keys.public, alpha, share, proof, context=ctx)  # raises if it fails


@given(key_pairs(), st.integers(0, 1), nonzero_scalars(), fingerprints(), contexts())
@FAST
def test_bit_proof_checks(keys: KeyPair, m: int, r: Scalar, fp: bytes, ctx: bytes) -> None:
    c = encrypt(keys.public, m, r)
    proof = prove_bit(fp, keys.public, c, m, r, context=ctx)
    assert len(proof.challenges) == len(proof.responses) == 2
    check_bit(fp, keys.public, c, proof, context=ctx)  # raises if it fails


@given(key_pairs(), st.data(), nonzero_scalars(), fingerprints())
@FAST
def test_range_proof_checks(keys: KeyPair, data: st.DataObject, r: Scalar, fp: bytes) -> None:
    lo = data.draw(st.integers(0, 5), label="lo")
    hi = data.draw(st.integers(lo, lo + 5), label="hi")
    m = data.draw(st.integers(lo, hi), label="m")
    c = encrypt(keys.public, m, r)
    proof = prove_range(fp, keys.public, c, m, r, lo, hi)
    check_range(fp, keys.public, c, lo, hi, proof)  # raises if it fails


@given(nonzero_scalars(), fingerprints(), fingerprints())
@FAST
def test_key_proof_is_bound_to_the_election(secret: Scalar, fp: bytes, other: bytes) -> None:
    if fp != other:
        proof = prove_key(fp, secret)
        with pytest.raises(InvalidProof):
            check_key(other, Point.base_times(secret), proof)


@given(key_pairs(), points(), fingerprints(), fingerprints())
@FAST
def test_decryption_proof_is_bound_to_the_election(
    keys: KeyPair, alpha: Point, fp: bytes, other: bytes
) -> None:
    if fp != other:
        share, proof = prove_decryption_share(fp, keys.secret, alpha)
        with pytest.raises(InvalidProof):
            check_decryption_share(other, keys.public, alpha, share, proof)


@given(key_pairs(), st.integers(0, 1), nonzero_scalars(), fingerprints(), fingerprints())
@FAST
def test_bit_proof_is_bound_to_the_election(
    keys: KeyPair, m: int, r: Scalar, fp: bytes, other: bytes
) -> None:
    if fp != other:
        c = encrypt(keys.public, m, r)
        proof = prove_bit(fp, keys.public, c, m, r)
        with pytest.raises(InvalidProof):
            check_bit(other, keys.public, c, proof)


@given(key_pairs(), nonzero_scalars(), fingerprints(), fingerprints())
@FAST
def test_range_proof_is_bound_to_the_election(
    keys: KeyPair, r: Scalar, fp: bytes, other: bytes
) -> None:
    if fp != other:
        c = encrypt(keys.public, 2, r)
        proof = prove_range(fp, keys.public, c, 2, r, 1, 3)
        with pytest.raises(InvalidProof):
            check_range(other, keys.public, c, 1, 3, proof)


# Soundness: proofs of false statements, made by running the honest prover anyway ---------


@given(key_pairs(), st.integers(0, 1), nonzero_scalars(), fingerprints())
@FAST
def test_bit_proof_of_an_encryption_of_two_fails(
    keys: KeyPair, claimed: int, r: Scalar, fp: bytes
) -> None:
    c = encrypt(keys.public, 2, r)
    proof = prove_bit(fp, keys.public, c, claimed, r)
    with pytest.raises(InvalidProof):
        check_bit(fp, keys.public, c, proof)


@given(key_pairs(), st.data(), nonzero_scalars(), fingerprints())
@FAST
def test_range_proof_of_a_sum_outside_the_bounds_fails(
    keys: KeyPair, data: st.DataObject, r: Scalar, fp: bytes
) -> None:
    lo = data.draw(st.integers(0, 4), label="lo")
    hi = data.draw(st.integers(lo, lo + 4), label="hi")
    below = [lo - 1] if lo > 0 else []
    actual = data.draw(st.sampled_from([*below, hi + 1, hi + 7]), label="actual")
    claimed = data.draw(st.integers(lo, hi), label="claimed")
    c = encrypt(keys.public, actual, r)
    proof = prove_range(fp, keys.public, c, claimed, r, lo, hi)
    with pytest.raises(InvalidProof):
        check_range(fp, keys.public, c, lo, hi, proof)


@given(key_pairs(), nonzero_scalars(), points(), fingerprints())
@FAST
def test_decryption_share_that_is_not_x_alpha_fails(
    keys: KeyPair, other_secret: Scalar, alpha: Point, fp: bytes
) -> None:
    if other_secret != keys.secret:
        wrong_share, proof = prove_decryption_share(fp, other_secret, alpha)
        assert wrong_share != alpha * keys.secret
        with pytest.raises(InvalidProof):
            check_decryption_share(fp, keys.public, alpha, wrong_share, proof)


@given(key_pairs(), nonzero_scalars(), fingerprints())
@FAST
def test_key_proof_for_another_key_fails(keys: KeyPair, other_secret: Scalar, fp: bytes) -> None:
    if other_secret != keys.secret:
        with pytest.raises(InvalidProof):
            check_key(fp, keys.public, prove_key(fp, other_secret))


# Structural refusals -----------------------------------------------------------------------


def test_checks_refuse_the_point_at_infinity_as_key() -> None:
    inf = Point.infinity()
    claim = _bit_claim()
    with pytest.raises(InvalidProof, match="infinity"):
        check_key(FP, inf, _key_claim().proof)
    with pytest.raises(InvalidProof, match="infinity"):
        check_decryption_share(FP, inf, inf, inf, _share_claim().proof)
    with pytest.raises(InvalidProof, match="infinity"):
        check_bit(FP, inf, claim.ciphertext, claim.proof)


@pytest.mark.parametrize("drop", ["challenges", "responses"])
def test_range_proof_with_a_missing_branch_fails(drop: str) -> None:
    claim = _range_claim()
    short = dataclasses.replace(claim.proof, **{drop: getattr(claim.proof, drop)[:-1]})
    with pytest.raises(InvalidProof, match="branches"):
        dataclasses.replace(claim, proof=short).check()


@pytest.mark.parametrize("m", [-1, 2, 5])
def test_prover_refuses_a_value_outside_the_range(m: int) -> None:
    c = encrypt(KEYS.public, 1, R)
    with pytest.raises(ValueError, match="cannot prove"):
        prove_range(FP, KEYS.public, c, m, R, 0, 1)
