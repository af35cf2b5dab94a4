"""Record format ``v2``: trustee messages, exchange files and ``ceremony.json`` (ceremony.md §7).

Every message a trustee sends is a signed JSON object (``parties.sign_object``)
opening with its ``format``, ``election_id`` and ``manifest_hash`` (the
decryption: ``fingerprint``). The web service relays them, the record keeps
them exactly in ``ceremony.json`` (and the decryptions on the board), and
the verifier re-checks each signature. ``*_to_json`` builds a message
*without* its signature (the caller signs it); ``*_from_json`` checks its
exact fields and encodings and returns the ``tellers.ceremony`` value,
carrying the object as signed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tellers.ceremony import (
    Announcement,
    Answer,
    Ceremony,
    CommitmentMessage,
    Complaint,
    Confirmation,
    DecryptionMessage,
)
from tellers.crypto.ceremony_messages import DecryptionShare, EncryptedShare, TrusteeCommitment
from tellers.crypto.group import Point
from tellers.election.manifest import Manifest
from tellers.errors import EncodingError, InputFileError
from tellers.record.v2 import (
    bytes_from_hex,
    cp_proof_from_json,
    cp_proof_to_json,
    exact_keys,
    get,
    point_from_json,
    schnorr_from_json,
    schnorr_to_json,
)
from tellers.record.v2_secrets import SECRETS, secrets_from_json, secrets_to_json

__all__ = [
    "ANNOUNCEMENT",
    "ANSWER",
    "BUNDLE",
    "COMMITMENT",
    "COMPLAINT",
    "CONFIRMATION",
    "DECRYPTION",
    "KEYS",
    "SECRETS",
    "announcement_from_json",
    "announcement_to_json",
    "answer_from_json",
    "answer_to_json",
    "bundle_from_json",
    "bundle_to_json",
    "ceremony_from_json",
    "ceremony_keys_from_json",
    "ceremony_keys_to_json",
    "ceremony_to_json",
    "check_header",
    "commitment_from_json",
    "commitment_to_json",
    "complaint_from_json",
    "complaint_to_json",
    "confirmation_from_json",
    "confirmation_to_json",
    "decryption_from_json",
    "decryption_to_json",
    "header",
    "message_kind",
    "parse_file",
    "secrets_from_json",
    "secrets_to_json",
]

# Signed messages, trustee -> page (and into the record).
ANNOUNCEMENT = "tellers/trustee-announcement/v2"  # announcement.json
COMMITMENT = "tellers/trustee-commitment/v2"  # commitment.json
COMPLAINT = "tellers/trustee-complaint/v2"  # complaint.json
ANSWER = "tellers/trustee-answer/v2"  # answer-to-L.json
CONFIRMATION = "tellers/trustee-confirmation/v2"  # confirmation.json
DECRYPTION = "tellers/trustee-decryption/v2"  # decryption.json
# Served by the page to the trustees (unsigned; made of signed messages).
KEYS = "tellers/ceremony-keys/v2"  # ceremony-keys.json
BUNDLE = "tellers/ceremony-bundle/v2"  # bundle.json

_KINDS = {
    ANNOUNCEMENT: "announcement",
    COMMITMENT: "commitment",
    COMPLAINT: "complaint",
    ANSWER: "answer",
    CONFIRMATION: "confirmation",
    DECRYPTION: "decryption",
}
_HEAD = {"format", "election_id", "manifest_hash", "trustee", "signature"}

Json = Any


def parse_file(data: bytes, name: str, formats: Sequence[str]) -> dict[str, Any]:
    """One exchange file as a JSON object of one of ``formats``; ``InputFileError`` if not."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputFileError(name, 0, "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputFileError(name, exc.lineno, f"not JSON ({exc.msg})") from None
    except RecursionError:
        raise InputFileError(name, 0, "nested too deeply to be a Tellers file") from None
    if not isinstance(obj, dict):
        raise InputFileError(name, 1, "expected a JSON object")
    fmt = obj.get("format")
    if fmt not in formats:
        expected = " or ".join(repr(f) for f in formats)
        raise InputFileError(name, 0, f"format: expected {expected}, found {fmt!r}")
    return obj


