"""The board's rules: what a submission becomes, as pure functions (record.md §5.2–§5.5).

``check_submission`` parses a ballot and checks what needs no board (its
election, signature and proofs) and can run in worker processes;
``decide`` and ``decide_audit`` turn its ``Verdict`` into the event the
board records, given what the board knows (the credential's constituency,
whether the tracker is on the board, its counted ballot, the time). Every
store of the board — the record's file (``tellers.board``), the web
service's database under its lock — applies exactly these, and the
verifier re-derives every refusal by the same order of reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tellers import canonical
from tellers.ballot import (
    audited_form,
    ballot_message,
    check_audit,
    check_ballot_proofs,
    check_reveal_shape,
    check_shape,
    tracker,
)
from tellers.crypto.group import Point, bip340_verify
from tellers.crypto.hashing import hash_fields
from tellers.election.manifest import Manifest
from tellers.errors import (
    BallotRejected,
    EncodingError,
    InvalidProof,
    InvalidSignature,
    ManifestError,
)
from tellers.postal.ledger import cross_channel
from tellers.record.v2 import (
    audited_to_json,
    ballot_from_json,
    ballot_to_json,
    reveal_from_json,
)

__all__ = [
    "MAX_DEPTH",
    "REASONS",
    "ElectionContext",
    "Verdict",
    "audit_request_message",
    "check_audit_request",
    "check_submission",
    "decide",
    "decide_audit",
    "read_submission",
    "unreadable",
    "voting_time",
]

MAX_DEPTH = 16
"""The deepest nesting of arrays and objects a submission may have; a ballot has 5."""

REASONS = {
    "malformed": "the ballot could not be read, or does not have this election's shape",
    "wrong-election": "the ballot is for another election",
    "unknown-credential": "the credential is not on the published list",
    "not-entitled": "the ballot's contests do not match the member's entitlement",
    "bad-signature": "the credential signature does not verify",
    "bad-proof": "a proof in the ballot does not verify",
    "replay": "this exact ballot is already on the board",
    "revote-forbidden": "a ballot from this credential is already counted; one vote only",
    "first-counts": "a ballot from this credential is already counted; the first counts",
    "bad-audit": "the audit does not open the ballot",
    "postal-counts": "the member's paper counts (the manifest's precedence: postal)",
}


@dataclass(frozen=True, slots=True)
class ElectionContext:
    """What checking a ballot needs; small enough to send to worker processes."""

    manifest: Manifest
    fingerprint: bytes
    election_key: Point


@dataclass(frozen=True, slots=True)
class Verdict:
    """The result of the pure checks on one submission."""

    reason: str | None
    """None when signature and proofs hold."""
    detail: str
    ballot_json: Any
    credential: bytes | None
    tracker: bytes | None
    contests: tuple[str, ...]


def read_submission(raw: bytes, where: str) -> Any:
    """The JSON a member submitted, or ``EncodingError``: not JSON (``canonical.loads``: floats,
    duplicate keys and lone surrogates refused too), or nested deeper than ``MAX_DEPTH``, so
    that nothing built from it can exhaust a reader's stack."""
    value = canonical.loads(raw, where)
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise EncodingError(where, f"nested deeper than {MAX_DEPTH} levels")
            items = item.values() if isinstance(item, dict) else item
            stack.extend((x, depth + 1) for x in items)
    return value


def unreadable(detail: str) -> Verdict:
    """The verdict on a submission that cannot be read, or lacks the election's shape."""
    return Verdict("malformed", detail[:500], None, None, None, ())


def check_submission(context: ElectionContext, raw: bytes) -> Verdict:
    """Parse and check one submitted ballot; never raises for bad input.

    A ballot that cannot be read, or does not have this election's shape
    (``check_shape``), is ``malformed`` and keeps nothing but its reason: its
    size is then bounded by the manifest, not by what a member sends.
    """
    try:
        ballot = ballot_from_json(read_submission(raw, "ballot"))
        check_shape(context.manifest, ballot)
    except (EncodingError, ManifestError, ValueError, RecursionError) as exc:
        return unreadable(str(exc))
    ids = tuple(c.contest_id for c in ballot.contests)
    message = ballot_message(ballot.fingerprint, ballot.credential, ballot.contests)
    base = (ballot_to_json(ballot), ballot.credential, tracker(ballot, message), ids)
    if ballot.fingerprint != context.fingerprint:
        return Verdict("wrong-election", "the ballot names another election fingerprint", *base)
    try:
        bip340_verify(ballot.credential, message, ballot.signature)
    except InvalidSignature as exc:
        return Verdict("bad-signature", str(exc), *base)
    try:
        check_ballot_proofs(context.manifest, context.fingerprint, context.election_key, ballot)
    except (InvalidProof, ManifestError, EncodingError) as exc:
        return Verdict("bad-proof", str(exc), *base)
    return Verdict(None, "", *base)


def voting_time(manifest: Manifest, opened_at: str | None, at: str) -> None:
    """``BallotRejected("not-open")`` unless ``at`` is in [opened_at, closes) (record.md §5.5).

    No event is written: after the closing time the board takes no ballot,
    whatever anyone has or has not pressed.
    """
    when = datetime.fromisoformat(at)
    if opened_at is None or when < datetime.fromisoformat(opened_at):
        raise BallotRejected("not-open", "the election is not open for voting yet")
    if when >= datetime.fromisoformat(manifest.closes):
        raise BallotRejected("not-open", f"voting closed at {manifest.closes}")


def _refused(
    verdict: Verdict, reason: str, detail: str, request: str, at: str, audit: Any = None
) -> tuple[str, Any]:
    trk = verdict.tracker.hex() if verdict.tracker else None
    body = {
        "at": at,
        "audit": audit,
        "ballot": verdict.ballot_json,
        "detail": detail,
        "reason": reason,
        "request": request,
        "tracker": trk,
    }
    return "ballot-refused", body


