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
from tellers.crypto.proofs import SchnorrProof
from tellers.errors import EncodingError, InvalidProof
from tellers.ranked.ballot import EncryptedPreference, check_preference, check_ranking
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
