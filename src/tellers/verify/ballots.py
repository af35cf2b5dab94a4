"""Checking the board's ballots in worker processes (record.md §9.3).

Each worker gets chunks of ballot events and returns, per event, what it
found — the checks that fail, which are also the facts a refusal's reason
is re-derived from — plus the encrypted sums of the chunk's accepted
ballots, so that the parent never holds the board in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from tellers import canonical
from tellers.ballot import (
    Ballot,
    ballot_message,
    check_audit,
    check_ballot_proofs,
    check_reveal_shape,
    check_shape,
    tracker,
)
from tellers.board import ElectionContext, audit_request_message
from tellers.crypto.group import bip340_verify
from tellers.errors import EncodingError, InvalidProof, InvalidSignature, ManifestError
from tellers.parallel import worker_context
from tellers.record.v2 import audited_from_json, ballot_from_json, bytes_from_hex, reveal_from_json
from tellers.tally import Aggregator, ContestTally
from tellers.verify.ballot_reader import reader_for
from tellers.verify.postal import PaperCheck, check_paper_item

__all__ = ["BallotCheck", "BallotItem", "check_chunk"]

BallotItem = tuple[int, str, bytes, bytes | None]
"""(board line, event type, the ballot — or an audited ballot's contests — as canonical JSON,
the reveal of an audit or the ``audit`` (reveal and signature) of a bad-audit refusal)."""

_READ = (EncodingError, ValueError, RecursionError)


@dataclass(frozen=True, slots=True)
class BallotCheck:
    line: int
    kind: str
    credential: bytes | None
    tracker: bytes | None
    """Recomputed from the ballot; None for an audited ballot (published without what
    the tracker is a hash of) and for an unreadable one."""
    contests: tuple[str, ...]
    problems: tuple[tuple[str, str], ...]
    """(check name, detail) for each check that failed."""


def check_chunk(
    items: list[BallotItem],
) -> tuple[list[BallotCheck | PaperCheck], tuple[ContestTally, ...]]:
    context: ElectionContext = worker_context()
    agg = Aggregator(context.manifest)
    # Every ballot of the chunk is read first, then every one is checked: each phase then
    # runs with its own code and tables in the processor's caches (the group arithmetic's
    # precomputed multiples of G alone are a megabyte), not each evicting the other's.
    read = [_read(context, item) for item in items]
    out: list[BallotCheck | PaperCheck] = [
        check_paper_item(context, *item, agg)
        if item[1].startswith("paper")
        else _check_one(context, item, ballot, agg)
        for item, ballot in zip(items, read, strict=True)
    ]
    return out, agg.result()


def _read(context: ElectionContext, item: BallotItem) -> Ballot | BallotCheck | None:
    """The item's ballot with the election's shape, or the finding that it has none; None for
    an audited ballot (read with its reveal, by ``_audited``)."""
    line, kind, raw, _ = item
    if kind == "ballot-audited" or kind.startswith("paper"):
        return None
    ballot = reader_for(context.manifest).read(raw)  # the election's shape, well formed
    if ballot is not None:
        return ballot
    try:
        ballot = ballot_from_json(canonical.loads(raw, "ballot"))
        check_shape(context.manifest, ballot)
    except (*_READ, ManifestError) as exc:
        return BallotCheck(line, kind, None, None, (), (("ballot-format", str(exc)),))
    return ballot


def _audited(
    context: ElectionContext, line: int, raw: bytes, raw_reveal: bytes | None
) -> BallotCheck:
    try:
        audited = audited_from_json(canonical.loads(raw, "contests"))
        reveal = reveal_from_json(canonical.loads(raw_reveal or b"null", "reveal"))
    except _READ as exc:
        return BallotCheck(line, "ballot-audited", None, None, (), (("ballot-format", str(exc)),))
    ids = tuple(c.contest_id for c in audited.contests)
    problems: tuple[tuple[str, str], ...] = ()
    try:
        check_audit(context.manifest, context.election_key, audited, reveal)
    except (InvalidProof, ManifestError) as exc:
        problems = (("audit", str(exc)),)
    return BallotCheck(line, "ballot-audited", None, None, ids, problems)


def _bad_audit(
    context: ElectionContext, ballot: Ballot, trk: bytes, raw: bytes
) -> list[tuple[str, str]]:
    """Facts for a bad-audit refusal: ``audit-request`` if the member did not sign the request,
    ``audit`` if the reveal does not open the ballot (which is what justifies the refusal),
    ``ballot-format`` if the reveal does not have the ballot's shape (the board should have
    refused the request as ``malformed``, keeping neither)."""
    out: list[tuple[str, str]] = []
    audit = canonical.loads(raw, "audit")
    try:
        check_reveal_shape(ballot, reveal_from_json(audit["reveal"]))
    except (*_READ, ManifestError) as exc:
        out.append(("ballot-format", f"the audit's reveal does not fit the ballot: {exc}"))
    try:
        signature = bytes_from_hex(audit["signature"], 64, "audit.signature")
        message = audit_request_message(trk, audit["reveal"])
        bip340_verify(ballot.credential, message, signature)
    except (EncodingError, InvalidSignature) as exc:
        out.append(("audit-request", str(exc)))
    try:
        reveal = reveal_from_json(audit["reveal"])
        check_audit(context.manifest, context.election_key, ballot, reveal)
    except (*_READ, InvalidProof, ManifestError) as exc:
        out.append(("audit", str(exc)))
    return out


def _check_one(
    context: ElectionContext,
    item: BallotItem,
    ballot: Ballot | BallotCheck | None,
    agg: Aggregator,
) -> BallotCheck:
    line, kind, raw, raw_reveal = item
    if ballot is None:
        return _audited(context, line, raw, raw_reveal)
    if isinstance(ballot, BallotCheck):  # unreadable, or not of the election's shape
        return ballot
    problems: list[tuple[str, str]] = []
    if ballot.fingerprint != context.fingerprint:
        problems.append(("ballot-election", "the ballot names another election fingerprint"))
    message = ballot_message(ballot.fingerprint, ballot.credential, ballot.contests)
    try:
        bip340_verify(ballot.credential, message, ballot.signature)
    except InvalidSignature as exc:
        problems.append(("ballot-signature", str(exc)))
    try:
        check_ballot_proofs(context.manifest, context.fingerprint, context.election_key, ballot)
    except (InvalidProof, ManifestError, EncodingError) as exc:
        problems.append(("ballot-proof", str(exc)))
    if raw_reveal is not None:  # a bad-audit refusal: the member's request, a failing reveal?
        problems += _bad_audit(context, ballot, tracker(ballot, message), raw_reveal)
    if kind == "ballot-accepted" and not any(p[0] == "ballot-proof" for p in problems):
        agg.add(ballot)
    return BallotCheck(
        line,
        kind,
        ballot.credential,
        tracker(ballot, message),
        tuple(c.contest_id for c in ballot.contests),
        tuple(problems),
    )
