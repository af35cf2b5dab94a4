"""The key ceremony between authenticated trustees, with complaints judged (ceremony.md §3).

The mathematics is ``crypto.threshold`` (Pedersen's DKG with Feldman
commitments). This module is the protocol around it, the same for the
trustee's own command, the web service that relays the messages and the
verifier that re-checks them from the record:

1. each trustee *announces* its signing key and X25519 ceremony key, signed;
   the announcements of all n give the **keys transcript** T1;
2. each trustee *commits* — commitments, key proofs and sealed shares,
   signed, binding T1 — so a share sealed to a key the recipient did not
   announce, or a different view of the keys, cannot go unnoticed;
3. each trustee opens the shares sent to it and either *confirms*, signing
   the **ceremony transcript** T2, the qualified trustees and its
   verification key, or *complains*, signed, against the sender at fault;
4. a complaint is *answered* by the accused revealing the ephemeral secret of
   the disputed sealed box, which anyone can open and check (``judge``); the
   loser — the accused if the box is bad or there is no answer, the
   complainant if the box is good — is disqualified.

The **qualified** trustees are all n less the disqualified; the joint key
and verification keys are theirs, every qualified trustee must confirm T2,
and at least ``quorum`` must remain. ``evaluate`` judges a set of messages;
``check_ceremony`` also requires the confirmations. A fault raises
``InvalidShare`` (naming the trustee it is charged to) or ``InvalidSignature``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tellers import canonical
from tellers.crypto import threshold
from tellers.crypto.ceremony_messages import DecryptionShare, EncryptedShare, TrusteeCommitment
from tellers.crypto.group import Point, Scalar, check_x_only
from tellers.crypto.hashing import hash_fields
from tellers.crypto.sealed import KEY_BYTES, OVERHEAD
from tellers.errors import EncodingError, InvalidShare, InvalidSignature
from tellers.parties import check_signed

__all__ = [
    "SEALED_SHARE_BYTES",
    "Announcement",
    "Answer",
    "Ceremony",
    "CommitmentMessage",
    "Complaint",
    "Confirmation",
    "DecryptionMessage",
    "Outcome",
    "TrusteeSecrets",
    "check_announcement",
    "check_announcements",
    "check_ceremony",
    "check_commitment_message",
    "check_confirmation",
    "check_signed_by",
    "evaluate",
    "judge",
    "keys_transcript",
    "messages_hash",
]

SEALED_SHARE_BYTES = 80 + OVERHEAD
"""A sealed share: the 80-byte labelled share plus the box's 48 bytes."""

Json = Any


@dataclass(frozen=True, slots=True)
class Announcement:
    """Step 1: trustee i's signing key and ceremony key, signed by the former."""

    trustee: int
    signing_key: bytes
    """32-byte x-only BIP340 key; every later message of i is signed by it."""
    ceremony_key: bytes
    """32-byte X25519 key that shares to i are sealed to."""
    signed: Json = field(compare=False)
    """The announcement object as signed (``record.v2_trustee``)."""


@dataclass(frozen=True, slots=True)
class CommitmentMessage:
    """Step 2: trustee i's commitments, proofs and sealed shares, binding T1."""

    trustee: int
    keys: bytes
    """T1, the keys transcript i saw."""
    commitment: TrusteeCommitment
    shares: tuple[EncryptedShare, ...]
    signed: Json = field(compare=False)


@dataclass(frozen=True, slots=True)
class Complaint:
    """Step 3: trustee ``by`` says trustee ``against``'s share to it is bad."""

    by: int
    against: int
    keys: bytes
    problem: str
    signed: Json = field(compare=False)


@dataclass(frozen=True, slots=True)
class Answer:
    """Step 4: trustee ``trustee`` reveals the ephemeral secret of its box to ``complainant``."""

    trustee: int
    complainant: int
    ephemeral_secret: bytes
    signed: Json = field(compare=False)


