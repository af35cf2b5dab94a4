"""Make ranked.json beside this file: ranked ballots' plaintexts, preference proofs, rows,
contest hashes, one whole ballot, and two trustees' batched decryptions of the rows with
the values they open (ranked.md §2, §3, §5; record.md §4.1, §4.2).

Run from the repository root: ``.venv/bin/python tests/vectors/crypto/make_ranked_vectors.py``.
``tests/ranked/test_ranked_vectors.py`` checks that the code reproduces the file exactly and
re-checks every proof; ``tests/web/test_js_vectors.py`` has the browser module reproduce it.

Seeds as in ``make_ceremony_vectors``: the n-th draw under a label is
``H("tellers/test/rand"; label, u64(n)) mod n``. A row draws from one label in
``encrypt_ranking``'s order: r_1, w_1, r_2, w_2, ...; the ballot draws from one label in
``encrypt_ballot``'s order, contest by contest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from make_ceremony_vectors import dump, fixed_bytes, seeded, seeded_bytes

from tellers import canonical
from tellers.ballot import ballot_message, encrypt_ballot, tracker
from tellers.contexts import proof_context
from tellers.crypto.ceremony_messages import TrusteeKey
from tellers.crypto.credentials import derive_signing_key, generate_code, public_credential
from tellers.crypto.elgamal import encrypt
from tellers.crypto.group import Point, Scalar
from tellers.crypto.hashing import hash_fields
from tellers.crypto.threshold import quorum_weights
from tellers.election.manifest import Choice, Contest, Manifest
from tellers.errors import EncodingError
from tellers.ranked.ballot import TAG_PREFERENCE, encrypt_ranking, prove_preference
from tellers.ranked.decrypt import (
    TAG_BATCH,
    TAG_WEIGHT,
    batch_context,
    batch_digest,
    batch_weights,
    open_rows,
    row_shares,
)
from tellers.ranked.ranking import ranking_values
from tellers.record.v2 import ballot_to_json, reveal_to_json
from tellers.record.v2_manifest import manifest_to_json

HERE = Path(__file__).parent
SOURCE = (
    "tests/vectors/crypto/make_ranked_vectors.py; seeds: the n-th draw under a label is "
    "H('tellers/test/rand'; label, u64(n)) mod n (labels beside each value); "
    "fingerprint = the first draw under 'ranked/fingerprint', as bytes; "
    "credential = the first draw under 'ranked/credential', as bytes"
)
TAG_CONTEST = "tellers/v1/ballot-ranked"
CANDIDATES = ("ash", "birch", "cedar", "damson", "elm")
WIDTH = 3

# (candidates C, preferences W, ranking as 0-based indices): accepted, then refused.
VALUES: tuple[tuple[int, int, list[int]], ...] = (
    (5, 3, []),
    (5, 3, [2, 0]),
    (5, 3, [4, 3, 1]),
    (2, 2, [1, 0]),
    (5, 3, [2, 2]),  # a candidate twice
    (5, 3, [5]),  # an unknown candidate
    (5, 3, [-1]),
    (5, 3, [0, 1, 2, 3]),  # more than W
)
# (label, plaintext v, contest index, slot p - 1)
PROOFS = (
    ("ranked/proof/zero", 0, 1, 0),
    ("ranked/proof/first", 3, 1, 0),
    ("ranked/proof/third", 5, 1, 2),
    ("ranked/proof/far", 64, 7, 63),
)
# (label, ranking as choice ids, contest index): the empty ranking, a partial one, a full one.
ROWS = (
    ("ranked/row/empty", (), 1),
    ("ranked/row/two", ("cedar", "ash"), 1),
    ("ranked/row/full", ("elm", "birch", "damson"), 1),
)


def _values(candidates: int, preferences: int, ranking: list[int]) -> dict[str, Any]:
    case: dict[str, Any] = {"candidates": candidates, "preferences": preferences}
    case["ranking"] = ranking
    try:
        case["values"] = list(ranking_values(ranking, candidates, preferences))
    except EncodingError as exc:
        case["error"] = str(exc)
    return case


def _proof(fp: bytes, secret: Scalar, label: str, m: int, index: int, slot: int) -> dict[str, Any]:
    public = Point.base_times(secret)
    draw = seeded(label)
    r, w = draw(), draw()
    ciphertext = encrypt(public, m, r)
    context = proof_context(seeded_bytes("ranked/credential", 0), index, slot)
    proof = prove_preference(fp, public, ciphertext, r, context=context, rand=lambda: w)
    return {
        "label": f"{label} (draw 0 = r, draw 1 = the nonce w)",
        "m": m,
        "r": r.hex(),
        "alpha": ciphertext.alpha.hex(),
        "beta": ciphertext.beta.hex(),
        "context": context.hex(),
        "nonce": w.hex(),
        "commitment": Point.base_times(w).hex(),
        "proof": {"c": proof.challenge.hex(), "s": proof.response.hex()},
    }


def _row(fp: bytes, public: Point, label: str, ranking: tuple[str, ...], index: int) -> Any:
    values = ranking_values([CANDIDATES.index(c) for c in ranking], len(CANDIDATES), WIDTH)
    credential = seeded_bytes("ranked/credential", 0)
    row, randomness = encrypt_ranking(
        fp, public, values, credential=credential, contest_index=index, rand=seeded(label)
    )
    parts = [b"executive"] + [
        p.ciphertext.to_bytes() + p.proof.challenge.to_bytes() + p.proof.response.to_bytes()
        for p in row
    ]
    return {
        "label": f"{label} (r_1, w_1, r_2, w_2, ...)",
        "contest_id": "executive",
        "contest_index": index,
        "ranking": list(ranking),
        "values": list(values),
        "randomness": [r.hex() for r in randomness],
        "preferences": [
            {
                "alpha": p.ciphertext.alpha.hex(),
                "beta": p.ciphertext.beta.hex(),
                "proof": {"c": p.proof.challenge.hex(), "s": p.proof.response.hex()},
            }
            for p in row
        ],
        "contest_hash": hash_fields(TAG_CONTEST, parts).hex(),
    }


def ranked_manifest() -> Manifest:
    """A plurality contest and a 2-seat STV contest of five candidates, W = 3."""
    return Manifest(
        election_id="ranked-vectors-2026",
        title="Ranked test election",
        organisation="Test Workers' Union",
        scrutineer="Independent Scrutineer Ltd",
        opens="2026-03-02T09:00:00+00:00",
        closes="2026-03-23T12:00:00+00:00",
        revote="last",
        trustees=3,
        quorum=2,
        constituencies=("north", "south"),
        contests=(
            Contest(
                "president",
                "President",
                "plurality",
                (Choice("ada", "Ada"), Choice("bea", "Bea"), Choice("cyd", "Cyd")),
            ),
            Contest(
                "executive",
                "National executive",
                "stv-ers97",
                tuple(Choice(n, n.title()) for n in CANDIDATES),
                seats=2,
                preferences=WIDTH,
            ),
        ),
        kind="election",
    )


def _ballot(fp: bytes, public: Point) -> dict[str, Any]:
    manifest = ranked_manifest()
    code = generate_code(fixed_bytes(seeded_bytes("ranked/code", 0)))
    key = derive_signing_key(manifest.election_id.encode(), code)
    selections = {"president": ["bea"], "executive": ["cedar", "ash"]}
    aux = seeded_bytes("ranked/aux", 0)
    ballot, reveal = encrypt_ballot(
        manifest, fp, public, key, "south", selections, rand=seeded("ranked/ballot"),
        aux_randomness=aux,
    )  # fmt: skip
    message = ballot_message(fp, ballot.credential, ballot.contests)
    return {
        "manifest": manifest_to_json(manifest),
        "code": code,
        "code_seed": "ranked/code (first draw, its first 15 bytes)",
        "signing_key": key.hex(),
        "credential": public_credential(manifest.election_id.encode(), code).hex(),
        "constituency": "south",
        "selections": selections,
        "rand_seed": "ranked/ballot",
        "aux": aux.hex(),
        "aux_seed": "ranked/aux (first draw, as bytes)",
        "ballot": ballot_to_json(ballot),
        "canonical": canonical.dumps(ballot_to_json(ballot)).decode(),
        "reveal": reveal_to_json(reveal),
        "message": message.hex(),
        "tracker": tracker(ballot, message).hex(),
    }


def ranked_vectors() -> dict[str, Any]:
    fingerprint = seeded_bytes("ranked/fingerprint", 0)
    secret = Scalar.from_digest(seeded_bytes("ranked/election-secret", 0))
    public = Point.base_times(secret)
    return {
        "source": SOURCE,
        "tags": {"preference": TAG_PREFERENCE, "contest": TAG_CONTEST},
        "fingerprint": fingerprint.hex(),
        "election_secret": secret.hex(),
        "election_key": public.hex(),
        "credential": seeded_bytes("ranked/credential", 0).hex(),
        "ranking_values": [_values(*case) for case in VALUES],
        "preference_proofs": [_proof(fingerprint, secret, *case) for case in PROOFS],
        "rows": [_row(fingerprint, public, *case) for case in ROWS],
        "ballot": _ballot(fingerprint, public),
        "mix_decryption": _mix_decryption(fingerprint, secret),
    }


def _mix_decryption(fp: bytes, secret: Scalar) -> dict[str, Any]:
    """The rows of ``ROWS`` (as cast: a shuffle's rows are decrypted the same way) decrypted
    by trustees 1 and 3 of a 2-of-3 sharing f(z) = secret + a·z of the election secret,
    a drawn under 'ranked/mix-decryption/polynomial'; each trustee's proof nonce is the
    first draw under 'ranked/mix-decryption/nonce/l'."""
    public = Point.base_times(secret)
    slope = seeded("ranked/mix-decryption/polynomial")()
    rows = []
    for label, ranking, index in ROWS:
        values = ranking_values([CANDIDATES.index(c) for c in ranking], len(CANDIDATES), WIDTH)
        row, _ = encrypt_ranking(
            fp, public, values, credential=seeded_bytes("ranked/credential", 0),
            contest_index=index, rand=seeded(label),
        )  # fmt: skip
        rows.append(tuple(p.ciphertext for p in row))
    alphas = [c.alpha for row in rows for c in row]
    trustees = []
    batches = []
    for trustee in (1, 3):
        share = secret + slope * trustee
        key = TrusteeKey(trustee, share, Point.base_times(share))
        given = row_shares(fp, key, rows, rand=seeded(f"ranked/mix-decryption/nonce/{trustee}"))
        batches.append(given)
        x_public = key.public
        digest = batch_digest(fp, trustee, x_public, alphas, given.shares)
        weights = batch_weights(fp, digest, len(alphas))
        combined = Point.sum([a * w for a, w in zip(alphas, weights, strict=True)])
        trustees.append(
            {
                "trustee": trustee,
                "key_share": key.secret.hex(),
                "verification_key": x_public.hex(),
                "shares": [p.hex() for p in given.shares],
                "digest": digest.hex(),
                "weights": [w.hex() for w in weights],
                "A": combined.hex(),
                "D": (combined * key.secret).hex(),
                "context": batch_context(trustee, digest).hex(),
                "proof": {"c": given.proof.challenge.hex(), "s": given.proof.response.hex()},
            }
        )
    delta, mus = quorum_weights([1, 3])
    return {
        "tags": {"batch": TAG_BATCH, "weight": TAG_WEIGHT},
        "label": "the rows of 'rows', in order, row-major",
        "rows": [[{"alpha": c.alpha.hex(), "beta": c.beta.hex()} for c in row] for row in rows],
        "trustees": trustees,
        "quorum_weights": {"delta": delta, "mu": list(mus)},
        "values": [list(v) for v in open_rows(rows, batches, len(CANDIDATES))],
    }


def main() -> None:
    (HERE / "ranked.json").write_text(dump(ranked_vectors()), encoding="utf-8")


if __name__ == "__main__":
    main()