def message_kind(fmt: str) -> str:
    """announcement, commitment, complaint, answer, confirmation or decryption."""
    return _KINDS[fmt]


def header(manifest: Manifest, digest: bytes, fmt: str, trustee: int) -> dict[str, Any]:
    return {
        "format": fmt,
        "election_id": manifest.election_id,
        "manifest_hash": digest.hex(),
        "trustee": trustee,
    }


def check_header(obj: Json, election_id: str, digest: bytes, where: str) -> None:
    """The message names this election and manifest (``EncodingError`` if not)."""
    if get(obj, "election_id", str, where) != election_id:
        raise EncodingError(f"{where}.election_id", f"expected {election_id!r}: another election")
    if get(obj, "manifest_hash", str, where) != digest.hex():
        raise EncodingError(f"{where}.manifest_hash", "made for another manifest")


def _open(obj: Json, fmt: str, keys: set[str], where: str) -> int:
    exact_keys(obj, _HEAD | keys, where)
    if obj["format"] != fmt:
        raise EncodingError(f"{where}.format", f"expected {fmt!r}, found {obj['format']!r}")
    get(obj, "election_id", str, where)
    bytes_from_hex(get(obj, "manifest_hash", str, where), 32, f"{where}.manifest_hash")
    bytes_from_hex(get(obj, "signature", str, where), 64, f"{where}.signature")
    trustee: int = get(obj, "trustee", int, where)
    return trustee


# ---- the messages --------------------------------------------------------------------


def announcement_to_json(
    manifest: Manifest, digest: bytes, trustee: int, signing_key: bytes, ceremony_key: bytes
) -> Json:
    return {
        **header(manifest, digest, ANNOUNCEMENT, trustee),
        "signing_key": signing_key.hex(),
        "ceremony_key": ceremony_key.hex(),
    }


def announcement_from_json(obj: Json, where: str = "announcement") -> Announcement:
    i = _open(obj, ANNOUNCEMENT, {"signing_key", "ceremony_key"}, where)
    return Announcement(
        i,
        bytes_from_hex(get(obj, "signing_key", str, where), 32, f"{where}.signing_key"),
        bytes_from_hex(get(obj, "ceremony_key", str, where), 32, f"{where}.ceremony_key"),
        obj,
    )


def commitment_to_json(
    manifest: Manifest,
    digest: bytes,
    keys: bytes,
    commitment: TrusteeCommitment,
    shares: Sequence[EncryptedShare],
) -> Json:
    return {
        **header(manifest, digest, COMMITMENT, commitment.trustee),
        "keys": keys.hex(),
        "commitments": [p.hex() for p in commitment.coefficients],
        "proofs": [schnorr_to_json(p) for p in commitment.proofs],
        "shares": [{"recipient": s.recipient, "sealed": s.sealed.hex()} for s in shares],
    }


