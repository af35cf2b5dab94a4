"""The tally and its decryption, as the verifier and each trustee check them (record.md §6.2–6.3).

``VerifiedTally`` is what a board that checks out up to its ``tally`` event
comes to: the encrypted totals the verifier itself recomputed from the
counted ballots, the hash of the tally line they match, and the ceremony's
qualified trustees. A trustee decrypts exactly these totals and nothing else
(``tellers.trustee.decrypt``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tellers.ceremony import Announcement, DecryptionMessage, Outcome, check_signed_by
from tellers.crypto import threshold
from tellers.crypto.ceremony_messages import DecryptionShare
from tellers.crypto.group import Point
from tellers.election.manifest import Manifest
from tellers.errors import (
    DecryptionError,
    EncodingError,
    InvalidProof,
    InvalidShare,
    InvalidSignature,
)
from tellers.record.v2_tally import tally_from_json
from tellers.record.v2_trustee import decryption_from_json
from tellers.tally import ContestTally, decrypt_totals, flatten
from tellers.verify.report import Report

__all__ = ["VerifiedTally", "check_decryption", "check_decryptions", "check_tally"]


@dataclass(frozen=True, slots=True)
class VerifiedTally:
    manifest_hash: bytes
    fingerprint: bytes
    tally_hash: bytes
    """The event hash of the ``tally`` line."""
    tallies: tuple[ContestTally, ...]
    """Recomputed from the counted ballots (and equal to the published tally)."""
    announcements: tuple[Announcement, ...]
    outcome: Outcome
    tally_line: int = 0
    """The tally's line on the board (1-based)."""
    index: Any = None
    """The verified record's ``index.json``, which binds every byte that was checked."""
    electorate: tuple[dict[str, int], int] = ({}, 0)
    """Entitled credentials per contest and in all."""
    counted: int = 0
    """Credentials with a counted ballot."""

    @property
    def qualified(self) -> tuple[int, ...]:
        return self.outcome.qualified

    def verification_key(self, trustee: int) -> Point:
        return self.outcome.verification_key(trustee)


def check_tally(
    report: Report, published: Any, recomputed: tuple[ContestTally, ...]
) -> tuple[ContestTally, ...] | None:
    """The published totals are the sums of the counted ballots, contest by contest."""
    report.ran("tally")
    if published is None:
        report.fail("tally", "board.jsonl", "no tally event")
        return None
    try:
        tallies = tally_from_json(published)
    except EncodingError as exc:
        report.fail("tally", "tally event", str(exc))
        return None
    if len(tallies) != len(recomputed):
        report.fail("tally", "tally event", "wrong number of contests")
        return None
    good = True
    for mine, theirs in zip(recomputed, tallies, strict=True):
        if mine != theirs:
            good = False
            report.fail(
                "tally",
                f"contest {mine.contest_id}",
                "published encrypted totals or ballot count differ from the sums of the "
                f"counted ballots (counted {mine.ballots}, published {theirs.ballots})",
            )
    return tallies if good else None


def check_decryption(manifest: Manifest, verified: VerifiedTally, body: Any) -> DecryptionMessage:
    """One trustee's decryption message: by a qualified trustee, signed, of this very tally,
    one valid share and proof per total (ceremony.md §4.1). Raises saying what is wrong."""
    message = decryption_from_json(body)
    if message.fingerprint != verified.fingerprint or body["election_id"] != manifest.election_id:
        raise InvalidProof("the decryption is for another election")
    if message.tally != verified.tally_hash:
        raise InvalidProof("the decryption is of another tally than the board's")
    if message.trustee not in verified.qualified:
        raise InvalidProof(f"trustee {message.trustee} is not a qualified trustee")
    check_signed_by(verified.announcements, message.trustee, body, "decryption")
    threshold.check_decryption_shares(
        verified.fingerprint,
        verified.outcome.commitments,
        flatten(verified.tallies),
        message.shares,
    )
    return message


def check_decryptions(
    report: Report,
    manifest: Manifest,
    verified: VerifiedTally,
    events: list[tuple[int, dict[str, Any]]],
    *,
    complete: bool,
) -> list[int] | None:
    """Each decryption: by a qualified trustee, signed, of this tally, every proof valid.

    Returns the decrypted totals from the first ``quorum`` valid decryptions,
    or None; with ``complete`` a quorum is required.
    """
    good: list[list[DecryptionShare]] = []
    for line, body in events:
        report.ran("decryption")
        where = f"board.jsonl:{line} trustee {body.get('trustee')!r}"
        try:
            message = check_decryption(manifest, verified, body)
        except (EncodingError, InvalidProof, InvalidShare, InvalidSignature) as exc:
            report.fail("decryption", where, str(exc))
            continue
        if any(batch[0].trustee == message.trustee for batch in good if batch):
            report.fail("decryption", where, "decrypted twice")
            continue
        good.append(list(message.shares))
    if len(good) < manifest.quorum:
        if complete:
            report.fail(
                "decryption",
                "board.jsonl",
                f"{len(good)} valid trustee decryptions; the quorum is {manifest.quorum}",
            )
        return None
    try:
        return decrypt_totals(verified.tallies, good[: manifest.quorum])
    except DecryptionError as exc:
        report.fail("decryption", "combined shares", str(exc))
        return None
