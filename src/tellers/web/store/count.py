"""Voting, the count and the result: open, close, tally, decryptions, sign-off, publish.

The officer's steps from opening to publication (``steps`` lists them all),
the trustees' decryptions as they arrive, and the scrutineer's report
(TULRCA s.52). The clock is ``steps.now``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tellers.ceremony import Ceremony, check_ceremony
from tellers.crypto.ceremony_messages import DecryptionShare
from tellers.election.conduct import opened_body
from tellers.election.fingerprint import manifest_hash
from tellers.record.v2_tally import result_to_json, tally_from_json, tally_to_json
from tellers.record.v2_trustee import ceremony_from_json, decryption_from_json
from tellers.tally import ContestTally, count_ballots, decrypt_and_declare
from tellers.verify.tally import VerifiedTally, check_decryption
from tellers.web.store import postal, records, steps
from tellers.web.store.board import append_event, close_board, counted_ballots, counted_count
from tellers.web.store.models import BoardEvent, CredentialRecord, Election
from tellers.web.store.steps import S, locked, log, manifest_of, refuse

__all__ = [
    "STATEMENTS",
    "StatutoryReport",
    "accept_decryption",
    "check_decryption",
    "close_election",
    "maybe_declare",
    "open_election",
    "publish",
    "sign_off",
    "start_tally",
    "statutory_report",
    "tallies_of",
    "verified_tally",
]

_DUPLICATE_REASONS = ("replay", "revote-forbidden", "first-counts")


def _event_bodies(election: Election, *types: str) -> Iterator[tuple[str, Any]]:
    rows = (
        BoardEvent.objects.filter(election=election, type__in=types)
        .order_by("seq")
        .values_list("type", "body")
    )
    for kind, text in rows.iterator():
        yield kind, json.loads(text)  # the store keeps each event's body as canonical JSON


def tallies_of(election: Election) -> tuple[ContestTally, ...] | None:
    """The tally event's totals (None before the tally)."""
    for _kind, body in _event_bodies(election, "tally"):
        return tally_from_json(body)
    return None


def _tallies(election: Election) -> tuple[ContestTally, ...]:
    found = tallies_of(election)
    if found is None:
        raise refuse(_("The tally has not been started."))
    return found


def _ceremony(election: Election) -> Ceremony:
    return ceremony_from_json(election.ceremony)


def verified_tally(election: Election) -> VerifiedTally:
    """The site's own tally with what checking a trustee's decryption of it needs.

    (Each trustee checks the tally for itself from the board before decrypting.)
    """
    manifest = manifest_of(election)
    digest = manifest_hash(manifest)
    ceremony = _ceremony(election)
    outcome = check_ceremony(digest, ceremony, manifest.quorum, manifest.trustees)
    event = BoardEvent.objects.filter(election=election, type="tally").only("hash").first()
    if event is None:
        raise refuse(_("The tally has not been started."))
    return VerifiedTally(
        digest,
        bytes.fromhex(election.fingerprint),
        bytes.fromhex(event.hash),
        _tallies(election),
        ceremony.announcements,
        outcome,
    )


# ---- voting and the tally -------------------------------------------------------------


def open_election(election: Election, actor: Any) -> None:
    with transaction.atomic():
        e = locked(election)
        at = steps.now()
        if e.status != S.DRAFT:
            raise refuse(_("The election is already open."))
        if not e.fingerprint:
            raise refuse(
                _("The key ceremony and the credentials must both be complete before opening.")
            )
        if e.opens_at and at < e.opens_at:
            raise refuse(_("Voting opens at %(t)s, not before.") % {"t": e.opens_at})
        if e.closes_at and at >= e.closes_at:
            raise refuse(_("The closing time has passed."))
        credentials = (
            (bytes.fromhex(c), k)
            for c, k in CredentialRecord.objects.filter(election=e)
            .order_by("public_credential")
            .values_list("public_credential", "constituency")
            .iterator(chunk_size=5000)
        )
        if e.authority is None:
            raise refuse(_("The credential authority's list has not been uploaded."))
        _outcome, _fingerprint, body = opened_body(
            manifest_of(e), _ceremony(e), credentials, e.authority, at.isoformat()
        )
        append_event(e, "election-opened", body)
        postal.publish_paper_list(e)  # papers-issued comes right after it (postal.md §5.1)
        e.opened_at = at
        e.status = S.OPEN
        e.save(update_fields=["status", "opened_at"])
        log(e, actor, "election-opened")


def close_election(election: Election, actor: Any) -> None:
    with transaction.atomic():
        e = locked(election)
        at = steps.now()
        if e.status != S.OPEN:
            raise refuse(_("Only an open election can be closed."))
        if e.closes_at and at < e.closes_at:
            raise refuse(
                _("Voting closes at %(t)s; the closing time never moves.") % {"t": e.closes_at}
            )
        e.status = S.CLOSED
        e.save(update_fields=["status"])
        # Under the board's lock: a ballot still in flight lands before the close or is refused.
        event = close_board(e, at.isoformat())
        if e.paper_list is not None:  # what the print authority's audit starts from
            records.write_archive_for(e, "closed")
        log(e, actor, "election-closed", events=event.seq, counted=counted_count(e))