def commitment_from_json(obj: Json, where: str = "commitment") -> CommitmentMessage:
    i = _open(obj, COMMITMENT, {"keys", "commitments", "proofs", "shares"}, where)
    shares = []
    for j, s in enumerate(get(obj, "shares", list, where)):
        w = f"{where}.shares[{j}]"
        exact_keys(s, {"recipient", "sealed"}, w)
        sealed = get(s, "sealed", str, w)
        shares.append(
            EncryptedShare(
                i,
                get(s, "recipient", int, w),
                bytes_from_hex(sealed, len(sealed) // 2, f"{w}.sealed"),
            )
        )
    commitment = TrusteeCommitment(
        i,
        tuple(
            point_from_json(p, f"{where}.commitments[{j}]")
            for j, p in enumerate(get(obj, "commitments", list, where))
        ),
        tuple(
            schnorr_from_json(p, f"{where}.proofs[{j}]")
            for j, p in enumerate(get(obj, "proofs", list, where))
        ),
    )
    keys = bytes_from_hex(get(obj, "keys", str, where), 32, f"{where}.keys")
    return CommitmentMessage(i, keys, commitment, tuple(shares), obj)


def complaint_to_json(
    manifest: Manifest, digest: bytes, by: int, against: int, keys: bytes, problem: str
) -> Json:
    return {
        **header(manifest, digest, COMPLAINT, by),
        "against": against,
        "keys": keys.hex(),
        "problem": problem,
    }


def complaint_from_json(obj: Json, where: str = "complaint") -> Complaint:
    by = _open(obj, COMPLAINT, {"against", "keys", "problem"}, where)
    return Complaint(
        by,
        get(obj, "against", int, where),
        bytes_from_hex(get(obj, "keys", str, where), 32, f"{where}.keys"),
        get(obj, "problem", str, where),
        obj,
    )


def answer_to_json(
    manifest: Manifest, digest: bytes, trustee: int, complainant: int, ephemeral_secret: bytes
) -> Json:
    return {
        **header(manifest, digest, ANSWER, trustee),
        "complainant": complainant,
        "ephemeral_secret": ephemeral_secret.hex(),
    }


def answer_from_json(obj: Json, where: str = "answer") -> Answer:
    i = _open(obj, ANSWER, {"complainant", "ephemeral_secret"}, where)
    secret = bytes_from_hex(
        get(obj, "ephemeral_secret", str, where), 32, f"{where}.ephemeral_secret"
    )
    return Answer(i, get(obj, "complainant", int, where), secret, obj)


def confirmation_to_json(
    manifest: Manifest,
    digest: bytes,
    trustee: int,
    transcript: bytes,
    qualified: Sequence[int],
    verification_key: Point,
) -> Json:
    return {
        **header(manifest, digest, CONFIRMATION, trustee),
        "transcript": transcript.hex(),
        "qualified": list(qualified),
        "verification_key": verification_key.hex(),
    }


def confirmation_from_json(obj: Json, where: str = "confirmation") -> Confirmation:
    l = _open(obj, CONFIRMATION, {"transcript", "qualified", "verification_key"}, where)  # noqa: E741
    qualified = get(obj, "qualified", list, where)
    if not all(isinstance(q, int) and not isinstance(q, bool) for q in qualified):
        raise EncodingError(f"{where}.qualified", "expected a list of trustee numbers")
    return Confirmation(
        l,
        bytes_from_hex(get(obj, "transcript", str, where), 32, f"{where}.transcript"),
        tuple(qualified),
        point_from_json(get(obj, "verification_key", str, where), f"{where}.verification_key"),
        obj,
    )


def decryption_to_json(
    election_id: str,
    fingerprint: bytes,
    tally: bytes,
    trustee: int,
    shares: Sequence[DecryptionShare],
) -> Json:
    """The decryption message (ceremony.md §4.1), also the board's ``decryption`` event body."""
    return {
        "format": DECRYPTION,
        "election_id": election_id,
        "fingerprint": fingerprint.hex(),
        "tally": tally.hex(),
        "trustee": trustee,
        "shares": [{"share": s.share.hex(), "proof": cp_proof_to_json(s.proof)} for s in shares],
    }


def decryption_from_json(obj: Json, where: str = "decryption") -> DecryptionMessage:
    exact_keys(
        obj,
        {"format", "election_id", "fingerprint", "tally", "trustee", "shares", "signature"},
        where,
    )
    if obj["format"] != DECRYPTION:
        raise EncodingError(f"{where}.format", f"expected {DECRYPTION!r}, found {obj['format']!r}")
    trustee = get(obj, "trustee", int, where)
    shares = []
    for i, s in enumerate(get(obj, "shares", list, where)):
        w = f"{where}.shares[{i}]"
        exact_keys(s, {"share", "proof"}, w)
        shares.append(
            DecryptionShare(
                trustee,
                point_from_json(get(s, "share", str, w), f"{w}.share", allow_infinity=True),
                cp_proof_from_json(get(s, "proof", dict, w), f"{w}.proof"),
            )
        )
    get(obj, "election_id", str, where)
    bytes_from_hex(get(obj, "signature", str, where), 64, f"{where}.signature")
    return DecryptionMessage(
        trustee,
        bytes_from_hex(get(obj, "fingerprint", str, where), 32, f"{where}.fingerprint"),
        bytes_from_hex(get(obj, "tally", str, where), 32, f"{where}.tally"),
        tuple(shares),
        obj,
    )


# ---- ceremony.json and the files the page serves ---------------------------------------


def ceremony_to_json(ceremony: Ceremony) -> Json:
    """``ceremony.json`` (record.md §6.1): the names and every signed message, in order."""
    return {
        "trustees": [{"index": i, "name": name} for i, name in ceremony.names],
        "announcements": [a.signed for a in ceremony.announcements],
        "commitments": [m.signed for m in ceremony.commitments],
        "complaints": [c.signed for c in ceremony.complaints],
        "answers": [a.signed for a in ceremony.answers],
        "confirmations": [c.signed for c in ceremony.confirmations],
    }


def _list(obj: Json, key: str, where: str, read: Any) -> tuple[Any, ...]:
    return tuple(read(x, f"{where}.{key}[{i}]") for i, x in enumerate(get(obj, key, list, where)))


def ceremony_from_json(obj: Json, where: str = "ceremony") -> Ceremony:
    keys = {"trustees", "announcements", "commitments", "complaints", "answers", "confirmations"}
    exact_keys(obj, keys, where)
    names = []
    for i, t in enumerate(get(obj, "trustees", list, where)):
        w = f"{where}.trustees[{i}]"
        exact_keys(t, {"index", "name"}, w)
        names.append((get(t, "index", int, w), get(t, "name", str, w)))
    ceremony = Ceremony(
        tuple(names),
        _list(obj, "announcements", where, announcement_from_json),
        _list(obj, "commitments", where, commitment_from_json),
        _list(obj, "complaints", where, complaint_from_json),
        _list(obj, "answers", where, answer_from_json),
        _list(obj, "confirmations", where, confirmation_from_json),
    )
    _check_order(ceremony, where)
    return ceremony


def _check_order(c: Ceremony, where: str) -> None:
    orders: dict[str, list[tuple[int, ...]]] = {
        "complaints": [(x.by, x.against) for x in c.complaints],
        "answers": [(x.trustee, x.complainant) for x in c.answers],
        "confirmations": [(x.trustee,) for x in c.confirmations],
    }
    for key, order in orders.items():
        if order != sorted(set(order)):
            raise EncodingError(f"{where}.{key}", "not in increasing order, or repeated")


def ceremony_keys_to_json(
    manifest: Manifest, digest: bytes, announcements: Sequence[Announcement]
) -> Json:
    """ceremony-keys.json: every trustee's signed announcement (for ``trustee commit``)."""
    return {
        "format": KEYS,
        "election_id": manifest.election_id,
        "manifest_hash": digest.hex(),
        "announcements": [a.signed for a in announcements],
    }


def ceremony_keys_from_json(obj: Json, where: str = "ceremony-keys") -> tuple[Announcement, ...]:
    exact_keys(obj, {"format", "election_id", "manifest_hash", "announcements"}, where)
    return _list(obj, "announcements", where, announcement_from_json)


def bundle_to_json(manifest: Manifest, digest: bytes, ceremony: Ceremony) -> Json:
    """bundle.json: the ceremony so far, for ``trustee receive`` and ``trustee answer``."""
    return {
        "format": BUNDLE,
        "election_id": manifest.election_id,
        "manifest_hash": digest.hex(),
        "ceremony": ceremony_to_json(ceremony),
    }


def bundle_from_json(obj: Json, where: str = "bundle") -> Ceremony:
    exact_keys(obj, {"format", "election_id", "manifest_hash", "ceremony"}, where)
    return ceremony_from_json(get(obj, "ceremony", dict, where), f"{where}.ceremony")
