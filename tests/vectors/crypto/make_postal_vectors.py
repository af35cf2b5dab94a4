"""Make postal.json beside this file: one pre-encrypted paper and one return (postal.md §9).

Run from the repository root: ``.venv/bin/python tests/vectors/crypto/make_postal_vectors.py``.
``tests/crypto/test_postal_vectors.py`` checks that the code reproduces the file exactly.
Seeds as in ``make_ceremony_vectors``: the n-th draw under a label is
``H("tellers/test/rand"; label, u64(n))``; the return's signature uses 32 zero bytes of
auxiliary randomness.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from make_ceremony_vectors import dump, seeded, seeded_bytes

from tellers import canonical
from tellers.crypto.group import Point, Scalar, bip340_sign
from tellers.election.manifest import Choice, Contest, Manifest, Postal
from tellers.parties import SigningKey, short_text, signed_digest
from tellers.postal.preencrypt import contest_hash, paper_seed, preencrypt_paper
from tellers.postal.returns import make_return, return_tracker
from tellers.record.v2 import ciphertext_to_json, manifest_to_json

HERE = Path(__file__).parent
SOURCE = (
    "tests/vectors/crypto/make_postal_vectors.py; seeds: the n-th draw under a label is "
    "H('tellers/test/rand'; label, u64(n)) (labels beside each value)"
)


def manifest() -> Manifest:
    return Manifest(
        election_id="postal-vectors",
        title="Vectors",
        organisation="Test Union",
        scrutineer="Test Scrutineer",
        opens="2026-03-02T09:00:00+00:00",
        closes="2026-03-23T12:00:00+00:00",
        revote="last",
        trustees=1,
        quorum=1,
        constituencies=("all",),
        contests=(
            Contest(
                "president",
                "President",
                "plurality",
                (Choice("ada", "Ada"), Choice("bea", "Bea"), Choice("cyd", "Cyd")),
            ),
        ),
        postal=Postal("hybrid", "online", "2026-03-16T17:00:00+00:00", "PO Box 1"),
    )


def postal_vectors() -> dict[str, Any]:
    m = manifest()
    master = seeded_bytes("postal/master", 0)
    key = Point.base_times(Scalar.from_digest(seeded_bytes("postal/joint-secret", 0)))
    fingerprint = seeded_bytes("postal/fingerprint", 0)
    credential = seeded_bytes("postal/credential", 0)
    number = 1234
    seed = paper_seed(master, number)
    paper = preencrypt_paper(m, fingerprint, key, seed, number, credential, "all")
    contest = paper.contests[0]
    opening = SigningKey.from_secret(Scalar.from_digest(seeded_bytes("postal/opening", 0)))
    unsigned = make_return(
        m, fingerprint, key, paper, "2026-03-10T08:00:00+00:00", {"president": [1]}, opening,
        rand=seeded("postal/return-nonces"),
    )  # fmt: skip
    body = {k: v for k, v in unsigned.items() if k != "signature"}
    signature = bip340_sign(opening.secret, signed_digest(body), bytes(32))
    signed = {**body, "signature": signature.hex()}
    return {
        "source": SOURCE,
        "manifest": manifest_to_json(m),
        "master": master.hex(),
        "joint_key": key.hex(),
        "fingerprint": fingerprint.hex(),
        "credential": credential.hex(),
        "number": number,
        "seed": seed.hex(),
        "attempt": contest.attempt,
        "marks": [
            {
                "mark": mark,
                "randomness": [r.hex() for r in contest.randomness[mark]],
                "vector": [ciphertext_to_json(c) for c in contest.vectors[mark]],
                "hash": contest.hashes[mark].hex(),
                "code": contest.codes[mark],
            }
            for mark in range(len(contest.vectors))
        ],
        "contest_hash": contest_hash(number, 0, contest.hashes).hex(),
        "confirmation": paper.confirmation.hex(),
        "confirmation_text": short_text(paper.confirmation),
        "opening_house_key": opening.public.hex(),
        "return_nonces": "postal/return-nonces",
        "return": signed,
        "return_tracker": return_tracker(signed).hex(),
        "return_canonical": canonical.dumps(signed).decode(),
    }


def main() -> None:
    (HERE / "postal.json").write_text(dump(postal_vectors()), encoding="utf-8")


if __name__ == "__main__":
    main()