def _listed(
    manifest: Manifest, verdict: Verdict, constituency: str | None, seen: bool
) -> tuple[str | None, str]:
    """The reasons every submission is checked for after its proofs: list, entitlement, replay."""
    if verdict.reason is not None:
        return verdict.reason, verdict.detail
    if constituency is None:
        return "unknown-credential", REASONS["unknown-credential"]
    entitled = tuple(manifest.contests[i].id for i in manifest.contests_for(constituency))
    if verdict.contests != entitled:
        return "not-entitled", f"expected contests {list(entitled)}"
    if seen:
        return "replay", REASONS["replay"]
    return None, ""


def decide(
    manifest: Manifest,
    verdict: Verdict,
    *,
    constituency: str | None,
    seen: bool,
    counted: bytes | None,
    at: str,
    counted_channel: str = "online",
) -> tuple[str, Any]:
    """The event a checked submission becomes under the board's rules (record.md §5.2–5.4).

    ``constituency``: the credential's, from the published list (None when it
    is not on the list); ``seen``: the tracker is already on the board, in any
    event; ``counted``: the tracker of the credential's counted ballot, if
    any, and ``counted_channel`` its channel (``online`` or ``postal``: across channels the
    manifest's precedence decides, postal.md §5.5); ``at``: the time the board stamps.
    Returns (event type, body). Pure,
    so that any store of the board (this file, the web service's database
    under its lock) applies the same rules.
    """
    reason, detail = _listed(manifest, verdict, constituency, seen)
    if reason is None and counted is not None and counted_channel != "online":
        reason = cross_channel(manifest, "online", counted_channel)
        detail = "" if reason is None else REASONS[reason]
    elif reason is None and counted is not None and manifest.revote != "last":
        reason = "first-counts" if manifest.revote == "first" else "revote-forbidden"
        detail = REASONS[reason]
    if reason is not None:
        return _refused(verdict, reason, detail, "cast", at)
    assert verdict.tracker is not None
    return "ballot-accepted", {
        "at": at,
        "ballot": verdict.ballot_json,
        "supersedes": None if counted is None else counted.hex(),
        "tracker": verdict.tracker.hex(),
    }


def audit_request_message(tracker: bytes, reveal: Any) -> bytes:
    """What a member signs to ask for an audit: H("tellers/v1/audit-request"; tracker, reveal).

    ``reveal`` is the reveal's JSON value, hashed as its canonical bytes (record.md §4.4).
    """
    return hash_fields("tellers/v1/audit-request", [tracker, canonical.dumps(reveal)])


def check_audit_request(
    verdict: Verdict, raw_reveal: bytes, signature: bytes
) -> tuple[Verdict, Any]:
    """The audit request is the member's, and its reveal has the ballot's shape.

    Returns the verdict the request is decided on and the reveal's JSON value.
    A reveal that cannot be read, or does not have the ballot's shape
    (``check_reveal_shape``), makes the request ``malformed``: recorded with
    its reason only (record.md §5.4). A readable request the credential did
    not sign raises ``BallotRejected`` and no event is written: it is
    nobody's to record, so no cast ballot can be passed off as a failed audit.
    """
    try:
        reveal = read_submission(raw_reveal, "reveal")
    except EncodingError as exc:
        return unreadable(f"the audit's reveal cannot be read: {exc}"), None
    if verdict.reason == "malformed":
        return verdict, None
    assert verdict.credential is not None and verdict.tracker is not None
    try:
        bip340_verify(verdict.credential, audit_request_message(verdict.tracker, reveal), signature)
    except InvalidSignature:
        raise BallotRejected(
            "bad-signature", "the audit request is not signed by the ballot's credential"
        ) from None
    try:
        check_reveal_shape(ballot_from_json(verdict.ballot_json), reveal_from_json(reveal))
    except (EncodingError, ManifestError, ValueError) as exc:
        return unreadable(f"the audit's reveal does not fit the ballot: {exc}"), None
    return verdict, reveal


def decide_audit(
    context: ElectionContext,
    verdict: Verdict,
    reveal_json: Any,
    signature: bytes,
    *,
    constituency: str | None,
    seen: bool,
    at: str,
) -> tuple[str, Any]:
    """The event an audit request becomes: ``ballot-audited``, or refused (record.md §5.3).

    ``reveal_json`` and ``signature`` as ``check_audit_request`` passed them. An
    audit of a ballot already on the board is refused as a ``replay`` and its
    reveal is not published: a cast ballot is never opened. A reveal that does
    not open the ballot is refused as ``bad-audit`` and published with the
    member's signed request, so that anyone can see the member asked and the
    reveal fails. An audited ballot is published as its ciphertexts and the
    reveal, without the credential.
    """
    reason, detail = _listed(context.manifest, verdict, constituency, seen)
    if reason is not None:
        return _refused(verdict, reason, detail, "audit", at)
    try:
        ballot = ballot_from_json(verdict.ballot_json)
        check_audit(context.manifest, context.election_key, ballot, reveal_from_json(reveal_json))
    except (EncodingError, InvalidProof, ManifestError, RecursionError) as exc:
        audit = {"reveal": reveal_json, "signature": signature.hex()}
        return _refused(verdict, "bad-audit", str(exc)[:500], "audit", at, audit)
    assert verdict.tracker is not None
    return "ballot-audited", {
        "at": at,
        "contests": audited_to_json(audited_form(ballot)),
        "reveal": reveal_json,
        "tracker": verdict.tracker.hex(),
    }
