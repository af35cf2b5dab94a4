"""Malformed inputs are refused with a ``tellers`` error naming the field (protocol.md §2.2).

One line per case: the call, the error it must raise, and the field its
message must name.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tellers.crypto.elgamal import Ciphertext, KeyPair, encrypt
from tellers.crypto.group import (
    FIELD_P,
    GROUP_ORDER,
    Point,
    Scalar,
    bip340_public_key,
    bip340_sign,
    bip340_verify,
)
from tellers.crypto.hashing import challenge, int_field
from tellers.crypto.proofs import (
    RangeProof,
    check_key,
    check_range,
    prove_bit,
    prove_key,
    prove_range,
)
from tellers.errors import EncodingError, InvalidSignature, TellersError

G = Point.generator()
GX = G.hex()[2:]  # the x-coordinate of G, 64 hex digits
INF_HEX = "00" * 33
FP = bytes(32)
KEYS = KeyPair.from_secret(Scalar(12345))
CT = encrypt(KEYS.public, 1, Scalar(99))


def _on_curve(x: int) -> bool:
    return pow((x**3 + 7) % FIELD_P, (FIELD_P - 1) // 2, FIELD_P) == 1


OFF_CURVE_X = next(x for x in range(1, 100) if not _on_curve(x)).to_bytes(32, "big").hex()
N_HEX = GROUP_ORDER.to_bytes(32, "big").hex()
P_HEX = FIELD_P.to_bytes(32, "big").hex()


def _scalar32(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _proof() -> RangeProof:
    return prove_bit(FP, KEYS.public, CT, 1, Scalar(99))


def rng(lo: int, hi: int, proof: RangeProof) -> None:
    check_range(FP, KEYS.public, CT, lo, hi, proof)


def prove_rng(lo: int, hi: int) -> RangeProof:
    return prove_range(FP, KEYS.public, CT, 1, Scalar(99), lo, hi)


KEY_PROOF = prove_key(FP, Scalar(1))


# Short names keep each case on one line.
ENC, SIG = EncodingError, InvalidSignature
pt, pb, sh, sb = Point.from_hex, Point.from_bytes, Scalar.from_hex, Scalar.from_bytes
cb, vfy = Ciphertext.from_bytes, bip340_verify
OFF_X, P_X, G_X = bytes.fromhex(OFF_CURVE_X), bytes.fromhex(P_HEX), bytes.fromhex(GX)


CASES: list[tuple[str, Callable[[], object], type[TellersError], str]] = [
    # Points: prefixes, curve membership, field size, lengths, infinity
    ("point-prefix-04", lambda: pt("04" + GX, "key"), ENC, "key"),
    ("point-prefix-05", lambda: pt("05" + GX, "key"), ENC, "key"),
    ("point-prefix-00", lambda: pt("00" + GX, "key"), ENC, "key"),
    ("point-x-off-curve", lambda: pt("02" + OFF_CURVE_X, "key"), ENC, "key"),
    ("point-x-equals-p", lambda: pt("02" + P_HEX, "key"), ENC, "key"),
    ("point-x-all-ff", lambda: pt("03" + "ff" * 32, "key"), ENC, "key"),
    ("point-32-bytes", lambda: pb(bytes(32), "key"), ENC, "key"),
    ("point-34-bytes", lambda: pb(G.to_bytes() + b"\0", "key"), ENC, "key"),
    ("point-empty", lambda: pb(b"", "key"), ENC, "key"),
    ("point-uncompressed", lambda: pt("04" + GX * 2, "key"), ENC, "key"),
    ("point-not-bytes", lambda: pb(G.hex(), "key"), ENC, "key"),  # type: ignore[arg-type]
    ("point-infinity-as-key", lambda: pt(INF_HEX, "key"), ENC, "key"),
    # Hex text
    ("point-upper-hex", lambda: pt(G.hex().upper(), "key"), ENC, "key"),
    ("point-non-hex", lambda: pt("zz" * 33, "key"), ENC, "key"),
    ("point-hex-too-short", lambda: pt(G.hex()[:-1], "key"), ENC, "key"),
    ("point-hex-not-str", lambda: pt(G.to_bytes(), "key"), ENC, "key"),  # type: ignore[arg-type]
    ("scalar-upper-hex", lambda: sh("AB" * 32, "s"), ENC, "s"),
    ("scalar-0x-prefix", lambda: sh("0x" + "1" * 62, "s"), ENC, "s"),
    ("scalar-hex-too-long", lambda: sh("00" * 33, "s"), ENC, "s"),
    # Scalars: range, zero, length
    ("scalar-equals-n", lambda: sh(N_HEX, "s"), ENC, "s"),
    ("scalar-n-plus-1", lambda: sb(_scalar32(GROUP_ORDER + 1), "s"), ENC, "s"),
    ("scalar-all-ff", lambda: sb(b"\xff" * 32, "s"), ENC, "s"),
    ("scalar-zero-nonzero", lambda: sb(bytes(32), "s", nonzero=True), ENC, "s"),
    ("scalar-31-bytes", lambda: sb(bytes(31), "s"), ENC, "s"),
    ("scalar-33-bytes", lambda: sb(bytes(33), "s"), ENC, "s"),
    # Ciphertexts
    ("ct-65-bytes", lambda: cb(CT.to_bytes()[:-1], "ct"), ENC, "ct"),
    ("ct-bad-alpha", lambda: cb(b"\4" + CT.to_bytes()[1:], "ct"), ENC, "ct.alpha"),
    ("ct-infinite-beta", lambda: cb(CT.to_bytes()[:33] + bytes(33), "ct"), ENC, "ct.beta"),
    # Keys and randomness that must not be zero or infinity
    ("elgamal-zero-secret", lambda: KeyPair.from_secret(Scalar(0)), ENC, "secret"),
    ("encrypt-infinite-key", lambda: encrypt(Point.infinity(), 1, Scalar(5)), ENC, "public"),
    ("encrypt-zero-randomness", lambda: encrypt(KEYS.public, 1, Scalar(0)), ENC, "randomness"),
    # Fingerprints
    ("challenge-fingerprint-31", lambda: challenge("t", bytes(31), []), ENC, "fingerprint"),
    ("challenge-fingerprint-33", lambda: challenge("t", bytes(33), []), ENC, "fingerprint"),
    ("prove-key-fingerprint", lambda: prove_key(b"short", Scalar(3)), ENC, "fingerprint"),
    ("check-key-fingerprint", lambda: check_key(bytes(16), G, KEY_PROOF), ENC, "fingerprint"),
    # Range bounds and integer fields
    ("range-hi-below-lo", lambda: rng(2, 1, _proof()), ENC, "range"),
    ("range-negative-lo", lambda: rng(-1, 1, _proof()), ENC, "range"),
    ("range-too-wide", lambda: rng(0, 64, _proof()), ENC, "range"),
    ("prove-range-hi-below-lo", lambda: prove_rng(3, 2), ENC, "range"),
    ("int-field-negative", lambda: int_field(-1), ENC, "integer"),
    ("int-field-2-64", lambda: int_field(1 << 64), ENC, "integer"),
    # BIP340 inputs
    ("bip340-zero-key", lambda: bip340_public_key(Scalar(0)), ENC, "secret"),
    ("bip340-sign-zero-key", lambda: bip340_sign(Scalar(0), FP, FP), ENC, "secret"),
    ("bip340-sign-message-31", lambda: bip340_sign(Scalar(1), bytes(31), FP), ENC, "message"),
    ("bip340-sign-aux-33", lambda: bip340_sign(Scalar(1), FP, bytes(33)), ENC, "aux_randomness"),
    ("bip340-verify-key-33", lambda: vfy(G.to_bytes(), FP, bytes(64)), SIG, "public key"),
    ("bip340-verify-key-off-curve", lambda: vfy(OFF_X, FP, bytes(64)), SIG, "public key"),
    ("bip340-verify-key-above-p", lambda: vfy(P_X, FP, bytes(64)), SIG, "public key"),
    ("bip340-verify-sig-63", lambda: vfy(G_X, FP, bytes(63)), SIG, "signature"),
    ("bip340-verify-message-31", lambda: vfy(G_X, bytes(31), bytes(64)), SIG, "message"),
]


@pytest.mark.parametrize(
    ("call", "error", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_input_is_refused_naming_the_field(
    call: Callable[[], object], error: type[TellersError], field: str
) -> None:
    with pytest.raises(error) as caught:
        call()
    assert field in str(caught.value)
    if isinstance(caught.value, EncodingError):
        assert caught.value.field == field
