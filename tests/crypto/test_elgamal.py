"""Exponential ElGamal: the algebra of protocol.md §4."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strategies import key_pairs, nonzero_scalars, small_messages
from tellers.crypto.elgamal import (
    Ciphertext,
    KeyPair,
    decrypt_to_point,
    encrypt,
    partial_decrypt,
    plaintext_point,
)
from tellers.crypto.group import Point, Scalar


def _small_dlog(point: Point, bound: int = 200) -> int:
    """m with m·G = point for 0 <= m <= bound, by walking (tests only)."""
    acc = Point.infinity()
    for m in range(bound + 1):
        if acc == point:
            return m
        acc = acc + Point.generator()
    raise AssertionError(f"{point!r} is not m·G for any m <= {bound}")


def _decrypt(keys: KeyPair, c: Ciphertext) -> int:
    return _small_dlog(decrypt_to_point(c, partial_decrypt(keys.secret, c)))


@given(key_pairs(), small_messages(), nonzero_scalars())
@settings(max_examples=50)
def test_decrypt_inverts_encrypt(keys: KeyPair, m: int, r: Scalar) -> None:
    c = encrypt(keys.public, m, r)
    assert decrypt_to_point(c, partial_decrypt(keys.secret, c)) == plaintext_point(m)
    assert _decrypt(keys, c) == m


@given(key_pairs(), st.lists(st.tuples(small_messages(), nonzero_scalars()), max_size=6))
@settings(max_examples=30)
def test_encrypted_sum_decrypts_to_plain_sum(
    keys: KeyPair, items: list[tuple[int, Scalar]]
) -> None:
    cs = [encrypt(keys.public, m, r) for m, r in items]
    total = sum((m for m, _ in items), 0)
    assert _decrypt(keys, Ciphertext.sum(cs)) == total
    pairwise = Ciphertext.zero()
    for c in cs:
        pairwise = pairwise + c
    assert pairwise == Ciphertext.sum(cs)


@given(key_pairs(), small_messages(), nonzero_scalars(), nonzero_scalars())
@settings(max_examples=30)
def test_sum_of_encryptions_is_encryption_of_sum_with_summed_randomness(
    keys: KeyPair, m: int, r1: Scalar, r2: Scalar
) -> None:
    if (r1 + r2).is_zero():
        return
    both = encrypt(keys.public, m, r1) + encrypt(keys.public, 1, r2)
    assert both == encrypt(keys.public, m + 1, r1 + r2)


@given(key_pairs(), small_messages(), nonzero_scalars())
@settings(max_examples=30)
def test_randomness_determines_the_ciphertext(keys: KeyPair, m: int, r: Scalar) -> None:
    c = encrypt(keys.public, m, r)
    assert encrypt(keys.public, m, r).to_bytes() == c.to_bytes()
    assert c.alpha == Point.base_times(r)
    assert c.beta == plaintext_point(m) + keys.public * r
    assert encrypt(keys.public, m, r * 2) != c  # 2r != r for r != 0


@given(key_pairs(), small_messages(), nonzero_scalars())
@settings(max_examples=30)
def test_ciphertext_bytes_round_trip(keys: KeyPair, m: int, r: Scalar) -> None:
    c = encrypt(keys.public, m, r)
    assert len(c.to_bytes()) == 66
    assert Ciphertext.from_bytes(c.to_bytes()) == c


def test_zero_ciphertext_is_the_identity_and_encodes_as_zeros() -> None:
    keys = KeyPair.from_secret(Scalar(7))
    c = encrypt(keys.public, 3, Scalar(11))
    assert c + Ciphertext.zero() == c
    assert Ciphertext.zero().to_bytes() == bytes(66)
    assert Ciphertext.from_bytes(bytes(66), allow_infinity=True) == Ciphertext.zero()


def test_encryption_of_zero_has_beta_equal_to_r_times_h() -> None:
    keys = KeyPair.from_secret(Scalar(5))
    assert encrypt(keys.public, 0, Scalar(9)).beta == keys.public * Scalar(9)


@pytest.mark.parametrize("m", [-16, -1, 0, 1, 16, 17, 1000])
def test_plaintext_point_is_m_times_g(m: int) -> None:
    assert plaintext_point(m) == Point.base_times(Scalar(m))


def test_key_pair_public_is_secret_times_g() -> None:
    keys = KeyPair.generate()
    assert keys.public == Point.base_times(keys.secret)
    assert not keys.secret.is_zero()