@dataclass(frozen=True, slots=True)
class Confirmation:
    """Step 3: trustee ``trustee`` accepts T2; its verification key X_l."""

    trustee: int
    transcript: bytes
    qualified: tuple[int, ...]
    verification_key: Point
    signed: Json = field(compare=False)


@dataclass(frozen=True, slots=True)
class DecryptionMessage:
    """Trustee l's decryption shares of the tally it derived itself (ceremony.md §4.1)."""

    trustee: int
    fingerprint: bytes
    tally: bytes
    """The event hash of the board's ``tally`` line that the trustee verified and decrypted."""
    shares: tuple[DecryptionShare, ...]
    signed: Json = field(compare=False)


@dataclass(frozen=True, slots=True)
class TrusteeSecrets:
    """What a trustee keeps, encrypted, on its own machine (``vault``); nothing here is sent.

    Each secret is kept only while a later step needs it: the polynomial until
    the trustee has received its shares; the ceremony key and the ephemeral
    secrets of the boxes it sent (to answer a complaint) until the ceremony is
    complete; the key share and signing key to the end.
    """

    election_id: str
    manifest_hash: bytes
    trustee: int
    signing_key: Scalar
    ceremony_key: bytes | None
    """X25519 private key."""
    polynomial: tuple[Scalar, ...] | None
    ephemeral: tuple[bytes, ...] | None
    """esk of the sealed box sent to each trustee 1..n."""
    keys: bytes | None
    """T1 as this trustee saw it when it committed."""
    key_share: Scalar | None
    """x_l, once the trustee has received and checked its shares."""


