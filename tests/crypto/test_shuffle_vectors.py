"""shuffle.json (shuffle.md §9): the code reproduces it byte for byte, and a verifier written
from the spec alone — plain SHA-256 and point arithmetic, none of ``tellers.crypto.shuffle*``
— accepts every case and re-derives every hash from the bytes the spec lists."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tellers.crypto.elgamal import Ciphertext
from tellers.crypto.group import GROUP_ORDER, Point, Scalar, hash_to_point
from tellers.crypto.shuffle import check_shuffle, reencrypt_row
from tellers.errors import InvalidProof
from tellers.record.v2_shuffle import rows_from_json, shuffle_proof_from_json

HERE = Path(__file__).resolve().parents[1] / "vectors" / "crypto"
sys.path.insert(0, str(HERE))
from make_shuffle_vectors import shuffle_vectors  # noqa: E402

VECTORS: dict[str, Any] = json.loads((HERE / "shuffle.json").read_text(encoding="utf-8"))
FP = bytes.fromhex(VECTORS["fingerprint"])
KEY = Point.from_hex(VECTORS["election_key"])
CASES = VECTORS["cases"]


def _u32(v: int) -> bytes:
    return v.to_bytes(4, "big")


def _u64(v: int) -> bytes:
    return v.to_bytes(8, "big")


def _hash(tag: str, fields: list[bytes]) -> bytes:
    """protocol.md §3.1, spelt out again."""
    data = _u32(len(tag)) + tag.encode() + _u32(len(fields))
    for f in fields:
        data += _u32(len(f)) + f
    return hashlib.sha256(data).digest()


def _scalar_of(digest: bytes) -> int:
    return int.from_bytes(digest, "big") % GROUP_ORDER


def _cat(hexes: list[str]) -> bytes:
    return b"".join(bytes.fromhex(h) for h in hexes)


def _rows_cat(rows: list[list[dict[str, str]]]) -> bytes:
    return b"".join(_cat([c["alpha"], c["beta"]]) for row in rows for c in row)


def test_the_file_is_what_the_generator_makes() -> None:
    assert shuffle_vectors() == VECTORS


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_each_case_checks_and_its_witness_makes_its_outputs(case: dict[str, Any]) -> None:
    inputs, outputs = rows_from_json(case["inputs"]), rows_from_json(case["outputs"])
    proof = shuffle_proof_from_json(case["proof"])
    context = bytes.fromhex(case["context"])
    check_shuffle(FP, KEY, inputs, outputs, proof, context=context)
    for i, j in enumerate(case["permutation"]):
        randomness = [Scalar.from_hex(r) for r in case["reencryption_randomness"][i]]
        assert reencrypt_row(KEY, inputs[j - 1], randomness) == outputs[i]
    with pytest.raises(InvalidProof):
        check_shuffle(FP, KEY, inputs, outputs, proof, context=context + b"x")


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_the_inputs_encrypt_the_plaintexts_listed(case: dict[str, Any]) -> None:
    inputs = rows_from_json(case["inputs"])
    secret = Scalar.from_hex(VECTORS["election_secret"])
    for row, plain in zip(inputs, case["input_plaintexts"], strict=True):
        for c, m in zip(row, plain, strict=True):
            assert c.beta - c.alpha * secret == (
                Point.base_times(Scalar(m)) if m else Point.infinity()
            )


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_a_verifier_from_the_spec_alone_accepts_each_case(case: dict[str, Any]) -> None:
    tags = VECTORS["tags"]
    n_rows, width = case["rows"], case["width"]
    p = case["proof"]
    # §2: generators.
    gens = [hash_to_point(tags["generator"], FP + _u64(i)) for i in range(n_rows + 1)]
    assert [g.hex() for g in gens] == case["generators"]
    h, hs = gens[0], gens[1:]
    # §5.1: the statement digest.
    digest = _hash(
        tags["statement"],
        [
            FP, bytes.fromhex(case["context"]), _u64(n_rows), _u64(width),
            KEY.to_bytes(), h.to_bytes(), b"".join(g.to_bytes() for g in hs),
            _rows_cat(case["inputs"]), _rows_cat(case["outputs"]), _cat(p["commitments"]),
        ],
    )  # fmt: skip
    assert digest.hex() == case["statement_digest"]
    # §5.2: the challenge vector; §5.3: the challenge.
    u = [
        int.from_bytes(_hash(tags["vector"], [FP, digest, _u64(i)]), "big") % 2**128
        for i in range(1, n_rows + 1)
    ]
    assert [Scalar(x).hex() for x in u] == case["u"]
    c = _scalar_of(
        _hash(
            tags["challenge"],
            [
                FP, digest, _cat(p["chain"]), _cat([p["t1"]]), _cat([p["t2"]]), _cat([p["t3"]]),
                b"".join(_cat([t["alpha"], t["beta"]]) for t in p["t4"]), _cat(p["t_hat"]),
            ],
        )
    )  # fmt: skip
    assert Scalar(c).hex() == case["challenge"]
    # §7 step 6: the five equations, by plain point arithmetic.
    pt, sc = Point.from_hex, Scalar.from_hex
    cs, chain = [pt(x) for x in p["commitments"]], [pt(x) for x in p["chain"]]
    s_prime = [sc(x) for x in p["s_prime"]]
    g, minus_c = Point.generator(), Scalar(-c)

    def total(points: list[Point]) -> Point:
        out = Point.infinity()
        for q in points:
            out = out + q
        return out

    c_bar = total(cs) - total(hs)
    assert pt(p["t1"]) == g * sc(p["s1"]) + c_bar * minus_c
    u_product = 1
    for x in u:
        u_product = u_product * x % GROUP_ORDER
    c_hat = chain[-1] - h * Scalar(u_product)
    assert pt(p["t2"]) == g * sc(p["s2"]) + c_hat * minus_c
    c_tilde = total([cj * Scalar(uj) for cj, uj in zip(cs, u, strict=True)])
    assert (
        pt(p["t3"])
        == g * sc(p["s3"])
        + total([hi * si for hi, si in zip(hs, s_prime, strict=True)])
        + c_tilde * minus_c
    )
    inputs, outputs = rows_from_json(case["inputs"]), rows_from_json(case["outputs"])
    for k in range(width):
        e_in = Ciphertext(
            total([row[k].alpha * Scalar(uj) for row, uj in zip(inputs, u, strict=True)]),
            total([row[k].beta * Scalar(uj) for row, uj in zip(inputs, u, strict=True)]),
        )
        s4 = sc(p["s4"][k])
        alpha = g * -s4 + total([o[k].alpha * s for o, s in zip(outputs, s_prime, strict=True)])
        beta = KEY * -s4 + total([o[k].beta * s for o, s in zip(outputs, s_prime, strict=True)])
        assert pt(p["t4"][k]["alpha"]) == alpha + e_in.alpha * minus_c
        assert pt(p["t4"][k]["beta"]) == beta + e_in.beta * minus_c
    previous = h
    for i in range(n_rows):
        expected = g * sc(p["s_hat"][i]) + previous * s_prime[i] + chain[i] * minus_c
        assert pt(p["t_hat"][i]) == expected
        previous = chain[i]
