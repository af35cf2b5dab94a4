"""BIP340 Schnorr signatures: the 15 official vectors, read in place (protocol.md §6).

The vectors live in the sibling ``shared/vectors/`` checkout (see its
README.md for their source); they are never copied into this repository.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strategies import nonzero_scalars
from tellers.crypto.group import Point, Scalar, bip340_public_key, bip340_sign, bip340_verify
from tellers.errors import InvalidSignature

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
VECTORS = SHARED / "vectors" / "bip340-test-vectors.csv"


def _rows(*, signing_only: bool = False) -> list[object]:
    """One pytest param per vector; signing vectors are those with a secret key."""
    if not VECTORS.exists():
        reason = f"BIP340 vectors not found at {VECTORS} (the sibling shared/ checkout)"
        return [pytest.param({}, marks=pytest.mark.skip(reason=reason), id="absent")]
    with VECTORS.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        pytest.param(row, id=f"vector-{row['index']}")
        for row in rows
        if row["secret key"] or not signing_only
    ]


ROWS = _rows()
SIGNING_ROWS = _rows(signing_only=True)


def _b(row: dict[str, str], column: str) -> bytes:
    return bytes.fromhex(row[column])


@pytest.mark.skipif(not VECTORS.exists(), reason=f"{VECTORS} is absent")
def test_all_fifteen_vectors_are_present() -> None:
    assert len(ROWS) == 15
    assert len(SIGNING_ROWS) == 4  # vectors 0-3 carry a secret key


@pytest.mark.parametrize("row", SIGNING_ROWS)
def test_signing_vector_reproduces_the_signature(row: dict[str, str]) -> None:
    secret = Scalar.from_hex(row["secret key"].lower())
    assert bip340_public_key(secret) == _b(row, "public key")
    signature = bip340_sign(secret, _b(row, "message"), _b(row, "aux_rand"))
    assert signature == _b(row, "signature")


@pytest.mark.parametrize("row", ROWS)
def test_verification_vector_gives_the_expected_result(row: dict[str, str]) -> None:
    args = (_b(row, "public key"), _b(row, "message"), _b(row, "signature"))
    if row["verification result"] == "TRUE":
        bip340_verify(*args)  # raises if it fails
    else:
        assert row["verification result"] == "FALSE"
        with pytest.raises(InvalidSignature):
            bip340_verify(*args)


messages = st.binary(min_size=32, max_size=32)
aux = st.binary(min_size=32, max_size=32)


@given(nonzero_scalars(), messages, aux)
@settings(max_examples=50)
def test_signatures_verify_under_their_key(secret: Scalar, message: bytes, rand: bytes) -> None:
    public = bip340_public_key(secret)
    assert public == Point.base_times(secret).to_bytes()[1:]
    bip340_verify(public, message, bip340_sign(secret, message, rand))  # raises if it fails


@given(nonzero_scalars(), messages, aux, st.integers(0, 64 * 8 - 1))
@settings(max_examples=50)
def test_one_flipped_bit_breaks_a_signature(
    secret: Scalar, message: bytes, rand: bytes, bit: int
) -> None:
    signature = bytearray(bip340_sign(secret, message, rand))
    signature[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(InvalidSignature):
        bip340_verify(bip340_public_key(secret), message, bytes(signature))


@given(nonzero_scalars(), messages, messages, aux)
@settings(max_examples=25)
def test_signature_does_not_verify_another_message(
    secret: Scalar, message: bytes, other: bytes, rand: bytes
) -> None:
    if message != other:
        signature = bip340_sign(secret, message, rand)
        with pytest.raises(InvalidSignature):
            bip340_verify(bip340_public_key(secret), other, signature)
