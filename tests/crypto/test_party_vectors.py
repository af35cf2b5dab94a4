"""parties.json: key fingerprints, short texts, signed objects, reopenable sealed boxes and
election fingerprints, reproduced byte for byte (the browser module is checked against the
same file in tests/web/test_js_vectors.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tellers import canonical
from tellers.crypto.group import Point, bip340_verify
from tellers.crypto.sealed import open_as_recipient, open_with_ephemeral, x25519_keypair
from tellers.election.fingerprint import election_fingerprint, manifest_hash
from tellers.errors import InvalidSignature
from tellers.parties import check_signed, key_fingerprint, short_text, signed_digest
from tellers.record.v2 import manifest_from_json

HERE = Path(__file__).resolve().parents[1] / "vectors" / "crypto"
sys.path.insert(0, str(HERE))
from make_ceremony_vectors import seeded_bytes  # noqa: E402
from make_party_vectors import party_vectors  # noqa: E402

VECTORS: dict[str, Any] = json.loads((HERE / "parties.json").read_text(encoding="utf-8"))


def test_the_file_is_what_the_generator_makes() -> None:
    assert party_vectors() == VECTORS


@pytest.mark.parametrize("case", VECTORS["signing_keys"], ids=lambda c: c["seed"])
def test_key_fingerprints(case: dict[str, str]) -> None:
    assert key_fingerprint(bytes.fromhex(case["public"])) == case["fingerprint"]


@pytest.mark.parametrize("case", VECTORS["short_texts"], ids=lambda c: c["short"])
def test_short_texts(case: dict[str, str]) -> None:
    assert short_text(bytes.fromhex(case["bytes"])) == case["short"]


@pytest.mark.parametrize("case", VECTORS["signed_objects"], ids=lambda c: c["key_seed"])
def test_signed_objects(case: dict[str, Any]) -> None:
    obj = case["object"]
    assert canonical.dumps(obj).decode() == case["canonical"]
    assert signed_digest(obj).hex() == case["digest"]
    public = bytes.fromhex(obj["signing_key"])
    bip340_verify(public, bytes.fromhex(case["digest"]), bytes.fromhex(case["signature"]))
    check_signed({**obj, "signature": case["signature"]}, public, "vector")
    with pytest.raises(InvalidSignature, match="vector"):
        check_signed({**obj, "trustee": 2, "signature": case["signature"]}, public, "vector")


@pytest.mark.parametrize("case", VECTORS["sealed_boxes"], ids=lambda c: c["sealed"][:8])
def test_sealed_boxes_open_for_the_recipient_and_with_the_revealed_secret(
    case: dict[str, str],
) -> None:
    recipient = x25519_keypair(seeded_bytes("parties/recipient", 0))
    sealed, esk = bytes.fromhex(case["sealed"]), bytes.fromhex(case["ephemeral_secret"])
    assert open_as_recipient(recipient.private, sealed).hex() == case["plaintext"]
    assert open_with_ephemeral(recipient.public, sealed, esk).hex() == case["plaintext"]
    wrong = esk[:1] + bytes([esk[1] ^ 1]) + esk[2:]  # (the low bits of byte 0 are clamped)
    with pytest.raises(ValueError, match="not the box's"):
        open_with_ephemeral(recipient.public, sealed, wrong)
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(ValueError, match="does not open"):
        open_with_ephemeral(recipient.public, tampered, esk)


@pytest.mark.parametrize("case", VECTORS["election_fingerprints"], ids=lambda c: c["short"])
def test_election_fingerprints(case: dict[str, Any]) -> None:
    manifest = manifest_from_json(case["manifest"])
    assert manifest_hash(manifest).hex() == case["manifest_hash"]
    fingerprint = election_fingerprint(
        manifest_hash(manifest),
        Point.from_hex(case["joint_key"]),
        bytes.fromhex(case["credentials_hash"]),
    )
    assert fingerprint.hex() == case["fingerprint"]
    assert short_text(fingerprint) == case["short"]