def start_tally(election: Election, actor: Any) -> None:
    with transaction.atomic():
        e = locked(election)
        if e.status != S.CLOSED:
            raise refuse(_("The tally starts once the election is closed."))
        if e.paper_list is not None and (left := postal.papers_to_audit(e)):
            raise refuse(
                _(
                    "%(n)d unused papers are still to be audited: upload the print "
                    "authority's audit (on the scrutineer's page) before the tally, or the "
                    "record will not verify."
                )
                % {"n": left}
            )
        # A ranked contest is not added up: its entry holds its ballots, and its rows go to
        # the trustees' shuffles (``mixing``) before they are decrypted (ranked.md §1).
        tallies = count_ballots(manifest_of(e), counted_ballots(e))
        append_event(e, "tally", tally_to_json(tallies))
        e.status = S.TALLYING
        e.save(update_fields=["status"])
        root = records.write_archive_for(e, "tally")  # what each trustee verifies, then decrypts
        log(e, actor, "tally-started", ballots=[t.ballots for t in tallies], root=root.hex())


# ---- decryption and the declaration (ceremony.md §4) ----------------------------------


def accept_decryption(election: Election, trustee: int, obj: dict[str, Any]) -> None:
    """Check trustee ``trustee``'s decryption message and put it on the board as it was signed.

    Called under the election's lock by ``ceremony.accept_trustee_file``;
    ``maybe_declare`` follows once the file is kept. The checks are the
    verifier's (``verify.tally.check_decryption``).
    """
    check_decryption(manifest_of(election), verified_tally(election), obj)
    append_event(election, "decryption", obj)


def maybe_declare(election: Election) -> None:
    """With a quorum of checked decryptions (and of each ranked contest's mix decryptions):
    decrypt, declare, keep (not yet public)."""
    from tellers.web.store import mixing

    manifest = manifest_of(election)
    batches: list[tuple[DecryptionShare, ...]] = [
        decryption_from_json(body).shares for _kind, body in _event_bodies(election, "decryption")
    ]
    if len(batches) < manifest.quorum or election.result is not None:
        return
    ranked = mixing.ranked_results(election)
    if ranked is None:
        return
    result = decrypt_and_declare(
        manifest,
        _tallies(election),
        batches[: manifest.quorum],
        election.credentials.values_list("constituency", flat=True),
        counted_count(election),
        ranked,
    )
    election.result = result_to_json(result)
    election.save(update_fields=["result"])
    log(election, None, "result-declared")


# ---- scrutiny and publication ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatutoryReport:
    """The figures of the scrutineer's report (TULRCA s.52, REQUIREMENTS.md 10, 20)."""

    papers_sent: int
    """Credentials issued (one per member on the roll)."""
    returned: int
    """Ballots accepted onto the board (re-votes included)."""
    counted: int
    """Members whose ballot counts."""
    superseded: int
    """Accepted ballots replaced by the same member's later one (revote policy ``last``)."""
    refused: dict[str, int]
    """Ballots not counted, by reason code."""
    duplicates_rejected: int
    audited: int
    contests: list[dict[str, Any]] = field(default_factory=list)
    """Per contest, from the declared result: votes per choice, blank (spoilt)."""


def statutory_report(election: Election) -> StatutoryReport:
    accepted = 0
    refused: Counter[str] = Counter()
    audited = 0
    credentials: set[str] = set()
    for kind, body in _event_bodies(
        election, "ballot-accepted", "ballot-refused", "ballot-audited"
    ):
        if kind == "ballot-accepted":
            accepted += 1
            credentials.add(body["ballot"]["credential"])
        elif kind == "ballot-refused":
            refused[str(body.get("reason"))] += 1
        else:
            audited += 1
    superseded = accepted - len(credentials)
    contests: list[dict[str, Any]] = []
    if election.result:
        manifest = manifest_of(election)
        for contest, found in zip(manifest.contests, election.result["contests"], strict=True):
            contests.append(
                {
                    "title": contest.title,
                    "choices": [(c.name, found["counts"][c.id]) for c in contest.choices],
                    "blank": found["blank"],
                    "ballots": found["ballots"],
                    "winners": found["winners"],
                }
            )
    return StatutoryReport(
        papers_sent=election.credentials.count(),
        returned=accepted,
        counted=len(credentials),
        superseded=superseded,
        refused=dict(sorted(refused.items())),
        duplicates_rejected=superseded + sum(refused[r] for r in _DUPLICATE_REASONS),
        audited=audited,
        contests=contests,
    )


STATEMENTS = ("no_breach", "security_adequate", "no_interference")


def sign_off(election: Election, actor: Any, statements: dict[str, Any]) -> None:
    """The scrutineer signs the result off, with the three s.52 statements."""
    with transaction.atomic():
        e = locked(election)
        if e.status != S.TALLYING or e.result is None:
            raise refuse(_("There is no declared result to sign off yet."))
        if e.signed_off_at is not None:
            raise refuse(_("The result is already signed off."))
        missing = [
            s for s in STATEMENTS if not statements.get(s) and not statements.get(f"{s}_reason")
        ]
        if missing:
            raise refuse(_("For each statement not confirmed, give the reason (s.52(2))."))
        e.signed_off_at = steps.now()
        e.signed_off_by = getattr(actor, "get_username", lambda: "")()
        e.scrutineer_report = statements
        e.save(update_fields=["signed_off_at", "signed_off_by", "scrutineer_report"])
        log(e, actor, "result-signed-off", statements=statements)


def publish(election: Election, actor: Any) -> None:
    with transaction.atomic():
        e = locked(election)
        if e.status != S.TALLYING or e.result is None:
            raise refuse(_("There is no declared result to publish yet."))
        if e.signed_off_at is None:
            raise refuse(_("The scrutineer has not signed the result off."))
        append_event(e, "result", e.result)
        e.status = S.PUBLISHED
        e.record_root = records.write_archive_for(e, "result").hex()
        e.save(update_fields=["status", "record_root"])
        log(e, actor, "result-published", root=e.record_root)
