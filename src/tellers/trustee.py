"""A trustee's steps, on the trustee's own machine (ceremony.md §3, §4).

Pure functions from the trustee's secrets and what it was sent to the next
secrets and the signed message to send; ``tellers trustee`` wraps them with
the vault and the files, the demo and the tests call them directly::

    announce  -> secrets, announcement        (step 1)
    commit    -> secrets, commitment          (step 2; checks every announcement)
    receive   -> secrets, confirmation        (step 3; or a complaint, or disqualified)
    answer    -> answers to complaints against this trustee (step 4)
    decrypt   -> secrets, decryption          (from a tally the trustee verified itself)

A trustee never decrypts anything it did not derive from a board it has
verified: ``decrypt`` takes the ``VerifiedTally`` that the verifier
recomputed from the record, never a list of ciphertexts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from tellers.ceremony import (
    Announcement,
    Ceremony,
    TrusteeSecrets,
    check_announcements,
    evaluate,
    keys_transcript,
)
from tellers.crypto import threshold
from tellers.crypto.ceremony_messages import (
    CeremonyKey,
    EncryptedShare,
    TrusteeKey,
    TrusteePolynomial,
)
from tellers.crypto.group import Point, Scalar
from tellers.crypto.sealed import x25519_keypair, x25519_public
from tellers.crypto.shuffle_proof import chunk_rows_for
from tellers.election.fingerprint import manifest_hash
from tellers.election.manifest import Manifest
from tellers.errors import EncodingError, InvalidShare
from tellers.parallel import process_map
from tellers.parties import SigningKey, key_fingerprint, sign_object
from tellers.ranked.decrypt import row_shares
from tellers.ranked.mix import mix as shuffle_rows
from tellers.record import v2_trustee as files
from tellers.record.v2_mix import mix_decryption_to_json, mix_to_json
from tellers.tally import flatten
from tellers.verify.mix import MixChain
from tellers.verify.tally import VerifiedTally

__all__ = [
    "Received",
    "TrusteeError",
    "announce",
    "answer",
    "commit",
    "decrypt",
    "receive",
]

Json = dict[str, Any]


class TrusteeError(EncodingError):
    """This trustee cannot take the step: what it was sent does not check (says why)."""

    def __init__(self, problem: str) -> None:
        super().__init__("trustee", problem)


def _signing(secrets: TrusteeSecrets) -> SigningKey:
    return SigningKey.from_secret(secrets.signing_key)


def _ceremony_public(secrets: TrusteeSecrets) -> bytes:
    if secrets.ceremony_key is None:
        raise TrusteeError("the ceremony key is no longer kept: the ceremony is over")
    return x25519_public(secrets.ceremony_key)


def announce(
    manifest: Manifest, trustee: int, *, signing: SigningKey | None = None
) -> tuple[TrusteeSecrets, Json]:
    """Step 1: fresh keys and polynomial; the signed announcement of both public keys."""
    if not 1 <= trustee <= manifest.trustees:
        raise TrusteeError(f"trustee must be 1..{manifest.trustees}, found {trustee}")
    key = signing or SigningKey.generate()
    pair = x25519_keypair()
    polynomial = threshold.new_polynomial(trustee, manifest.quorum)
    digest = manifest_hash(manifest)
    secrets = TrusteeSecrets(
        manifest.election_id, digest, trustee, key.secret, pair.private,
        polynomial.coefficients, None, None, None,
    )  # fmt: skip
    message = files.announcement_to_json(manifest, digest, trustee, key.public, pair.public)
    return secrets, sign_object(key, message)


def _own(secrets: TrusteeSecrets, announcements: tuple[Announcement, ...]) -> None:
    i = secrets.trustee
    mine = announcements[i - 1] if 0 < i <= len(announcements) else None
    if (
        mine is None
        or mine.signing_key != _signing(secrets).public
        or (secrets.ceremony_key is not None and mine.ceremony_key != _ceremony_public(secrets))
    ):
        raise TrusteeError(
            f"the announcement given for trustee {i} (you) is not yours: "
            "someone has replaced your keys — tell the scrutineer and the other trustees"
        )


def commit(
    secrets: TrusteeSecrets,
    manifest: Manifest,
    announcements: tuple[Announcement, ...],
    expect: dict[int, str] | None = None,
) -> tuple[TrusteeSecrets, Json, bytes]:
    """Step 2: check every announcement, then commit and seal shares; (secrets, message, T1).

    ``expect`` maps trustees to the key fingerprints they gave out of band;
    any other key is refused.
    """
    if secrets.polynomial is None:
        raise TrusteeError("the polynomial is gone: this trustee has committed already")
    try:
        check_announcements(announcements, manifest.trustees)
    except InvalidShare as exc:
        raise TrusteeError(f"trustee {exc.sender}: {exc.problem}") from None
    _own(secrets, announcements)
    for i, fingerprint in (expect or {}).items():
        found = key_fingerprint(announcements[i - 1].signing_key)
        if found != fingerprint.upper():
            raise TrusteeError(
                f"trustee {i}'s signing key has fingerprint {found}, not {fingerprint} as "
                "expected: do not go on; tell the scrutineer and the other trustees"
            )
    digest = secrets.manifest_hash
    t1 = keys_transcript(digest, announcements)
    polynomial = TrusteePolynomial(secrets.trustee, secrets.polynomial)
    recipients = [CeremonyKey(a.trustee, b"", a.ceremony_key) for a in announcements]
    commitment = threshold.commit(digest, polynomial)
    shares, ephemeral = threshold.make_shares(digest, polynomial, recipients)
    message = files.commitment_to_json(manifest, digest, t1, commitment, shares)
    kept = dataclasses.replace(secrets, keys=t1, ephemeral=ephemeral)
    return kept, sign_object(_signing(secrets), message), t1


@dataclass(frozen=True, slots=True)
class Received:
    """What ``receive`` came to: a confirmation, a complaint, or this trustee disqualified."""

    secrets: TrusteeSecrets
    message: Json | None
    """The confirmation or complaint to upload (None if disqualified)."""
    complaint_against: int | None
    problem: str
    """Why the complaint, or why this trustee was disqualified."""
    transcript: bytes
    qualified: tuple[int, ...]


def receive(secrets: TrusteeSecrets, manifest: Manifest, ceremony: Ceremony) -> Received:
    """Step 3: check the ceremony so far and open the shares from every qualified trustee."""
    if secrets.keys is None:
        raise TrusteeError("commit first: this trustee has not seen the ceremony keys yet")
    digest, l = secrets.manifest_hash, secrets.trustee  # noqa: E741
    if keys_transcript(digest, ceremony.announcements) != secrets.keys:
        raise TrusteeError(
            "the ceremony keys differ from those you committed to: someone showed the "
            "trustees different keys — do not go on; tell the scrutineer"
        )
    _own(secrets, ceremony.announcements)
    try:
        outcome = evaluate(digest, ceremony, manifest.quorum, manifest.trustees)
    except InvalidShare as exc:
        raise TrusteeError(
            f"the ceremony does not check: trustee {exc.sender}: {exc.problem}"
        ) from None
    if l in outcome.disqualified:
        no_more = dataclasses.replace(secrets, polynomial=None, key_share=None)
        return Received(
            no_more, None, None, outcome.disqualified[l], outcome.transcript, outcome.qualified
        )
    if secrets.ceremony_key is None:
        raise TrusteeError("the ceremony key is no longer kept: the ceremony is over")
    key = CeremonyKey(l, secrets.ceremony_key, _ceremony_public(secrets))
    total = Scalar(0)
    for i in outcome.qualified:
        message = ceremony.commitments[i - 1]
        box: EncryptedShare = message.shares[l - 1]
        try:
            share = threshold.open_share(digest, box, key)
            threshold.check_share(message.commitment, l, share)
        except InvalidShare as exc:
            complaint = files.complaint_to_json(manifest, digest, l, i, secrets.keys, exc.problem)
            signed = sign_object(_signing(secrets), complaint)
            return Received(secrets, signed, i, exc.problem, outcome.transcript, outcome.qualified)
        total = total + share
    public = Point.base_times(total)
    if public != outcome.verification_key(l):
        raise TrusteeError("the shares add up to a key other than the commitments give")
    confirmation = files.confirmation_to_json(
        manifest, digest, l, outcome.transcript, outcome.qualified, public
    )
    kept = dataclasses.replace(secrets, polynomial=None, key_share=total)
    signed = sign_object(_signing(secrets), confirmation)
    return Received(kept, signed, None, "", outcome.transcript, outcome.qualified)


def answer(secrets: TrusteeSecrets, manifest: Manifest, ceremony: Ceremony) -> list[Json]:
    """Step 4: the signed answer to each unanswered complaint against this trustee (§3.7)."""
    i = secrets.trustee
    answered = {(a.complainant, a.trustee) for a in ceremony.answers}
    pending = [c for c in ceremony.complaints if c.against == i and (c.by, i) not in answered]
    if pending and secrets.ephemeral is None:
        raise TrusteeError("the secrets of the boxes you sent are no longer kept")
    out = []
    for c in pending:
        assert secrets.ephemeral is not None
        esk = secrets.ephemeral[c.by - 1]
        message = files.answer_to_json(manifest, secrets.manifest_hash, i, c.by, esk)
        out.append(sign_object(_signing(secrets), message))
    return out


def decrypt(
    secrets: TrusteeSecrets, manifest: Manifest, verified: VerifiedTally
) -> tuple[TrusteeSecrets, Json]:
    """Decryption shares, with proofs, of exactly the totals ``verified`` recomputed.

    Also checks that the record is this trustee's election: its manifest,
    its own signing key and a verification key that is x_l·G. The secrets
    come back without the ceremony key and the boxes' secrets: the ceremony
    is over.
    """
    l = secrets.trustee  # noqa: E741
    key = _decrypting_key(secrets, verified)
    shares = threshold.decryption_shares(verified.fingerprint, key, flatten(verified.tallies))
    message = files.decryption_to_json(
        manifest.election_id, verified.fingerprint, verified.tally_hash, l, shares
    )
    done = dataclasses.replace(secrets, ceremony_key=None, ephemeral=None)
    return done, sign_object(_signing(secrets), message)


def _decrypting_key(secrets: TrusteeSecrets, verified: VerifiedTally) -> TrusteeKey:
    """This trustee's key share, once the record is its election's and the share its own."""
    l = secrets.trustee  # noqa: E741
    if secrets.key_share is None:
        raise TrusteeError("this trustee holds no key share (it never confirmed the ceremony)")
    _qualified(secrets, verified)
    key = TrusteeKey(l, secrets.key_share, Point.base_times(secrets.key_share))
    if key.public != verified.verification_key(l):
        raise TrusteeError("your key share does not match the record's ceremony")
    return key


def _qualified(secrets: TrusteeSecrets, verified: VerifiedTally) -> None:
    if verified.manifest_hash != secrets.manifest_hash:
        raise TrusteeError("the record is for another election or manifest than yours")
    _own(secrets, verified.announcements)
    if secrets.trustee not in verified.qualified:
        raise TrusteeError(
            f"trustee {secrets.trustee} (you) is not among the qualified trustees of the record"
        )


def mix(
    secrets: TrusteeSecrets,
    manifest: Manifest,
    verified: VerifiedTally,
    chain: MixChain,
    contest_id: str,
    *,
    workers: int = 1,
) -> Json:
    """This trustee's signed shuffle of ``chain``'s rows: the rows of the record it verified
    (``verify_record(...).mixes``, ranked.md §4). A trustee shuffles a contest's rows once.
    With ``workers`` > 1 the rows' work is split over that many of its own processes."""
    _qualified(secrets, verified)
    if secrets.trustee in chain.trustees:
        raise TrusteeError(f"you have already shuffled the rows of contest {contest_id}")
    with process_map(workers) as map_chunks:
        step = shuffle_rows(
            verified.fingerprint,
            verified.outcome.joint_key,
            chain.rows,
            contest_id=contest_id,
            trustee=secrets.trustee,
            position=chain.shuffles + 1,
            map_chunks=map_chunks,
            chunk_rows=chunk_rows_for(len(chain.rows), workers),
        )
    message = mix_to_json(manifest.election_id, verified.fingerprint, contest_id, chain.head, step)
    return sign_object(_signing(secrets), message)


def decrypt_mixed(
    secrets: TrusteeSecrets,
    manifest: Manifest,
    verified: VerifiedTally,
    chain: MixChain,
    contest_id: str,
    *,
    workers: int = 1,
) -> Json:
    """This trustee's signed shares of the last shuffled rows of a contest, as verified
    (ranked.md §5): never of rows it did not derive from the board through the chain. With
    ``workers`` > 1 the shares are made by that many of its own processes."""
    key = _decrypting_key(secrets, verified)
    if chain.shuffles == 0:
        raise TrusteeError(f"the rows of contest {contest_id} have not been shuffled")
    if chain.shuffles < manifest.quorum:
        raise TrusteeError(
            f"the rows of contest {contest_id} have been shuffled by {chain.shuffles} "
            f"trustee(s); at least {manifest.quorum} (the quorum) must shuffle them first"
        )
    with process_map(workers) as map_chunks:
        shares = row_shares(verified.fingerprint, key, chain.rows, map_chunks=map_chunks)
    message = mix_decryption_to_json(
        manifest.election_id, verified.fingerprint, contest_id, secrets.trustee, chain.head,
        shares,
    )  # fmt: skip
    return sign_object(_signing(secrets), message)
