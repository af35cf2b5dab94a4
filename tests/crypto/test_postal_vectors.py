"""postal.json: one paper's pre-encryption, codes and confirmation, and one return, byte for
byte (postal.md §9); and the properties an outside verifier relies on."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tellers.crypto.elgamal import encrypt
from tellers.crypto.group import Point, Scalar
from tellers.postal.messages import PaperEntry
from tellers.postal.preencrypt import paper_seed, preencrypt_paper, short_code
from tellers.postal.returns import check_return
from tellers.record.v2 import ciphertext_to_json, manifest_from_json

HERE = Path(__file__).resolve().parents[1] / "vectors" / "crypto"
sys.path.insert(0, str(HERE))
from make_postal_vectors import postal_vectors  # noqa: E402

VECTORS: dict[str, Any] = json.loads((HERE / "postal.json").read_text(encoding="utf-8"))


def test_the_file_is_what_the_generator_makes() -> None:
    assert postal_vectors() == VECTORS


def test_each_vector_is_its_one_hot_encryption_under_its_randomness() -> None:
    key = Point.from_hex(VECTORS["joint_key"])
    for case in VECTORS["marks"]:
        for slot, (r, c) in enumerate(zip(case["randomness"], case["vector"], strict=True)):
            expected = encrypt(key, int(slot == case["mark"]), Scalar.from_hex(r))
            assert ciphertext_to_json(expected) == c


def test_the_return_checks_against_the_committed_paper() -> None:
    manifest = manifest_from_json(VECTORS["manifest"])
    entry = PaperEntry(
        VECTORS["number"],
        bytes.fromhex(VECTORS["credential"]),
        bytes.fromhex(VECTORS["confirmation"]),
    )
    found = check_return(
        manifest,
        bytes.fromhex(VECTORS["fingerprint"]),
        Point.from_hex(VECTORS["joint_key"]),
        VECTORS["return"],
        entry,
        "all",
        bytes.fromhex(VECTORS["opening_house_key"]),
    )
    assert found.reason is None, found.detail
    assert found.codes == ((VECTORS["marks"][1]["code"],),)
    other = PaperEntry(entry.number, entry.credential, bytes(32))
    wrong = check_return(
        manifest,
        bytes.fromhex(VECTORS["fingerprint"]),
        Point.from_hex(VECTORS["joint_key"]),
        VECTORS["return"],
        other,
        "all",
        bytes.fromhex(VECTORS["opening_house_key"]),
    )
    assert wrong.reason == "bad-vector"


@settings(max_examples=25, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.integers(1, 10**7))
def test_a_papers_codes_are_distinct_and_its_seed_remakes_it(master: bytes, number: int) -> None:
    manifest = manifest_from_json(VECTORS["manifest"])
    key = Point.from_hex(VECTORS["joint_key"])
    seed = paper_seed(master, number)
    paper = preencrypt_paper(manifest, bytes(32), key, seed, number, bytes(32), "all")
    codes = paper.contests[0].codes
    assert len(set(codes)) == len(codes) == 4
    assert all(short_code(h) == c for h, c in zip(paper.contests[0].hashes, codes, strict=True))
    again = preencrypt_paper(manifest, bytes(32), key, seed, number, bytes(32), "all")
    assert again.confirmation == paper.confirmation
    other = preencrypt_paper(manifest, bytes(32), key, seed, number + 1, bytes(32), "all")
    assert other.confirmation != paper.confirmation
