"""The code reproduces tests/vectors/crypto/{group,hashing,elgamal,proofs}.json byte for byte.

The same files are the cross-check for the JavaScript implementation; their
``source`` field says how they were made (``make_vectors.py`` beside them).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tellers.crypto.elgamal import Ciphertext, encrypt, partial_decrypt, plaintext_point
from tellers.crypto.group import FIELD_P, GROUP_ORDER, Point, Scalar, hash_to_point
from tellers.crypto.hashing import challenge, hash_fields, int_field
from tellers.crypto.proofs import (
    TAG_DECRYPTION,
    TAG_KEY,
    TAG_RANGE,
    ChaumPedersenProof,
    RangeProof,
    SchnorrProof,
    check_decryption_share,
    check_key,
    check_range,
    prove_decryption_share,
    prove_key,
    prove_range,
)
from tellers.errors import EncodingError

DIR = Path(__file__).resolve().parents[1] / "vectors" / "crypto"
FILES = ("group.json", "hashing.json", "elgamal.json", "proofs.json")


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DIR / name).read_text())
    return data


GROUP, HASHING, ELGAMAL, PROOFS = (_load(name) for name in FILES)
FP = bytes.fromhex(PROOFS["fingerprint"])


def _cases(items: list[dict[str, Any]], key: str | None = None) -> list[Any]:
    return [pytest.param(v, id=str(v[key]) if key else str(i)) for i, v in enumerate(items)]


def _s(text: str) -> Scalar:
    return Scalar.from_hex(text)


def _p(text: str) -> Point:
    return Point.from_hex(text, allow_infinity=True)


def _nonces(seed: str) -> Callable[[], Scalar]:
    """The nonce rule written in proofs.json, implemented from its text."""
    count = [0]

    def rand() -> Scalar:
        digest = hashlib.sha256(seed.encode("ascii") + count[0].to_bytes(4, "big")).digest()
        count[0] += 1
        return Scalar(int.from_bytes(digest, "big") % GROUP_ORDER)

    return rand


def _module() -> Any:
    spec = importlib.util.spec_from_file_location("make_vectors", DIR / "make_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FILES)
def test_file_is_up_to_date_with_its_generator(name: str) -> None:
    assert _module().build()[name] == _load(name)


@pytest.mark.parametrize("name", FILES)
def test_file_says_where_it_came_from(name: str) -> None:
    assert "make_vectors.py" in _load(name)["source"]


# group.json --------------------------------------------------------------------------------


def test_curve_constants() -> None:
    curve = GROUP["curve"]
    assert (int(curve["p"]), int(curve["n"])) == (FIELD_P, GROUP_ORDER)
    assert curve["G"] == Point.generator().hex()
    assert curve["infinity"] == Point.infinity().hex() == "00" * 33


@pytest.mark.parametrize("case", _cases(GROUP["scalars"], "value"))
def test_scalar_encoding(case: dict[str, Any]) -> None:
    assert Scalar(int(case["value"])).hex() == case["hex"]
    assert Scalar.from_hex(case["hex"]).value == int(case["value"])


@pytest.mark.parametrize("case", _cases(GROUP["scalar_reduction"]))
def test_scalar_reduction(case: dict[str, Any]) -> None:
    assert Scalar.from_digest(bytes.fromhex(case["digest"])).hex() == case["scalar"]


@pytest.mark.parametrize("case", _cases(GROUP["base_multiples"]))
def test_base_multiple(case: dict[str, Any]) -> None:
    assert Point.base_times(_s(case["k"])).hex() == case["point"]
    assert (Point.generator() * _s(case["k"])).hex() == case["point"]


@pytest.mark.parametrize("case", _cases(GROUP["additions"]))
def test_addition(case: dict[str, Any]) -> None:
    assert (_p(case["a"]) + _p(case["b"])).hex() == case["sum"]


@pytest.mark.parametrize("case", _cases(GROUP["negations"]))
def test_negation(case: dict[str, Any]) -> None:
    assert (-_p(case["point"])).hex() == case["negated"]


@pytest.mark.parametrize("case", _cases(GROUP["variable_base"]))
def test_variable_base(case: dict[str, Any]) -> None:
    assert (_p(case["point"]) * _s(case["k"])).hex() == case["product"]


@pytest.mark.parametrize("case", _cases(GROUP["hash_to_point"], "data"))
def test_hash_to_point(case: dict[str, Any]) -> None:
    assert hash_to_point(case["tag"], bytes.fromhex(case["data"])).hex() == case["point"]


def test_hash_to_point_vectors_exercise_the_increment() -> None:
    assert {case["counter"] for case in GROUP["hash_to_point"]} >= {0, 1, 2}


@pytest.mark.parametrize("case", _cases(GROUP["invalid_points"], "reason"))
def test_invalid_point(case: dict[str, Any]) -> None:
    with pytest.raises(EncodingError, match="point"):
        Point.from_hex(case["hex"])


@pytest.mark.parametrize("case", _cases(GROUP["invalid_scalars"], "reason"))
def test_invalid_scalar(case: dict[str, Any]) -> None:
    with pytest.raises(EncodingError, match="scalar"):
        Scalar.from_hex(case["hex"])


# hashing.json ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases(HASHING["hash_fields"]))
def test_hash_fields(case: dict[str, Any]) -> None:
    fields = [bytes.fromhex(f) for f in case["fields"]]
    assert hashlib.sha256(bytes.fromhex(case["preimage"])).hexdigest() == case["digest"]
    assert hash_fields(case["tag"], fields).hex() == case["digest"]


@pytest.mark.parametrize("case", _cases(HASHING["int_fields"], "value"))
def test_int_field(case: dict[str, Any]) -> None:
    assert int_field(int(case["value"])).hex() == case["hex"]


@pytest.mark.parametrize("case", _cases(HASHING["challenges"]))
def test_challenge(case: dict[str, Any]) -> None:
    statement = [bytes.fromhex(f) for f in case["statement"]]
    fp = bytes.fromhex(case["fingerprint"])
    assert hash_fields(case["tag"], [fp, *statement]).hex() == case["digest"]
    assert challenge(case["tag"], fp, statement).hex() == case["challenge"]


def test_tags_are_the_codes() -> None:
    expected = {"key_proof": TAG_KEY, "decryption_proof": TAG_DECRYPTION, "range_proof": TAG_RANGE}
    assert HASHING["tags"] == PROOFS["tags"] == expected


# elgamal.json ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases(ELGAMAL["encryptions"]))
def test_encryption(case: dict[str, Any]) -> None:
    public, secret = _p(ELGAMAL["public"]), _s(ELGAMAL["secret"])
    assert Point.base_times(secret) == public
    c = encrypt(public, case["m"], _s(case["r"]))
    assert (c.alpha.hex(), c.beta.hex()) == (case["alpha"], case["beta"])
    assert c.to_bytes().hex() == case["ciphertext"]
    assert partial_decrypt(secret, c).hex() == case["decryption_share"]
    assert (c.beta - _p(case["decryption_share"])).hex() == case["plaintext_point"]
    assert plaintext_point(case["m"]).hex() == case["plaintext_point"]


def test_encrypted_sum() -> None:
    total = ELGAMAL["sum"]
    cs = [ELGAMAL["encryptions"][i] for i in total["of"]]
    summed = Ciphertext.sum([Ciphertext(_p(c["alpha"]), _p(c["beta"])) for c in cs])
    assert (summed.alpha.hex(), summed.beta.hex()) == (total["alpha"], total["beta"])
    assert total["m"] == sum(c["m"] for c in cs)
    share = partial_decrypt(_s(ELGAMAL["secret"]), summed)
    assert (summed.beta - share).hex() == total["plaintext_point"]


# proofs.json -------------------------------------------------------------------------------


def _challenge_from_fields(tag: str, fields: list[str]) -> str:
    return Scalar.from_digest(hash_fields(tag, [bytes.fromhex(f) for f in fields])).hex()


def test_key_proof() -> None:
    v = PROOFS["key_proof"]
    ctx, public = bytes.fromhex(v["context"]), _p(v["public"])
    proof = prove_key(FP, _s(v["secret"]), context=ctx, rand=_nonces(v["seed"]))
    assert (proof.challenge.hex(), proof.response.hex()) == (v["challenge"], v["response"])
    c, s = _s(v["challenge"]), _s(v["response"])
    a = Point.base_times(s) - public * c
    assert a.hex() == v["commitment"]
    assert v["challenge_fields"] == [FP.hex(), v["context"], v["public"], v["commitment"]]
    assert _challenge_from_fields(TAG_KEY, v["challenge_fields"]) == v["challenge"]
    check_key(FP, public, SchnorrProof(c, s), context=ctx)  # raises if it fails


def test_decryption_proof() -> None:
    v = PROOFS["decryption_proof"]
    ctx, public, alpha = bytes.fromhex(v["context"]), _p(v["public"]), _p(v["alpha"])
    share, proof = prove_decryption_share(
        FP, _s(v["secret"]), alpha, context=ctx, rand=_nonces(v["seed"])
    )
    assert share.hex() == v["share"]
    assert (proof.challenge.hex(), proof.response.hex()) == (v["challenge"], v["response"])
    c, s = _s(v["challenge"]), _s(v["response"])
    a, b = Point.base_times(s) - public * c, alpha * s - share * c
    assert [a.hex(), b.hex()] == v["commitments"]
    statement = [FP.hex(), v["context"], v["public"], v["alpha"], v["share"]]
    assert v["challenge_fields"] == statement + v["commitments"]
    assert _challenge_from_fields(TAG_DECRYPTION, v["challenge_fields"]) == v["challenge"]
    proof = ChaumPedersenProof(c, s)
    check_decryption_share(FP, public, alpha, share, proof, context=ctx)  # raises if it fails


@pytest.mark.parametrize("v", _cases(PROOFS["range_proofs"], "name"))
def test_range_proof(v: dict[str, Any]) -> None:
    ctx, public = bytes.fromhex(v["context"]), _p(v["public"])
    lo, hi, r = v["lo"], v["hi"], _s(v["r"])
    ciphertext = encrypt(public, v["m"], r)
    assert (ciphertext.alpha.hex(), ciphertext.beta.hex()) == (v["alpha"], v["beta"])
    proof = prove_range(
        FP, public, ciphertext, v["m"], r, lo, hi, context=ctx, rand=_nonces(v["seed"])
    )
    assert [c.hex() for c in proof.challenges] == v["challenges"]
    assert [s.hex() for s in proof.responses] == v["responses"]
    commitments = []
    for j, c_j, s_j in zip(range(lo, hi + 1), v["challenges"], v["responses"], strict=True):
        c, s = _s(c_j), _s(s_j)
        commitments.append((Point.base_times(s) - ciphertext.alpha * c).hex())
        commitments.append((public * s - (ciphertext.beta - plaintext_point(j)) * c).hex())
    assert commitments == v["commitments"]
    head = [FP.hex(), v["context"], v["public"], v["alpha"], v["beta"]]
    bounds = [int_field(lo).hex(), int_field(hi).hex()]
    assert v["challenge_fields"] == head + bounds + commitments
    assert _challenge_from_fields(TAG_RANGE, v["challenge_fields"]) == v["challenge"]
    assert Scalar(sum(int(c, 16) for c in v["challenges"])).hex() == v["challenge"]
    checked = RangeProof(tuple(map(_s, v["challenges"])), tuple(map(_s, v["responses"])))
    check_range(FP, public, ciphertext, lo, hi, checked, context=ctx)  # raises if it fails
