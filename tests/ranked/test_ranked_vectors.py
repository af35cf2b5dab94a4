"""ranked.json (ranked.md §2, §3; record.md §4.1, §4.2): the code reproduces it byte for byte,
every proof in it checks, and a tampered proof does not."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tellers import canonical
from tellers.ballot import ballot_message, check_audit, check_ballot, tracker
from tellers.crypto.elgamal import Ciphertext
from tellers.crypto.group import Point, Scalar
from tellers.crypto.proofs import ChaumPedersenProof, SchnorrProof, check_decryption_share
from tellers.errors import EncodingError, InvalidProof
from tellers.ranked.ballot import EncryptedPreference, check_preference, check_ranking
from tellers.ranked.decrypt import batch_context, batch_digest, batch_weights
from tellers.ranked.ranking import ranking_values
from tellers.record.v2 import ballot_from_json, reveal_from_json
from tellers.record.v2_manifest import manifest_from_json

HERE = Path(__file__).resolve().parents[1] / "vectors" / "crypto"
sys.path.insert(0, str(HERE))
from make_ceremony_vectors import dump  # noqa: E402
from make_ranked_vectors import ranked_vectors  # noqa: E402

VECTORS: dict[str, Any] = json.loads((HERE / "ranked.json").read_text(encoding="utf-8"))
FP = bytes.fromhex(VECTORS["fingerprint"])
KEY = Point.from_hex(VECTORS["election_key"])
CREDENTIAL = bytes.fromhex(VECTORS["credential"])


def _ciphertext(v: dict[str, Any]) -> Ciphertext:
    return Ciphertext(Point.from_hex(v["alpha"]), Point.from_hex(v["beta"]))


def _proof(v: dict[str, Any]) -> SchnorrProof:
    return SchnorrProof(Scalar.from_hex(v["c"]), Scalar.from_hex(v["s"]))


def test_the_script_reproduces_the_file_byte_for_byte() -> None:
    assert dump(ranked_vectors()) == (HERE / "ranked.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", VECTORS["ranking_values"])
def test_ranking_values(case: dict[str, Any]) -> None:
    args = (case["ranking"], case["candidates"], case["preferences"])
    if "error" in case:
        with pytest.raises(EncodingError, match=case["error"].replace("[", r"\[")):
            ranking_values(*args)
    else:
        assert list(ranking_values(*args)) == case["values"]


@pytest.mark.parametrize("case", VECTORS["preference_proofs"])
def test_each_preference_proof_checks_and_a_tampered_one_does_not(case: dict[str, Any]) -> None:
    ciphertext = _ciphertext(case)
    context = bytes.fromhex(case["context"])
    check_preference(FP, KEY, ciphertext, _proof(case["proof"]), context=context)
    assert Point.base_times(Scalar.from_hex(case["nonce"])).hex() == case["commitment"]
    bad = SchnorrProof(_proof(case["proof"]).challenge, _proof(case["proof"]).response + 1)
    with pytest.raises(InvalidProof):
        check_preference(FP, KEY, ciphertext, bad, context=context)
    with pytest.raises(InvalidProof):  # the same proof in another slot
        check_preference(FP, KEY, ciphertext, _proof(case["proof"]), context=context[:-1] + b"\x09")


@pytest.mark.parametrize("row", VECTORS["rows"])
def test_each_row_checks(row: dict[str, Any]) -> None:
    preferences = [
        EncryptedPreference(_ciphertext(p), _proof(p["proof"])) for p in row["preferences"]
    ]
    check_ranking(
        FP, KEY, preferences, credential=CREDENTIAL, contest_index=row["contest_index"],
        width=len(row["values"]),
    )  # fmt: skip
    with pytest.raises(InvalidProof, match="preference 1"):
        check_ranking(
            FP, KEY, preferences[1:] + preferences[:1], credential=CREDENTIAL,
            contest_index=row["contest_index"], width=len(row["values"]),
        )  # fmt: skip


def test_the_ballot_is_accepted_and_its_message_and_tracker_are_the_record_s() -> None:
    v = VECTORS["ballot"]
    manifest = manifest_from_json(v["manifest"])
    ballot = ballot_from_json(v["ballot"])
    check_ballot(manifest, FP, KEY, ballot, v["constituency"])
    check_audit(manifest, KEY, ballot, reveal_from_json(v["reveal"]))
    assert canonical.dumps(v["ballot"]).decode() == v["canonical"]
    assert ballot.credential.hex() == v["credential"]
    message = ballot_message(FP, ballot.credential, ballot.contests)
    assert message.hex() == v["message"]
    assert tracker(ballot).hex() == v["tracker"]


MIX_DECRYPTION: dict[str, Any] = VECTORS["mix_decryption"]


@pytest.mark.parametrize(
    "case", MIX_DECRYPTION["trustees"], ids=lambda c: f"trustee {c['trustee']}"
)
def test_each_batched_decryption_recomputes_and_checks(case: dict[str, Any]) -> None:
    """ranked.md §5.2 step by step from the file's values: the digest, the weights, the
    combined A and D, and the Chaum–Pedersen proof of log_G X_l = log_A D; then one share
    changed fails the proof."""
    rows = [[_ciphertext(c) for c in row] for row in MIX_DECRYPTION["rows"]]
    alphas = [c.alpha for row in rows for c in row]
    shares = [Point.from_hex(s, allow_infinity=True) for s in case["shares"]]
    trustee, public = case["trustee"], Point.from_hex(case["verification_key"])
    assert public == Point.base_times(Scalar.from_hex(case["key_share"]))
    assert shares == [a * Scalar.from_hex(case["key_share"]) for a in alphas]
    digest = batch_digest(FP, trustee, public, alphas, shares)
    assert digest.hex() == case["digest"]
    weights = batch_weights(FP, digest, len(alphas))
    assert [w.hex() for w in weights] == case["weights"]
    assert all(w.value < 2**128 for w in weights)
    combined = Point.sum([a * w for a, w in zip(alphas, weights, strict=True)])
    assert combined.hex() == case["A"]
    assert Point.sum([d * w for d, w in zip(shares, weights, strict=True)]).hex() == case["D"]
    assert batch_context(trustee, digest).hex() == case["context"]
    proof = ChaumPedersenProof(
        Scalar.from_hex(case["proof"]["c"]), Scalar.from_hex(case["proof"]["s"])
    )
    check_decryption_share(
        FP,
        public,
        combined,
        Point.from_hex(case["D"]),
        proof,
        context=bytes.fromhex(case["context"]),
    )
    changed = [shares[0] + Point.generator(), *shares[1:]]
    redigest = batch_digest(FP, trustee, public, alphas, changed)
    reweights = batch_weights(FP, redigest, len(alphas))
    with pytest.raises(InvalidProof):
        check_decryption_share(
            FP, public,
            Point.sum([a * w for a, w in zip(alphas, reweights, strict=True)]),
            Point.sum([d * w for d, w in zip(changed, reweights, strict=True)]),
            proof, context=batch_context(trustee, redigest),
        )  # fmt: skip


def test_the_quorums_shares_open_the_rows_values() -> None:
    """M = β − Σ λ_l·D_l is v·G; with δ = 2 and μ = (3, −1) for trustees 1 and 3,
    δ·β − Σ μ_l·D_l is (δv)·G."""
    rows = [[_ciphertext(c) for c in row] for row in MIX_DECRYPTION["rows"]]
    ciphertexts = [c for row in rows for c in row]
    weights = MIX_DECRYPTION["quorum_weights"]
    assert weights == {"delta": 2, "mu": [3, -1]}
    first, third = (
        [Point.from_hex(s, allow_infinity=True) for s in t["shares"]]
        for t in MIX_DECRYPTION["trustees"]
    )
    values = []
    for c, d1, d3 in zip(ciphertexts, first, third, strict=True):
        point = Point.sum([c.beta * Scalar(2), d1 * Scalar(-3), d3])
        found = [v for v in range(6) if point == Point.generator() * Scalar(2 * v)]
        values.append(found[0] if found else None)
    flat = [v for row in MIX_DECRYPTION["values"] for v in row]
    assert values == flat
    assert MIX_DECRYPTION["values"] == [list(r["values"]) for r in VECTORS["rows"]]
