"""Make ceremony.json and credentials.json beside this file, from fixed seeds.

Run from the repository root: ``.venv/bin/python tests/vectors/crypto/make_ceremony_vectors.py``.
The tests import ``ceremony_vectors()`` and ``credential_vectors()`` and check that the code
reproduces the files exactly.

Every random value comes from ``seeded(label)``: the n-th draw (n = 0, 1, ...) is
``H("tellers/test/rand"; label, u64(n)) mod n`` (protocol.md §3 hashing), so a second
implementation can regenerate every number here. The files hold the plaintext shares and one
sealed-box plaintext layout; a sealed box made from a given ephemeral secret, and opened with
it, is in ``parties.json`` (``make_party_vectors.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tellers.crypto import credentials
from tellers.crypto.ceremony_messages import TrusteeKey
from tellers.crypto.elgamal import encrypt
from tellers.crypto.group import Point, Scalar
from tellers.crypto.hashing import hash_fields, int_field
from tellers.crypto.proofs import SchnorrProof
from tellers.crypto.threshold import (
    combine_shares,
    commit,
    decryption_share,
    joint_public_key,
    lagrange_coefficient,
    new_ceremony_key,
    new_polynomial,
    verification_key,
)

HERE = Path(__file__).parent
SEED_TAG = "tellers/test/rand"
SOURCE = (
    "tests/vectors/crypto/make_ceremony_vectors.py; every random value is "
    "H('tellers/test/rand'; label, u64(n)) for the n-th draw under a label (labels are "
    "given beside each value as 'seed'); fingerprint = H('tellers/test/fingerprint'; 'ceremony')"
)


def seeded_bytes(label: str, n: int) -> bytes:
    return hash_fields(SEED_TAG, [label.encode(), int_field(n)])


def seeded(label: str) -> Callable[[], Scalar]:
    """A deterministic ``rand`` for proofs and polynomials."""
    counter = iter(range(1 << 32))
    return lambda: Scalar.from_digest(seeded_bytes(label, next(counter)))


def fixed_bytes(data: bytes) -> Callable[[int], bytes]:
    """A ``random`` for ``generate_code`` that returns the given bytes."""
    return lambda size: data[:size]


def _proof(p: SchnorrProof) -> dict[str, str]:
    return {"challenge": p.challenge.hex(), "response": p.response.hex()}


def ceremony_vectors() -> dict[str, Any]:
    fingerprint = hash_fields("tellers/test/fingerprint", [b"ceremony"])
    k, n = 2, 3
    keys = [new_ceremony_key(i, seeded_bytes(f"ceremony/x25519/{i}", 0)) for i in (1, 2, 3)]
    polys = [new_polynomial(i, k, rand=seeded(f"ceremony/polynomial/{i}")) for i in (1, 2, 3)]
    commitments = [
        commit(fingerprint, p, rand=seeded(f"ceremony/commit/{p.trustee}")) for p in polys
    ]
    trustees = []
    for key, poly, c in zip(keys, polys, commitments, strict=True):
        i = poly.trustee
        trustees.append(
            {
                "trustee": i,
                "x25519_seed": f"ceremony/x25519/{i} (first draw, as bytes)",
                "x25519_public": key.public.hex(),
                "polynomial_seed": f"ceremony/polynomial/{i}",
                "coefficients": [a.hex() for a in poly.coefficients],
                "proof_seed": f"ceremony/commit/{i}",
                "commitments": [p.hex() for p in c.coefficients],
                "proofs": [_proof(p) for p in c.proofs],
                "shares": {str(t): poly.at(t).hex() for t in (1, 2, 3)},
            }
        )
    secret_shares = {t: sum((p.at(t) for p in polys), Scalar(0)) for t in (1, 2, 3)}
    h = joint_public_key(commitments)
    m, r = 42, seeded("ceremony/encrypt")()
    ciphertext = encrypt(h, m, r)
    tkeys = {t: TrusteeKey(t, x, Point.base_times(x)) for t, x in secret_shares.items()}
    dshares = [
        decryption_share(fingerprint, tkeys[t], ciphertext, rand=seeded(f"ceremony/decrypt/{t}"))
        for t in (1, 3)
    ]
    combined = combine_shares([ciphertext], [[d] for d in dshares])[0]
    layout = fingerprint + int_field(1) + int_field(2) + polys[0].at(2).to_bytes()
    return {
        "source": SOURCE,
        "fingerprint": fingerprint.hex(),
        "quorum": k,
        "trustees": n,
        "trustee": trustees,
        "sealed_share_plaintext_1_to_2": layout.hex(),
        "joint_public_key": h.hex(),
        "secret_shares": {str(t): x.hex() for t, x in secret_shares.items()},
        "verification_keys": {str(t): verification_key(t, commitments).hex() for t in (1, 2, 3)},
        "ciphertext": {
            "message": m,
            "randomness_seed": "ceremony/encrypt",
            "randomness": r.hex(),
            "alpha": ciphertext.alpha.hex(),
            "beta": ciphertext.beta.hex(),
        },
        "decryption_shares": [
            {
                "trustee": d.trustee,
                "proof_seed": f"ceremony/decrypt/{d.trustee}",
                "share": d.share.hex(),
                "challenge": d.proof.challenge.hex(),
                "response": d.proof.response.hex(),
            }
            for d in dshares
        ],
        "lagrange": {str(t): lagrange_coefficient(t, [1, 3]).hex() for t in (1, 3)},
        "plaintext_point": combined.hex(),
        "plaintext": m,
    }


def credential_vectors() -> dict[str, Any]:
    election_id = bytes.fromhex("6f1d2c8e9b3a4f5e8d7c6b5a49382716")  # a UUID's 16 bytes
    codes = []
    for c in range(4):
        label = f"credentials/code/{c}"
        entropy = seeded_bytes(label, 0)[:15]
        code = credentials.generate_code(fixed_bytes(entropy))
        normalised = credentials.normalise_code(code)
        codes.append(
            {
                "seed": f"{label} (first 15 bytes of the first draw)",
                "entropy": entropy.hex(),
                "code": code,
                "normalised": normalised,
                "signing_key": credentials.derive_signing_key(election_id, code).hex(),
                "public_credential": credentials.public_credential(election_id, code).hex(),
            }
        )
    first = codes[0]["code"]
    messy = first.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    normalisation = [
        {"input": first, "normalised": codes[0]["normalised"]},
        {"input": "  " + messy + "\t", "normalised": codes[0]["normalised"]},
        {"input": first.replace("-", ""), "normalised": codes[0]["normalised"]},
    ]
    invalid = [
        {"input": first[:-1], "error": "expected 24 characters"},
        {"input": first[:5] + "U" + first[6:], "error": "at position 6"},
        {"input": _substitute(first), "error": "probably a typo"},
    ]
    message = hash_fields("tellers/test/message", [b"ballot"])
    aux = seeded_bytes("credentials/aux", 0)
    key = credentials.derive_signing_key(election_id, first)
    signature = credentials.sign(key, message, aux_randomness=aux)
    return {
        "source": SOURCE + "; message = H('tellers/test/message'; 'ballot')",
        "election_id": election_id.hex(),
        "codes": codes,
        "normalisation": normalisation,
        "invalid": invalid,
        "signature": {
            "code": first,
            "message": message.hex(),
            "aux_randomness": aux.hex(),
            "aux_seed": "credentials/aux",
            "signature": signature.hex(),
        },
    }


def _substitute(code: str) -> str:
    """The code with its first data character replaced by the next letter of the alphabet."""
    alphabet = credentials.ALPHABET
    return alphabet[(alphabet.index(code[0]) + 1) % 32] + code[1:]


def dump(vectors: dict[str, Any]) -> str:
    """Top-level keys one per line; each case of a list on its own line (STYLE.md §10)."""
    lines = []
    for key, value in vectors.items():
        if isinstance(value, list):
            items = ",\n".join("    " + json.dumps(v, ensure_ascii=False) for v in value)
            lines.append(f"  {json.dumps(key)}: [\n{items}\n  ]")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main() -> None:
    (HERE / "ceremony.json").write_text(dump(ceremony_vectors()), encoding="utf-8")
    (HERE / "credentials.json").write_text(dump(credential_vectors()), encoding="utf-8")


if __name__ == "__main__":
    main()
