"""The trustees' side: the key ceremony's files, their uploads, and complaints (ceremony.md §3).

A trustee runs ``tellers trustee`` on their own machine and uploads each
public file it writes; ``accept_trustee_file`` checks it and keeps it. The
files served back (``ceremony_keys``, ``bundle_for``, ``count.tally_for_trustees``)
and the ones taken in are mapped in ``tellers.record.v2_trustee``. When every
confirmation is in, the joint election key is fixed; a decryption goes on to
``count``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tellers.crypto import threshold
from tellers.crypto.ceremony_messages import TrusteeCommitment
from tellers.election.fingerprint import manifest_hash
from tellers.errors import EncodingError, InputFileError, TellersError
from tellers.record import v2_trustee as files
from tellers.record.v2_tally import ceremony_to_json
from tellers.web.store import count
from tellers.web.store.models import Election, Trustee, TrusteeFile
from tellers.web.store.setup import seal_setup
from tellers.web.store.steps import S, locked, log, manifest_of, refuse

__all__ = [
    "Complaint",
    "accept_trustee_file",
    "bundle_for",
    "ceremony_keys",
    "complaints",
    "trustee_step",
]

# TrusteeFile kinds, one per step (each uploaded once).
KEY, COMMITMENT, CONFIRMATION, COMPLAINT, DECRYPTION = (
    "ceremony-key",
    "commitment",
    "confirmation",
    "complaint",
    "decryption",
)
_KIND_OF_FORMAT = {
    files.PUBLIC_KEY: KEY,
    files.COMMITMENT: COMMITMENT,
    files.CONFIRMATION: CONFIRMATION,
    files.COMPLAINT: COMPLAINT,
    files.DECRYPTION: DECRYPTION,
}
# The step (``trustee_step``) at which each kind may be uploaded.
_DUE_AT = {
    KEY: ("keygen",),
    COMMITMENT: ("commit",),
    CONFIRMATION: ("receive",),
    COMPLAINT: ("receive",),
    DECRYPTION: ("decrypt",),
}


def _files(election: Election, kind: str) -> dict[int, dict[str, Any]]:
    rows = TrusteeFile.objects.filter(trustee__election=election, kind=kind).select_related(
        "trustee"
    )
    return {f.trustee.index: json.loads(f.body) for f in rows}


def _commitments(election: Election) -> list[TrusteeCommitment]:
    found = _files(election, COMMITMENT)
    return [files.commitment_file_from_json(found[i], "commitment")[1] for i in sorted(found)]


def trustee_step(trustee: Trustee) -> str:
    """What is due from this trustee: keygen, commit, receive, decrypt, or wait / done."""
    election = trustee.election
    n = election.trustees.count()  # set_trustees made exactly the manifest's n
    mine = set(trustee.files.values_list("kind", flat=True))
    counts = Counter(
        TrusteeFile.objects.filter(trustee__election=election).values_list("kind", flat=True)
    )
    if counts[COMPLAINT]:
        return "complaint"
    if KEY not in mine:
        return "keygen"
    if counts[KEY] < n:
        return "wait-keys"
    if COMMITMENT not in mine:
        return "commit"
    if counts[COMMITMENT] < n:
        return "wait-commitments"
    if CONFIRMATION not in mine:
        return "receive"
    if not election.election_key:
        return "wait-confirmations"
    if election.status in (S.DRAFT, S.OPEN, S.CLOSED):
        return "ceremony-done"
    if DECRYPTION in mine:
        return "decrypted"
    return "decrypt" if election.status == S.TALLYING else "finished"


def ceremony_keys(election: Election) -> dict[str, Any]:
    """ceremony-keys.json: every trustee's ceremony public key (for ``trustee commit``)."""
    found = _files(election, KEY)
    public = {i: files.public_key_file_from_json(body, "key")[1].hex() for i, body in found.items()}
    return files.ceremony_keys_to_json(manifest_of(election), public)


def bundle_for(trustee: Trustee) -> dict[str, Any]:
    """bundle.json: all commitments and the shares addressed to ``trustee``."""
    election = trustee.election
    found = _files(election, COMMITMENT)
    names = dict(election.trustees.values_list("index", "name"))
    order = sorted(found)
    kept = [files.commitment_file_from_json(found[i], "commitment") for i in order]
    commitments = [commitment for _i, commitment, _s in kept]
    shares = [s for _i, _c, sent in kept for s in sent if s.recipient == trustee.index]
    return files.bundle_to_json(
        manifest_of(election), trustee.index, [names[i] for i in order], commitments, shares
    )


