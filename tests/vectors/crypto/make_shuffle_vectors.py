"""Make shuffle.json beside this file: shuffles of rows with their proofs (shuffle.md §9).

Run from the repository root: ``.venv/bin/python tests/vectors/crypto/make_shuffle_vectors.py``.
``tests/crypto/test_shuffle_vectors.py`` checks that the code reproduces the file exactly, and
re-derives the generators, the statement digest, the challenges and the proof's equations
from the bytes of shuffle.md alone.

Seeds as in ``make_ceremony_vectors``: the n-th draw under a label is
``H("tellers/test/rand"; label, u64(n)) mod n``. Each case's shuffle draws from one label, in
the order of shuffle.md §6.1: the permutation, the re-encryption randomness, the nonces.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from make_ceremony_vectors import dump, seeded, seeded_bytes

from tellers.crypto.elgamal import encrypt
from tellers.crypto.group import Point, Scalar
from tellers.crypto.hashing import int_field
from tellers.crypto.shuffle import random_permutation, shuffle, shuffle_context
from tellers.crypto.shuffle_proof import (
    TAG_CHALLENGE,
    TAG_GENERATOR,
    TAG_STATEMENT,
    TAG_VECTOR,
    shuffle_challenge,
    shuffle_generators,
    statement_digest,
    vector_challenges,
)
from tellers.record.v2_shuffle import rows_to_json, shuffle_proof_to_json

HERE = Path(__file__).parent
SOURCE = (
    "tests/vectors/crypto/make_shuffle_vectors.py; seeds: the n-th draw under a label is "
    "H('tellers/test/rand'; label, u64(n)) mod n (labels beside each value); "
    "fingerprint = the first draw under 'shuffle/fingerprint', as bytes"
)
# (label, N, W, context): one row, a small mix, and the width of a ranked ballot.
CASES = (
    ("shuffle/one-row", 1, 1, shuffle_context(1, 1)),
    ("shuffle/three-by-two", 3, 2, shuffle_context(2, 2)),
    ("shuffle/four-by-three", 4, 3, shuffle_context(3, 3, b"executive")),
)


def _case(
    fingerprint: bytes, secret: Scalar, label: str, count: int, width: int, context: bytes
) -> dict[str, Any]:
    public = Point.base_times(secret)
    plaintexts = [[(3 * i + k) % 5 for k in range(width)] for i in range(count)]
    draw = seeded(f"{label}/inputs")
    inputs = tuple(tuple(encrypt(public, m, draw()) for m in row) for row in plaintexts)
    outputs, proof = shuffle(fingerprint, public, inputs, context=context, rand=seeded(label))
    replay = seeded(label)  # the same draws again, to write the witness down
    permutation = random_permutation(count, replay)
    randomness = [[replay().hex() for _ in range(width)] for _ in range(count)]
    gens = shuffle_generators(fingerprint, count)
    digest = statement_digest(
        fingerprint, public, gens, inputs, outputs, proof.commitments, context
    )
    return {
        "label": label,
        "rows": count,
        "width": width,
        "context": context.hex(),  # shuffle_context(trustee, position[, contest])
        "input_plaintexts": plaintexts,
        "input_randomness_seed": f"{label}/inputs (one draw per ciphertext, row by row)",
        "inputs": rows_to_json(inputs),
        "permutation": [j + 1 for j in permutation],  # π(1), ..., π(N), 1-based as in the spec
        "reencryption_randomness": randomness,
        "outputs": rows_to_json(outputs),
        "generators": [p.hex() for p in (gens.h, *gens.hs)],
        "statement_digest": digest.hex(),
        "u": [u.hex() for u in vector_challenges(fingerprint, digest, count)],
        "challenge": shuffle_challenge(fingerprint, digest, proof).hex(),
        "proof": shuffle_proof_to_json(proof),
    }


def shuffle_vectors() -> dict[str, Any]:
    fingerprint = seeded_bytes("shuffle/fingerprint", 0)
    secret = Scalar.from_digest(seeded_bytes("shuffle/election-secret", 0))
    return {
        "source": SOURCE,
        "tags": {
            "generator": TAG_GENERATOR,
            "statement": TAG_STATEMENT,
            "vector": TAG_VECTOR,
            "challenge": TAG_CHALLENGE,
        },
        "fingerprint": fingerprint.hex(),
        "election_secret": secret.hex(),
        "election_key": Point.base_times(secret).hex(),
        "generator_data_example": (fingerprint + int_field(1)).hex(),
        "cases": [_case(fingerprint, secret, *case) for case in CASES],
    }


def main() -> None:
    (HERE / "shuffle.json").write_text(dump(shuffle_vectors()), encoding="utf-8")


if __name__ == "__main__":
    main()