@dataclass(frozen=True, slots=True)
class Ceremony:
    """Every message of a ceremony, each list in its canonical order (record.md §6.1)."""

    names: tuple[tuple[int, str], ...]
    """(index, name) for trustees 1..n, as the election named them."""
    announcements: tuple[Announcement, ...]
    commitments: tuple[CommitmentMessage, ...]
    complaints: tuple[Complaint, ...] = ()
    answers: tuple[Answer, ...] = ()
    confirmations: tuple[Confirmation, ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a set of ceremony messages comes to."""

    keys_transcript: bytes
    transcript: bytes
    qualified: tuple[int, ...]
    disqualified: dict[int, str]
    """Trustee -> why (the judgement of a complaint)."""
    commitments: tuple[TrusteeCommitment, ...]
    """The qualified trustees', in order: what the keys are made from."""
    joint_key: Point

    def verification_key(self, trustee: int) -> Point:
        return threshold.verification_key(trustee, self.commitments)


def messages_hash(messages: Iterable[Json]) -> bytes:
    """L(messages) = H("tellers/v1/messages"; canonical JSON of each, in order)."""
    return hash_fields("tellers/v1/messages", [canonical.dumps(m) for m in messages])


def keys_transcript(manifest_digest: bytes, announcements: Sequence[Announcement]) -> bytes:
    """T1 = H("tellers/v1/ceremony-keys"; manifest_hash, canonical announcement 1..n)."""
    return hash_fields(
        "tellers/v1/ceremony-keys",
        [manifest_digest, *(canonical.dumps(a.signed) for a in announcements)],
    )


def _transcript(t1: bytes, ceremony: Ceremony) -> bytes:
    """T2 = H("tellers/v1/ceremony-transcript"; T1, L(commitments), L(complaints), L(answers))."""
    return hash_fields(
        "tellers/v1/ceremony-transcript",
        [
            t1,
            messages_hash(m.signed for m in ceremony.commitments),
            messages_hash(c.signed for c in ceremony.complaints),
            messages_hash(a.signed for a in ceremony.answers),
        ],
    )


def check_signed_by(
    announcements: Sequence[Announcement], trustee: int, obj: Json, what: str
) -> None:
    """``obj`` is signed by the key trustee ``trustee`` announced."""
    if not 1 <= trustee <= len(announcements):
        raise InvalidShare(trustee, f"{what}: no trustee {trustee}")
    check_signed(obj, announcements[trustee - 1].signing_key, f"trustee {trustee}'s {what}")


def check_announcement(a: Announcement) -> None:
    """Trustee i's announcement: an x-only signing key, a 32-byte ceremony key, signed."""
    try:
        check_x_only(a.signing_key, "signing_key")
    except EncodingError as exc:
        raise InvalidShare(a.trustee, f"announcement: {exc}") from None
    if len(a.ceremony_key) != KEY_BYTES:
        raise InvalidShare(a.trustee, "announcement: the ceremony key is not 32 bytes")
    try:
        check_signed(a.signed, a.signing_key, f"trustee {a.trustee}'s announcement")
    except InvalidSignature as exc:
        raise InvalidShare(a.trustee, str(exc)) from None


def check_announcements(announcements: Sequence[Announcement], trustees: int) -> None:
    """One announcement from each trustee 1..n, each valid, no key announced twice."""
    indices = [a.trustee for a in announcements]
    if indices != list(range(1, trustees + 1)):
        raise EncodingError("announcements", f"expected trustees 1..{trustees}, found {indices}")
    seen: set[bytes] = set()
    for a in announcements:
        check_announcement(a)
        if a.signing_key in seen or a.ceremony_key in seen:
            raise InvalidShare(a.trustee, "announcement: a key another trustee announced too")
        seen.update((a.signing_key, a.ceremony_key))


def check_commitment_message(
    manifest_digest: bytes,
    announcements: Sequence[Announcement],
    t1: bytes,
    message: CommitmentMessage,
    quorum: int,
) -> None:
    """Trustee i's step 2: signed by i, binding T1, valid commitments, one share to each."""
    i, n = message.trustee, len(announcements)
    try:
        check_signed_by(announcements, i, message.signed, "commitment")
    except InvalidSignature as exc:
        raise InvalidShare(i, str(exc)) from None
    if message.keys != t1:
        raise InvalidShare(i, "commitment: made for other ceremony keys (keys transcript differs)")
    if message.commitment.trustee != i:
        raise InvalidShare(i, f"commitment: index {message.commitment.trustee}, expected {i}")
    threshold.check_commitment(manifest_digest, message.commitment, quorum, n)
    if [(s.sender, s.recipient) for s in message.shares] != [(i, r) for r in range(1, n + 1)]:
        raise InvalidShare(i, f"commitment: expected one share from {i} to each of 1..{n}")
    for s in message.shares:
        if len(s.sealed) != SEALED_SHARE_BYTES:
            raise InvalidShare(i, f"share for {s.recipient}: {len(s.sealed)} bytes, not 128")


def judge(
    manifest_digest: bytes,
    announcements: Sequence[Announcement],
    commitments: Sequence[CommitmentMessage],
    complaint: Complaint,
    answer: Answer | None,
) -> tuple[int, str]:
    """(loser, why): the trustee a complaint disqualifies (§3.7). Anyone can run it."""
    accused, complainant = complaint.against, complaint.by
    if answer is None:
        return accused, f"did not answer trustee {complainant}'s complaint"
    message = commitments[accused - 1]
    box = message.shares[complainant - 1]
    try:
        share = threshold.open_revealed_share(
            manifest_digest,
            box,
            announcements[complainant - 1].ceremony_key,
            answer.ephemeral_secret,
        )
        threshold.check_share(message.commitment, complainant, share)
    except InvalidShare as exc:
        return accused, f"its share for trustee {complainant} is bad: {exc.problem}"
    return complainant, f"complained against trustee {accused}, whose share is good"


def _check_complaints(manifest_digest: bytes, t1: bytes, ceremony: Ceremony) -> dict[int, str]:
    announcements, n = ceremony.announcements, len(ceremony.announcements)
    seen: set[tuple[int, int]] = set()
    for c in ceremony.complaints:
        if not (1 <= c.by <= n and 1 <= c.against <= n) or c.by == c.against:
            raise InvalidShare(c.by, f"complaint against {c.against}: not another trustee")
        if (c.by, c.against) in seen:
            raise InvalidShare(c.by, f"a second complaint against trustee {c.against}")
        seen.add((c.by, c.against))
        try:
            check_signed_by(announcements, c.by, c.signed, "complaint")
        except InvalidSignature as exc:
            raise InvalidShare(c.by, str(exc)) from None
        if c.keys != t1:
            raise InvalidShare(c.by, "complaint: made for other ceremony keys")
    answers: dict[tuple[int, int], Answer] = {}
    for a in ceremony.answers:
        key = (a.complainant, a.trustee)
        if key not in seen or key in answers:
            raise InvalidShare(
                a.trustee, f"an answer to no complaint, or a second (by {a.complainant})"
            )
        try:
            check_signed_by(announcements, a.trustee, a.signed, "answer")
        except InvalidSignature as exc:
            raise InvalidShare(a.trustee, str(exc)) from None
        answers[key] = a
    disqualified: dict[int, str] = {}
    for c in ceremony.complaints:
        loser, why = judge(
            manifest_digest, announcements, ceremony.commitments, c, answers.get((c.by, c.against))
        )
        disqualified.setdefault(loser, why)
    return disqualified


def evaluate(manifest_digest: bytes, ceremony: Ceremony, quorum: int, trustees: int) -> Outcome:
    """Check steps 1, 2 and 4 and judge every complaint; the qualified trustees and their key."""
    if [i for i, _ in ceremony.names] != list(range(1, trustees + 1)):
        raise EncodingError("trustees", f"expected trustees 1..{trustees} named")
    check_announcements(ceremony.announcements, trustees)
    t1 = keys_transcript(manifest_digest, ceremony.announcements)
    indices = [m.trustee for m in ceremony.commitments]
    if indices != list(range(1, trustees + 1)):
        raise EncodingError("commitments", f"expected trustees 1..{trustees}, found {indices}")
    for message in ceremony.commitments:
        check_commitment_message(manifest_digest, ceremony.announcements, t1, message, quorum)
    disqualified = _check_complaints(manifest_digest, t1, ceremony)
    qualified = tuple(i for i in range(1, trustees + 1) if i not in disqualified)
    if len(qualified) < quorum:
        raise EncodingError(
            "ceremony",
            f"only {len(qualified)} trustees remain qualified, fewer than the quorum {quorum}: "
            "the ceremony must be run again",
        )
    commitments = tuple(ceremony.commitments[i - 1].commitment for i in qualified)
    joint = threshold.joint_public_key(commitments)
    if joint.is_infinity():
        raise EncodingError("ceremony", "the joint key is the point at infinity")
    return Outcome(t1, _transcript(t1, ceremony), qualified, disqualified, commitments, joint)


def check_confirmation(
    outcome: Outcome, announcements: Sequence[Announcement], c: Confirmation
) -> None:
    """Trustee l's confirmation: signed by l, of T2, the qualified set and l's X_l."""
    l = c.trustee  # noqa: E741
    try:
        check_signed_by(announcements, l, c.signed, "confirmation")
    except InvalidSignature as exc:
        raise InvalidShare(l, str(exc)) from None
    if c.transcript != outcome.transcript:
        raise InvalidShare(l, "confirmation: of another ceremony transcript")
    if c.qualified != outcome.qualified:
        raise InvalidShare(
            l, f"confirmation: qualified {list(c.qualified)}, expected {list(outcome.qualified)}"
        )
    if c.verification_key != outcome.verification_key(l):
        raise InvalidShare(l, "confirmation: verification key does not match the commitments")


def check_ceremony(
    manifest_digest: bytes, ceremony: Ceremony, quorum: int, trustees: int
) -> Outcome:
    """The whole ceremony: ``evaluate``, and a confirmation of T2 from every qualified trustee."""
    outcome = evaluate(manifest_digest, ceremony, quorum, trustees)
    found = [c.trustee for c in ceremony.confirmations]
    if found != list(outcome.qualified):
        raise EncodingError(
            "confirmations",
            f"expected one from each qualified trustee {list(outcome.qualified)}, found {found}",
        )
    for c in ceremony.confirmations:
        check_confirmation(outcome, ceremony.announcements, c)
    return outcome