@dataclass(frozen=True, slots=True)
class Complaint:
    by: int
    against: int
    problem: str


def complaints(election: Election) -> list[Complaint]:
    found = _files(election, COMPLAINT)
    return [Complaint(*files.complaint_from_json(found[i], "complaint")) for i in sorted(found)]


def accept_trustee_file(trustee: Trustee, data: bytes, filename: str) -> str:
    """Check and keep a trustee's uploaded file; return its kind (``ValidationError`` if not)."""
    try:
        obj = files.parse_file(data, filename, list(_KIND_OF_FORMAT))
    except InputFileError as exc:
        raise refuse(str(exc)) from None
    kind = _KIND_OF_FORMAT[obj["format"]]
    with transaction.atomic():
        election = locked(trustee.election)
        trustee = Trustee.objects.select_related("election").get(pk=trustee.pk)
        if trustee_step(trustee) not in _DUE_AT[kind]:
            raise refuse(_("This is not the file due now (%(kind)s).") % {"kind": kind})
        try:
            _check_trustee_file(election, trustee, kind, obj)
        except (TellersError, KeyError, TypeError, AttributeError, ValueError) as exc:
            raise refuse(
                _("%(file)s was refused: %(problem)s") % {"file": filename, "problem": exc}
            ) from None
        TrusteeFile.objects.create(trustee=trustee, kind=kind, body=json.dumps(obj))
        log(election, None, f"trustee-{kind}", trustee=trustee.index, **_log_detail(kind, obj))
        if kind == CONFIRMATION:
            _finish_ceremony(election)
        elif kind == DECRYPTION:
            count.maybe_declare(election)
    return kind


def _log_detail(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    if kind == COMPLAINT:
        return {"against": obj.get("against"), "problem": obj.get("problem")}
    return {}


def _check_trustee_file(
    election: Election, trustee: Trustee, kind: str, obj: dict[str, Any]
) -> None:
    manifest = manifest_of(election)
    digest = manifest_hash(manifest)
    i = trustee.index
    if obj.get("trustee") != i:
        raise refuse(
            _("This file is trustee %(found)s's; this page is trustee %(i)d's.")
            % {"found": obj.get("trustee"), "i": i}
        )
    if kind == DECRYPTION:
        count.accept_decryption(election, i, obj)
        return
    if obj.get("manifest_hash") != digest.hex():
        raise refuse(_("This file is for another election or manifest."))
    if kind == KEY:
        files.public_key_file_from_json(obj, "key")
    elif kind == COMMITMENT:
        _sender, commitment, shares = files.commitment_file_from_json(obj, "commitment")
        if commitment.trustee != i:
            raise EncodingError("commitment.index", f"expected {i}, found {commitment.trustee}")
        threshold.check_commitment(digest, commitment, manifest.quorum, manifest.trustees)
        found = sorted((s.sender, s.recipient) for s in shares)
        expected = [(i, r) for r in range(1, manifest.trustees + 1)]
        if found != expected:
            raise EncodingError("shares", f"expected one share from {i} to each of 1..n")
    elif kind == CONFIRMATION:
        _by, verification_key = files.confirmation_from_json(obj, "confirmation")
        if verification_key != threshold.verification_key(i, _commitments(election)):
            raise EncodingError(
                "verification_key", "does not match the published commitments (X_l)"
            )
    elif kind == COMPLAINT:
        _by, against, _problem = files.complaint_from_json(obj, "complaint")
        if not 1 <= against <= manifest.trustees:
            raise EncodingError("against", f"expected a trustee 1..{manifest.trustees}")


def _finish_ceremony(election: Election) -> None:
    """With every commitment valid and every confirmation in: the ceremony and the key."""
    manifest = manifest_of(election)
    if len(_files(election, CONFIRMATION)) < manifest.trustees or complaints(election):
        return
    commitments = _commitments(election)
    threshold.check_commitments(
        manifest_hash(manifest), commitments, manifest.quorum, manifest.trustees
    )
    names = list(election.trustees.order_by("index").values_list("name", flat=True))
    election.ceremony = ceremony_to_json(names, commitments)
    election.election_key = threshold.joint_public_key(commitments).hex()
    election.save(update_fields=["ceremony", "election_key"])
    seal_setup(election)
    log(election, None, "ceremony-complete", election_key=election.election_key)
