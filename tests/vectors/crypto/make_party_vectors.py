"""Make parties.json beside this file, from fixed seeds (parties.md, record.md §3.4).

Run from the repository root: ``.venv/bin/python tests/vectors/crypto/make_party_vectors.py``.
``tests/crypto/test_party_vectors.py`` checks that the code reproduces the file exactly, and
the browser module is checked against its election fingerprints and short texts.

Seeds as in ``make_ceremony_vectors``: the n-th draw under a label is
``H("tellers/test/rand"; label, u64(n))``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from make_ceremony_vectors import dump, seeded_bytes

from tellers import canonical
from tellers.crypto.group import Point, Scalar, bip340_sign
from tellers.crypto.sealed import open_with_ephemeral, seal, x25519_keypair
from tellers.election.fingerprint import election_fingerprint, manifest_hash
from tellers.election.manifest import Choice, Contest, Manifest, RuleOverride
from tellers.parties import SigningKey, key_fingerprint, short_text, signed_digest
from tellers.record.v2 import manifest_to_json

HERE = Path(__file__).parent
SOURCE = (
    "tests/vectors/crypto/make_party_vectors.py; seeds: the n-th draw under a label is "
    "H('tellers/test/rand'; label, u64(n)) (labels beside each value)"
)


def _key(label: str) -> SigningKey:
    return SigningKey.from_secret(Scalar.from_digest(seeded_bytes(label, 0)))


def party_vectors() -> dict[str, Any]:
    keys = []
    for label in ("parties/trustee-1", "parties/authority"):
        key = _key(label)
        keys.append(
            {
                "seed": label,
                "secret": key.secret.hex(),
                "public": key.public.hex(),
                "fingerprint_hash": "H('tellers/v1/key-fingerprint'; public)",
                "fingerprint": key_fingerprint(key.public),
            }
        )
    shorts = [
        {"bytes": data.hex(), "short": short_text(data)}
        for data in (bytes(10), bytes(range(1, 11)), bytes([0xFF] * 32), seeded_bytes("short", 0))
    ]
    message = {
        "format": "tellers/trustee-announcement/v2",
        "election_id": "small-2026",
        "manifest_hash": seeded_bytes("parties/manifest", 0).hex(),
        "trustee": 1,
        "signing_key": keys[0]["public"],
        "ceremony_key": x25519_keypair(seeded_bytes("parties/x25519", 0)).public.hex(),
    }
    aux = seeded_bytes("parties/aux", 0)
    signature = bip340_sign(_key("parties/trustee-1").secret, signed_digest(message), aux)
    signed = {
        "key_seed": "parties/trustee-1",
        "object": message,
        "canonical": canonical.dumps(message).decode(),
        "digest": signed_digest(message).hex(),
        "aux_seed": "parties/aux",
        "signature": signature.hex(),
    }
    recipient = x25519_keypair(seeded_bytes("parties/recipient", 0))
    plaintext = b"a share, labelled"
    sealed, esk = seal(recipient.public, plaintext, seeded_bytes("parties/ephemeral", 0))
    assert open_with_ephemeral(recipient.public, sealed, esk) == plaintext
    box = {
        "recipient_seed": "parties/recipient (first draw as the X25519 seed)",
        "recipient_public": recipient.public.hex(),
        "ephemeral_seed": "parties/ephemeral (first draw as esk)",
        "ephemeral_secret": esk.hex(),
        "plaintext": plaintext.hex(),
        "sealed": sealed.hex(),
    }
    manifest = Manifest(
        election_id="vectors-2026",
        title="Fingerprint vectors",
        organisation="Tellers",
        scrutineer="Independent Scrutineer Ltd",
        opens="2026-03-02T09:00:00+00:00",
        closes="2026-03-23T12:00:00+00:00",
        revote="last",
        trustees=3,
        quorum=2,
        constituencies=("north", "south"),
        contests=(
            Contest(
                "q", "Siân's question — ☃", "yes-no", (Choice("yes", "Yes"), Choice("no", "No"))
            ),
        ),
        public_board="after-close",
    )
    key = Point.base_times(Scalar.from_digest(seeded_bytes("parties/joint", 0)))
    credentials = seeded_bytes("parties/credentials", 0)
    election = _fingerprint_case(manifest, key, credentials)
    # A tellers-manifest/v4 (record.md §3.6): the statutory fields are inside the hash.
    strike = dataclasses.replace(
        manifest,
        election_id="vectors-strike-2026",
        opens="2026-02-17T09:00:00+00:00",
        revote="forbidden",
        contests=tuple(
            Contest(
                f"strike-{k}",
                "Strike?",
                "yes-no",
                manifest.contests[0].choices,
                constituencies=(k,),
            )
            for k in manifest.constituencies
        ),
        kind="industrial-action",
        relevant_date="2026-01-30",
        important_public_services=("north",),
        rules=(RuleOverride("notice_days", 21, "agreed with the employer (clause 4)"),),
    )
    statutory = _fingerprint_case(strike, key, credentials)
    # A tellers-manifest/v6 (record.md §3.8): the head of the nominations log a contest's
    # choices came from is inside the hash, so the fingerprint binds who stood.
    nominated = dataclasses.replace(
        manifest,
        election_id="vectors-gs-2026",
        contests=(
            Contest(
                "general-secretary",
                "General Secretary",
                "plurality",
                (Choice("adams", "Tom Adams", "Members first."), Choice("ward", "Sharon Ward")),
                nominations=seeded_bytes("parties/nominations-head", 0).hex(),
            ),
        ),
        kind="election",
        term_years=5,
    )
    from_nominations = _fingerprint_case(nominated, key, credentials)
    # A tellers-manifest/v7 (record.md §3.9): a ranked contest's tie order is inside the
    # hash, so the fingerprint binds how the count decides the ties its rule leaves open.
    ranked = dataclasses.replace(
        nominated,
        election_id="vectors-nec-2026",
        contests=(
            Contest(
                "executive",
                "National Executive",
                "stv-ers97",
                (Choice("ash", "Ash"), Choice("birch", "Birch"), Choice("cedar", "Cedar")),
                seats=2,
                preferences=2,
                tie_order=("cedar", "ash", "birch"),
            ),
        ),
    )
    tie_ordered = _fingerprint_case(ranked, key, credentials)
    return {
        "source": SOURCE,
        "signing_keys": keys,
        "short_texts": shorts,
        "signed_objects": [signed],
        "sealed_boxes": [box],
        "election_fingerprints": [election, statutory, from_nominations, tie_ordered],
    }


def _fingerprint_case(manifest: Manifest, key: Point, credentials: bytes) -> dict[str, Any]:
    """One election fingerprint vector: the manifest, its hash and the fingerprint."""
    fingerprint = election_fingerprint(manifest_hash(manifest), key, credentials)
    return {
        "manifest": manifest_to_json(manifest),
        "manifest_hash": manifest_hash(manifest).hex(),
        "joint_key": key.hex(),
        "credentials_hash": credentials.hex(),
        "fingerprint": fingerprint.hex(),
        "short": short_text(fingerprint),
    }


def main() -> None:
    (HERE / "parties.json").write_text(dump(party_vectors()), encoding="utf-8")


if __name__ == "__main__":
    main()
