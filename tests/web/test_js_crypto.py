"""The browser crypto module (js/src) agrees with tellers.crypto byte for byte.

(a) Python makes the expected values from deterministic inputs and the JS
bundle, run under Node, must reproduce them exactly: encodings, hashes,
hash-to-point, encryptions, proofs with injected nonces, BIP340 signatures.
(b) What the JS makes with its own randomness, Python's checkers accept.
All cases go through one Node process per worker (module-scoped fixture).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from jsharness import run_cases, skip_reason

from tellers.crypto.elgamal import Ciphertext, encrypt, plaintext_point
from tellers.crypto.group import (
    GROUP_ORDER,
    Point,
    Scalar,
    bip340_public_key,
    bip340_sign,
    bip340_verify,
    hash_to_point,
)
from tellers.crypto.hashing import challenge, hash_fields, int_field
from tellers.crypto.proofs import RangeProof, check_range, prove_range

__all__: list[str] = []

_REASON = skip_reason()
pytestmark = pytest.mark.skipif(_REASON is not None, reason=_REASON or "")


def scalar(label: str) -> Scalar:
    """A deterministic non-zero scalar named by ``label``."""
    return Scalar(
        int.from_bytes(hashlib.sha256(label.encode()).digest(), "big") % (GROUP_ORDER - 1) + 1
    )


def nonces(label: str, count: int) -> list[Scalar]:
    return [scalar(f"{label}/nonce/{i}") for i in range(count)]


def feeder(items: list[Scalar]) -> Iterator[Scalar]:
    return iter(items)


FINGERPRINT = hashlib.sha256(b"tellers test election").digest()
KEY = Point.base_times(scalar("election key"))

# ---- the cases, each with the value Python expects (None: checked separately) ----

SCALARS = [Scalar(0), Scalar(1), Scalar(GROUP_ORDER - 1), scalar("a"), scalar("b")]
POINTS = [Point.infinity(), Point.generator(), -Point.generator(), KEY, -KEY, hash_to_point("x")]
BAD_POINTS = [
    ("00" * 33, "point at infinity is not allowed"),
    ("04" + "11" * 32, "must start 02 or 03"),
    ("02" + "ff" * 32, "not the x-coordinate"),
    ("02" + "11" * 31, "expected 33 bytes"),
]
HASH_INPUTS: list[tuple[str, list[bytes]]] = [
    ("tellers/v1/test", []),
    ("tellers/v1/test", [b""]),
    ("tellers/v1/test", [b"", b""]),
    ("t", [b"abc", bytes(range(256)), b"\x00" * 70]),
    ("tellers/v1/ballot", ["Bolaños – ✓".encode()]),
]
H2P_INPUTS = [("tellers/v1/generator", b""), ("tellers/v1/generator", b"\x01"), ("a", b"xyz" * 40)]
ENCRYPTIONS = [(m, scalar(f"r{m}")) for m in (0, 1, 2, 5, 63, -1)]
# (m, lo, hi, context) for proofs with injected nonces
RANGES = [
    (0, 0, 1, b""),
    (1, 0, 1, b""),
    (1, 0, 1, b"credential|contest 0|choice 2"),
    (0, 0, 3, b"ctx"),
    (3, 0, 3, b"ctx"),
    (2, 1, 5, bytes(range(40))),
    (7, 7, 7, b""),
]
SIGNATURES = [
    (scalar(f"sk{i}"), hashlib.sha256(f"m{i}".encode()).digest(), bytes([i]) * 32) for i in range(4)
]
RANDOM_PROOFS = [(0, 0, 1), (1, 0, 1), (2, 0, 4)]


def _py_range(
    m: int, lo: int, hi: int, context: bytes, label: str
) -> tuple[Ciphertext, RangeProof]:
    r = scalar(f"{label}/r")
    ct = encrypt(KEY, m, r)
    width = hi - lo + 1
    feed = feeder(nonces(label, 1 + 2 * (width - 1)))
    proof = prove_range(
        FINGERPRINT, KEY, ct, m, r, lo, hi, context=context, rand=lambda: next(feed)
    )
    return ct, proof


def _cases() -> list[tuple[dict[str, Any], Any]]:
    cases: list[tuple[dict[str, Any], Any]] = []
    for k in SCALARS:
        cases.append(({"op": "scalar_roundtrip", "scalar": k.hex()}, k.hex()))
        cases.append(({"op": "base_times", "k": k.hex()}, Point.base_times(k).hex()))
        cases.append(({"op": "times", "point": KEY.hex(), "k": k.hex()}, (KEY * k).hex()))
    for p in POINTS:
        cases.append(({"op": "point_decode", "point": p.hex(), "allow_infinity": True}, p.hex()))
        for q in POINTS:
            cases.append(({"op": "add", "a": p.hex(), "b": q.hex()}, (p + q).hex()))
    for bad, why in BAD_POINTS:
        cases.append(({"op": "point_decode", "point": bad}, ("error", why)))
    for tag, fields in HASH_INPUTS:
        cases.append(
            (
                {"op": "hash_fields", "tag": tag, "fields": [f.hex() for f in fields]},
                hash_fields(tag, fields).hex(),
            )
        )
    for v in (0, 1, 255, 2**63, 2**64 - 1):
        # as a string: JSON numbers lose precision past 2**53
        cases.append(({"op": "int_field", "value": str(v)}, int_field(v).hex()))
    statement: list[Point | Scalar | bytes] = [b"ctx", KEY, Scalar(7), Point.infinity(), b""]
    cases.append(
        (
            {
                "op": "challenge",
                "tag": "tellers/v1/proof/key",
                "fingerprint": FINGERPRINT.hex(),
                "statement": [
                    {"bytes": "637478"},
                    {"point": KEY.hex()},
                    {"scalar": Scalar(7).hex()},
                    {"point": Point.infinity().hex()},
                    {"bytes": ""},
                ],
            },
            challenge("tellers/v1/proof/key", FINGERPRINT, statement).hex(),
        )
    )
    for tag, data in H2P_INPUTS:
        cases.append(
            (
                {"op": "hash_to_point", "tag": tag, "data": data.hex()},
                hash_to_point(tag, data).hex(),
            )
        )
    for m in range(-3, 11):
        cases.append(({"op": "plaintext_point", "m": m}, plaintext_point(m).hex()))
    for m, r in ENCRYPTIONS:
        ct = encrypt(KEY, m, r)
        cases.append(
            (
                {"op": "encrypt", "public": KEY.hex(), "m": m, "r": r.hex()},
                {"alpha": ct.alpha.hex(), "beta": ct.beta.hex()},
            )
        )
    for i, (m, lo, hi, context) in enumerate(RANGES):
        label = f"range{i}"
        ct, proof = _py_range(m, lo, hi, context, label)
        width = hi - lo + 1
        cases.append(
            (
                {
                    "op": "prove_range",
                    "fingerprint": FINGERPRINT.hex(),
                    "public": KEY.hex(),
                    "m": m,
                    "r": scalar(f"{label}/r").hex(),
                    "lo": lo,
                    "hi": hi,
                    "context": context.hex(),
                    "nonces": [n.hex() for n in nonces(label, 1 + 2 * (width - 1))],
                },
                {
                    "alpha": ct.alpha.hex(),
                    "beta": ct.beta.hex(),
                    "challenges": [c.hex() for c in proof.challenges],
                    "responses": [s.hex() for s in proof.responses],
                },
            )
        )
    for sk, msg, aux in SIGNATURES:
        cases.append(({"op": "bip340_public_key", "secret": sk.hex()}, bip340_public_key(sk).hex()))
        cases.append(
            (
                {"op": "bip340_sign", "secret": sk.hex(), "message": msg.hex(), "aux": aux.hex()},
                bip340_sign(sk, msg, aux).hex(),
            )
        )
    return cases


def _random_cases() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, (m, lo, hi) in enumerate(RANDOM_PROOFS):
        out.append(
            {
                "op": "prove_range",
                "fingerprint": FINGERPRINT.hex(),
                "public": KEY.hex(),
                "m": m,
                "r": scalar(f"random{i}").hex(),
                "lo": lo,
                "hi": hi,
                "context": f"random {i}".encode().hex(),
                "nonces": None,
            }
        )
    for sk, msg, _ in SIGNATURES:
        out.append({"op": "bip340_sign", "secret": sk.hex(), "message": msg.hex(), "aux": None})
    return out


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Any]:
    expected = _cases()
    random_cases = _random_cases()
    results = run_cases([case for case, _ in expected] + random_cases)
    return {
        "expected": list(zip(expected, results[: len(expected)], strict=True)),
        "random": list(zip(random_cases, results[len(expected) :], strict=True)),
    }


def _matching(outcomes: dict[str, Any], *ops: str) -> list[tuple[dict[str, Any], Any, Any]]:
    rows = [(case, want, got) for (case, want), got in outcomes["expected"] if case["op"] in ops]
    assert rows, f"no cases for {ops}"
    return rows


def _assert_same(rows: list[tuple[dict[str, Any], Any, Any]]) -> None:
    for case, want, got in rows:
        if isinstance(want, tuple):
            assert "error" in got, f"JS accepted what Python refuses: {case}"
            assert want[1] in got["error"], (case, got)
        else:
            assert got == {"ok": want}, f"JS differs from Python for {case}"


def test_scalar_and_point_encodings(outcomes: dict[str, Any]) -> None:
    _assert_same(
        _matching(outcomes, "scalar_roundtrip", "point_decode", "base_times", "times", "add")
    )


def test_hash_fields_int_field_and_challenge(outcomes: dict[str, Any]) -> None:
    _assert_same(_matching(outcomes, "hash_fields", "int_field", "challenge"))


def test_hash_to_point(outcomes: dict[str, Any]) -> None:
    _assert_same(_matching(outcomes, "hash_to_point"))


def test_plaintext_points_and_encryptions(outcomes: dict[str, Any]) -> None:
    _assert_same(_matching(outcomes, "plaintext_point", "encrypt"))


def test_range_and_bit_proofs_with_fixed_nonces(outcomes: dict[str, Any]) -> None:
    _assert_same(_matching(outcomes, "prove_range"))


def test_bip340_keys_and_signatures(outcomes: dict[str, Any]) -> None:
    _assert_same(_matching(outcomes, "bip340_public_key", "bip340_sign"))


def test_python_accepts_js_random_proofs_and_signatures(outcomes: dict[str, Any]) -> None:
    for case, got in outcomes["random"]:
        assert "ok" in got, (case, got)
        if case["op"] == "prove_range":
            value = got["ok"]
            ct = Ciphertext(Point.from_hex(value["alpha"]), Point.from_hex(value["beta"]))
            assert ct == encrypt(KEY, case["m"], Scalar.from_hex(case["r"]))
            proof = RangeProof(
                tuple(Scalar.from_hex(c) for c in value["challenges"]),
                tuple(Scalar.from_hex(s) for s in value["responses"]),
            )
            context = bytes.fromhex(case["context"])
            check_range(FINGERPRINT, KEY, ct, case["lo"], case["hi"], proof, context=context)
        else:
            secret = Scalar.from_hex(case["secret"])
            signature = bytes.fromhex(got["ok"])
            bip340_verify(bip340_public_key(secret), bytes.fromhex(case["message"]), signature)
