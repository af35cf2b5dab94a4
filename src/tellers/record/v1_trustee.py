"""Record format ``v1``: the trustees' exchange files (ceremony.md "Exchange files").

The files ``tellers trustee`` writes and reads, and the web service serves and
accepts, in the key ceremony (ceremony.md §3) and decryption (§4). Each is a
JSON object whose ``format`` names it. The same rules as ``v1``: ``*_to_json``
returns plain JSON values, ``*_from_json`` raises ``EncodingError`` naming the
field path; ``parse_file`` turns bytes into one file's object or raises
``InputFileError`` naming the file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tellers.crypto.ceremony_messages import (
    CeremonyKey,
    DecryptionShare,
    EncryptedShare,
    TrusteeCommitment,
    TrusteeKey,
    TrusteePolynomial,
)
from tellers.crypto.group import Point, Scalar
from tellers.election.fingerprint import manifest_hash
from tellers.election.manifest import Manifest
from tellers.errors import EncodingError, InputFileError
from tellers.record.v1 import (
    bytes_from_hex,
    get,
    point_from_json,
    schnorr_from_json,
    schnorr_to_json,
)
from tellers.record.v1_tally import (
    ceremony_from_json,
    ceremony_to_json,
    decryption_from_json,
    decryption_to_json,
    tally_from_json,
    tally_to_json,
)
from tellers.tally import ContestTally

__all__ = [
    "BUNDLE",
    "COMMITMENT",
    "COMPLAINT",
    "CONFIRMATION",
    "DECRYPTION",
    "KEYS",
    "POLYNOMIAL",
    "PUBLIC_KEY",
    "SECRET_CEREMONY_KEY",
    "TALLY",
    "TRUSTEE_KEY",
    "bundle_from_json",
    "bundle_to_json",
    "ceremony_key_from_json",
    "ceremony_key_to_json",
    "ceremony_keys_from_json",
    "ceremony_keys_to_json",
    "commitment_file_from_json",
    "commitment_file_to_json",
    "commitment_from_json",
    "commitment_to_json",
    "complaint_from_json",
    "complaint_to_json",
    "confirmation_from_json",
    "confirmation_to_json",
    "decryption_shares_from_json",
    "decryption_to_file",
    "header",
    "parse_file",
    "polynomial_from_json",
    "polynomial_to_json",
    "public_key_file_from_json",
    "public_key_file_to_json",
    "shares_from_json",
    "shares_to_json",
    "tally_for_trustees_from_json",
    "tally_for_trustees_to_json",
    "trustee_key_from_json",
    "trustee_key_to_json",
]

# Public files: uploaded by a trustee (U) or served to the trustees (S).
PUBLIC_KEY = "tellers/trustee-ceremony-key/v1"  # U ceremony-key-public.json
KEYS = "tellers/ceremony-keys/v1"  # S ceremony-keys.json
COMMITMENT = "tellers/trustee-commitment/v1"  # U commitment.json
BUNDLE = "tellers/ceremony-bundle/v1"  # S bundle.json
CONFIRMATION = "tellers/trustee-confirmation/v1"  # U confirmation.json
COMPLAINT = "tellers/trustee-complaint/v1"  # U complaint.json
TALLY = "tellers/tally-for-trustees/v1"  # S tally.json
DECRYPTION = "tellers/trustee-decryption/v1"  # U decryption.json
# Secret files: kept in the trustee's own directory, never uploaded.
SECRET_CEREMONY_KEY = "tellers/trustee-secret-ceremony-key/v1"  # ceremony-key.json
POLYNOMIAL = "tellers/trustee-polynomial/v1"  # polynomial.json
TRUSTEE_KEY = "tellers/trustee-key/v1"  # trustee-key.json

Json = Any


def parse_file(data: bytes, name: str, formats: Sequence[str]) -> dict[str, Any]:
    """One exchange file as a JSON object of one of ``formats``; ``InputFileError`` if not."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputFileError(name, 0, "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputFileError(name, exc.lineno, f"not JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise InputFileError(name, 1, "expected a JSON object")
    fmt = obj.get("format")
    if fmt not in formats:
        expected = " or ".join(repr(f) for f in formats)
        raise InputFileError(name, 0, f"format: expected {expected}, found {fmt!r}")
    return obj


def header(manifest: Manifest, fmt: str) -> dict[str, Any]:
    """The fields that open every ceremony file: its format and the election it is for."""
    return {
        "format": fmt,
        "election_id": manifest.election_id,
        "manifest_hash": manifest_hash(manifest).hex(),
    }


# ---- the key ceremony (ceremony.md §3) ----------------------------------------------


def public_key_file_to_json(manifest: Manifest, trustee: int, public: bytes) -> Json:
    """ceremony-key-public.json: trustee i's X25519 ceremony public key (step 1)."""
    return {**header(manifest, PUBLIC_KEY), "trustee": trustee, "public": public.hex()}


def public_key_file_from_json(obj: Json, where: str) -> tuple[int, bytes]:
    """(trustee, 32-byte public key) of a ceremony-key-public.json."""
    return get(obj, "trustee", int, where), bytes_from_hex(
        get(obj, "public", str, where), 32, f"{where}.public"
    )


def commitment_file_to_json(
    manifest: Manifest, commitment: TrusteeCommitment, shares: Sequence[EncryptedShare]
) -> Json:
    """commitment.json: trustee i's commitments with proofs, and its sealed shares (step 2)."""
    return {
        **header(manifest, COMMITMENT),
        "trustee": commitment.trustee,
        "commitment": commitment_to_json(commitment),
        "shares": shares_to_json(shares),
    }


def commitment_file_from_json(
    obj: Json, where: str
) -> tuple[int, TrusteeCommitment, list[EncryptedShare]]:
    """(trustee, commitment, sealed shares) of a commitment.json."""
    return (
        get(obj, "trustee", int, where),
        commitment_from_json(obj, where),
        shares_from_json(get(obj, "shares", list, where), f"{where}.shares"),
    )


def confirmation_to_json(manifest: Manifest, trustee: int, verification_key: Point) -> Json:
    """confirmation.json: trustee l checked its shares; X_l = x_l·G (step 3)."""
    return {
        **header(manifest, CONFIRMATION),
        "trustee": trustee,
        "verification_key": verification_key.hex(),
    }


def confirmation_from_json(obj: Json, where: str) -> tuple[int, Point]:
    return get(obj, "trustee", int, where), point_from_json(
        get(obj, "verification_key", str, where), f"{where}.verification_key"
    )


def complaint_to_json(manifest: Manifest, trustee: int, against: int, problem: str) -> Json:
    """complaint.json: trustee l found trustee ``against``'s share or commitment bad (step 3)."""
    return {
        **header(manifest, COMPLAINT),
        "trustee": trustee,
        "against": against,
        "problem": problem,
    }


def complaint_from_json(obj: Json, where: str) -> tuple[int, int, str]:
    """(by, against, problem) of a complaint.json."""
    return (
        get(obj, "trustee", int, where),
        get(obj, "against", int, where),
        get(obj, "problem", str, where),
    )


def commitment_to_json(c: TrusteeCommitment) -> Json:
    return {
        "index": c.trustee,
        "commitments": [p.hex() for p in c.coefficients],
        "proofs": [schnorr_to_json(p) for p in c.proofs],
    }


def commitment_from_json(obj: Json, where: str) -> TrusteeCommitment:
    """The ``commitment`` field of a commitment file (C_i0..C_i,k-1 and their proofs)."""
    c, w = get(obj, "commitment", dict, where), f"{where}.commitment"
    return TrusteeCommitment(
        get(c, "index", int, w),
        tuple(
            point_from_json(p, f"{w}.commitments[{j}]")
            for j, p in enumerate(get(c, "commitments", list, w))
        ),
        tuple(
            schnorr_from_json(p, f"{w}.proofs[{j}]")
            for j, p in enumerate(get(c, "proofs", list, w))
        ),
    )


def shares_to_json(shares: Sequence[EncryptedShare]) -> Json:
    return [
        {"sender": s.sender, "recipient": s.recipient, "sealed": s.sealed.hex()} for s in shares
    ]


def shares_from_json(items: Json, where: str) -> list[EncryptedShare]:
    if not isinstance(items, list):
        raise EncodingError(where, "expected a list of shares")
    out = []
    for i, s in enumerate(items):
        w = f"{where}[{i}]"
        sealed = get(s, "sealed", str, w)
        try:
            raw = bytes.fromhex(sealed)
        except ValueError:
            raise EncodingError(f"{w}.sealed", "expected hex") from None
        out.append(EncryptedShare(get(s, "sender", int, w), get(s, "recipient", int, w), raw))
    return out


def ceremony_keys_to_json(manifest: Manifest, public: dict[int, str]) -> dict[str, Any]:
    """ceremony-keys.json: every trustee's ceremony public key (hex), by trustee index."""
    return {
        **header(manifest, KEYS),
        "keys": [{"trustee": i, "public": public[i]} for i in sorted(public)],
    }


def ceremony_keys_from_json(obj: Json, where: str = "ceremony-keys") -> list[CeremonyKey]:
    """The public halves only (``private`` is empty)."""
    return [
        CeremonyKey(
            get(k, "trustee", int, f"{where}.keys[{i}]"),
            b"",
            bytes_from_hex(
                get(k, "public", str, f"{where}.keys[{i}]"), 32, f"{where}.keys[{i}].public"
            ),
        )
        for i, k in enumerate(get(obj, "keys", list, where))
    ]


def bundle_to_json(
    manifest: Manifest,
    trustee: int,
    names: list[str],
    commitments: list[TrusteeCommitment],
    shares: Sequence[EncryptedShare],
) -> dict[str, Any]:
    """bundle.json: every commitment, and the shares addressed to ``trustee``."""
    return {
        **header(manifest, BUNDLE),
        "trustee": trustee,
        "ceremony": ceremony_to_json(names, commitments),
        "shares": shares_to_json(shares),
    }


def bundle_from_json(
    obj: Json, where: str = "bundle"
) -> tuple[list[TrusteeCommitment], list[EncryptedShare]]:
    _, commitments = ceremony_from_json(get(obj, "ceremony", dict, where), f"{where}.ceremony")
    return commitments, shares_from_json(get(obj, "shares", list, where), f"{where}.shares")


# ---- decryption (ceremony.md §4) ----------------------------------------------------


def tally_for_trustees_to_json(
    election_id: str, fingerprint: bytes, tallies: tuple[ContestTally, ...]
) -> dict[str, Any]:
    """tally.json: the encrypted totals to decrypt, with the election fingerprint."""
    return {
        "format": TALLY,
        "election_id": election_id,
        "fingerprint": fingerprint.hex(),
        "tally": tally_to_json(tallies),
    }


def tally_for_trustees_from_json(
    obj: Json, where: str = "tally"
) -> tuple[bytes, tuple[ContestTally, ...]]:
    """(fingerprint, encrypted totals)."""
    fingerprint = bytes_from_hex(get(obj, "fingerprint", str, where), 32, f"{where}.fingerprint")
    return fingerprint, tally_from_json(get(obj, "tally", dict, where), f"{where}.tally")


def decryption_to_file(
    election_id: str, fingerprint: bytes, trustee: int, shares: tuple[DecryptionShare, ...]
) -> dict[str, Any]:
    """decryption.json: one trustee's decryption shares of every total, with proofs."""
    return {
        "format": DECRYPTION,
        "election_id": election_id,
        "trustee": trustee,
        "fingerprint": fingerprint.hex(),
        "decryption": decryption_to_json(trustee, shares),
    }


def decryption_shares_from_json(obj: Json, where: str) -> tuple[int, list[DecryptionShare]]:
    """The trustee index and shares of a ``decryption.json`` file's ``decryption`` field."""
    return decryption_from_json(get(obj, "decryption", dict, where), f"{where}.decryption")


# ---- the trustee's secret files -----------------------------------------------------


def ceremony_key_to_json(key: CeremonyKey) -> Json:
    return {
        "format": SECRET_CEREMONY_KEY,
        "trustee": key.trustee,
        "private": key.private.hex(),
        "public": key.public.hex(),
    }


def ceremony_key_from_json(obj: Json, where: str = "key") -> CeremonyKey:
    return CeremonyKey(
        get(obj, "trustee", int, where),
        bytes_from_hex(get(obj, "private", str, where), 32, f"{where}.private"),
        bytes_from_hex(get(obj, "public", str, where), 32, f"{where}.public"),
    )


def polynomial_to_json(polynomial: TrusteePolynomial) -> Json:
    return {
        "format": POLYNOMIAL,
        "trustee": polynomial.trustee,
        "coefficients": [a.hex() for a in polynomial.coefficients],
    }


def polynomial_from_json(obj: Json, where: str = "polynomial") -> TrusteePolynomial:
    coefficients = get(obj, "coefficients", list, where)
    for j, a in enumerate(coefficients):
        if not isinstance(a, str):
            raise EncodingError(f"{where}.coefficients[{j}]", "expected a hex string")
    return TrusteePolynomial(
        get(obj, "trustee", int, where),
        tuple(
            Scalar.from_hex(a, f"{where}.coefficients[{j}]", nonzero=True)
            for j, a in enumerate(coefficients)
        ),
    )


def trustee_key_to_json(key: TrusteeKey) -> Json:
    return {"format": TRUSTEE_KEY, "trustee": key.trustee, "secret": key.secret.hex()}


def trustee_key_from_json(obj: Json, where: str = "key") -> TrusteeKey:
    """x_l from the file; X_l = x_l·G recomputed."""
    secret = Scalar.from_hex(get(obj, "secret", str, where), f"{where}.secret")
    return TrusteeKey(get(obj, "trustee", int, where), secret, Point.base_times(secret))
