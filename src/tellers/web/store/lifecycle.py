"""Running an election in the web service, step by step (as ``election.conduct`` does on files).

    create_election     from a manifest file (draft)
    import_roll         the roll CSV, all or nothing; frozen once credentials exist
    set_trustees        n trustees, each with a personal link
    accept_trustee_file the ceremony and decryption files trustees upload (``tellers trustee``)
    generate_credentials one code per member, returned once as the mailing file
    open_election       ``election-opened``, exactly the body ``conduct.open_election`` writes
    close_election      ``election-closed`` at or after the closing time
    start_tally         the counted ballots summed; ``tally``
    (trustees upload decryptions; a quorum declares the result, not yet public)
    sign_off            the scrutineer's s.52 statements
    publish             ``result``; status published

Small functions over the models and the core; no cryptography of their own.
Each writes an ``AuditLog`` row. A step that cannot be taken raises Django's
``ValidationError`` with plain messages (a list, for the roll's row-by-row report).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tellers.cli import trustee_cmd as files
from tellers.crypto import threshold
from tellers.crypto.ceremony_messages import DecryptionShare, TrusteeCommitment
from tellers.crypto.credentials import issue_credential
from tellers.crypto.group import Point
from tellers.election.fingerprint import election_fingerprint, manifest_hash
from tellers.election.manifest import Manifest
from tellers.election.roll import Roll, read_roll_csv
from tellers.errors import EncodingError, InputFileError, RollError, TellersError
from tellers.record.store import credentials_hash
from tellers.record.v1 import manifest_from_json, manifest_to_json
from tellers.record.v1_tally import (
    ceremony_to_json,
    decryption_from_json,
    decryption_to_json,
    result_to_json,
    tally_from_json,
    tally_to_json,
)
from tellers.tally import ContestTally, count_ballots, declare, flatten
from tellers.web.store.board import append_event, close_board, counted_ballots, counted_count
from tellers.web.store.context import second_factor_hash
from tellers.web.store.models import (
    AuditLog,
    BoardEvent,
    CredentialRecord,
    Election,
    Member,
    Trustee,
    TrusteeFile,
)

__all__ = [
    "Due",
    "StatutoryReport",
    "Step",
    "accept_trustee_file",
    "bundle_for",
    "ceremony_keys",
    "close_election",
    "complaints",
    "create_election",
    "due_step",
    "generate_credentials",
    "import_roll",
    "manifest_of",
    "now",
    "open_election",
    "publish",
    "set_trustees",
    "sign_off",
    "start_tally",
    "statutory_report",
    "tally_for_trustees",
    "trustee_step",
]

S = Election.Status
Step = Callable[[Election, Any], None]
"""An officer's step: (election, acting user) -> None, or ``ValidationError``."""
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
_DUPLICATE_REASONS = ("replay", "revote-forbidden", "first-counts")


def now() -> datetime:
    """The clock every step reads (one place, so tests can move time)."""
    return timezone.now()


def _log(election: Election | None, actor: Any, action: str, **detail: Any) -> None:
    user = actor if getattr(actor, "is_authenticated", False) else None
    AuditLog.objects.create(election=election, actor=user, action=action, detail=detail)


def _locked(election: Election) -> Election:
    """The election row, locked until the surrounding transaction ends."""
    return Election.objects.select_for_update().get(pk=election.pk)


def _refuse(message: str) -> ValidationError:
    return ValidationError(message)


def manifest_of(election: Election) -> Manifest:
    return manifest_from_json(election.manifest)


# ---- set-up -------------------------------------------------------------------------


def create_election(data: bytes, filename: str, actor: Any) -> Election:
    """A draft election from an uploaded manifest; errors name the field."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise _refuse(_("%(file)s is not UTF-8 text.") % {"file": filename}) from None
    except json.JSONDecodeError as exc:
        raise _refuse(
            _("%(file)s is not JSON: line %(line)d, column %(col)d: %(msg)s.")
            % {"file": filename, "line": exc.lineno, "col": exc.colno, "msg": exc.msg}
        ) from None
    try:
        manifest = manifest_from_json(obj)
    except (TellersError, AttributeError, TypeError) as exc:
        raise _refuse(_("The manifest is not valid: %(problem)s") % {"problem": exc}) from None
    if Election.objects.filter(slug=manifest.election_id).exists():
        raise _refuse(
            _("An election with the id %(id)s already exists.") % {"id": manifest.election_id}
        )
    with transaction.atomic():
        election = Election.objects.create(
            slug=manifest.election_id,
            title=manifest.title,
            manifest=manifest_to_json(manifest),
            scrutineer_name=manifest.scrutineer,
            opens_at=datetime.fromisoformat(manifest.opens),
            closes_at=datetime.fromisoformat(manifest.closes),
        )
        _log(election, actor, "election-created", manifest_hash=manifest_hash(manifest).hex())
    return election


_CONTACT = {"name": "name", "email": "email", "postal_address": "postal_address"}


def import_roll(election: Election, data: bytes, filename: str, actor: Any) -> int:
    """Replace the roll with the CSV's members; every bad row reported, nothing half-imported."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(_("%(file)s is not UTF-8 text.") % {"file": filename}) from None
    manifest = manifest_of(election)
    roll, problems = _read_roll(text, filename, manifest)
    if problems:
        raise ValidationError(problems)
    assert roll is not None
    with transaction.atomic():
        e = _locked(election)
        if e.status != S.DRAFT or e.credentials.exists():
            raise _refuse(_("The roll is frozen: credentials have been generated."))
        e.members.all().delete()
        rows = []
        for m in roll:
            contact = dict(m.contact)
            rows.append(
                Member(
                    election=e,
                    member_number=m.member_id,
                    constituency=m.constituency,
                    name=contact.get("name", ""),
                    email=contact.get("email", ""),
                    postal_address=contact.get("postal_address") or contact.get("address", ""),
                )
            )
        Member.objects.bulk_create(rows, batch_size=2000)
        _log(e, actor, "roll-imported", file=filename, members=len(rows))
    return len(rows)


def _read_roll(text: str, name: str, manifest: Manifest) -> tuple[Roll | None, list[str]]:
    """The roll, or every problem found: a bad row is blanked and the file read again."""
    lines = text.splitlines(keepends=True)
    problems: list[str] = []
    roll = None
    while len(problems) < 100:
        try:
            roll = read_roll_csv(lines, name)
            break
        except RollError as exc:
            problems.append(str(exc))
            if not 2 <= exc.line <= len(lines) or not lines[exc.line - 1].strip():
                return None, problems
            lines[exc.line - 1] = "\n"  # blank lines are skipped; numbering is kept
    if roll is None:
        return None, problems
    known = set(manifest.constituencies)
    numbers = _row_lines(lines)
    for member, line in zip(roll, numbers, strict=False):
        if member.constituency not in known:
            problems.append(
                str(
                    RollError(
                        name,
                        line,
                        f"constituency {member.constituency!r} is not in the manifest "
                        f"(expected one of {sorted(known)})",
                    )
                )
            )
    return (None if problems else roll), problems


def _row_lines(lines: list[str]) -> list[int]:
    reader = csv.reader(lines)
    next(reader, None)
    return [reader.line_num for row in reader if any(cell.strip() for cell in row)]


def set_trustees(election: Election, people: Sequence[tuple[str, str]], actor: Any) -> None:
    """The manifest's n trustees, numbered 1..n, each with a fresh personal link."""
    n = manifest_of(election).trustees
    problems = []
    if len(people) != n:
        problems.append(
            _("The manifest names %(n)d trustees; %(m)d given.") % {"n": n, "m": len(people)}
        )
    for i, (name, email) in enumerate(people, start=1):
        if not name.strip():
            problems.append(_("Trustee %(i)d: enter a name.") % {"i": i})
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(
                    _("Trustee %(i)d: %(email)s is not an email address.")
                    % {"i": i, "email": email}
                )
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        e = _locked(election)
        if e.status != S.DRAFT or TrusteeFile.objects.filter(trustee__election=e).exists():
            raise _refuse(_("The trustees cannot change once the key ceremony has begun."))
        e.trustees.all().delete()
        for i, (name, email) in enumerate(people, start=1):
            Trustee.objects.create(election=e, index=i, name=name.strip(), email=email.strip())
        _log(e, actor, "trustees-set", trustees=[name for name, _ in people])


# ---- the key ceremony (ceremony.md §3) ------------------------------------------------


def _files(election: Election, kind: str) -> dict[int, dict[str, Any]]:
    rows = TrusteeFile.objects.filter(trustee__election=election, kind=kind).select_related(
        "trustee"
    )
    return {f.trustee.index: json.loads(f.body) for f in rows}


def _commitments(election: Election) -> list[TrusteeCommitment]:
    found = _files(election, COMMITMENT)
    return [files.commitment_from_json(found[i], "commitment") for i in sorted(found)]


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
    manifest = manifest_of(election)
    return {
        "format": files.KEYS,
        "election_id": manifest.election_id,
        "manifest_hash": manifest_hash(manifest).hex(),
        "keys": [{"trustee": i, "public": found[i]["public"]} for i in sorted(found)],
    }


def bundle_for(trustee: Trustee) -> dict[str, Any]:
    """bundle.json: all commitments and the shares addressed to ``trustee``."""
    election = trustee.election
    manifest = manifest_of(election)
    found = _files(election, COMMITMENT)
    names = dict(election.trustees.values_list("index", "name"))
    order = sorted(found)
    commitments = [files.commitment_from_json(found[i], "commitment") for i in order]
    shares = [s for i in order for s in found[i]["shares"] if s["recipient"] == trustee.index]
    return {
        "format": files.BUNDLE,
        "election_id": manifest.election_id,
        "manifest_hash": manifest_hash(manifest).hex(),
        "trustee": trustee.index,
        "ceremony": ceremony_to_json([names[i] for i in order], commitments),
        "shares": shares,
    }


def tally_for_trustees(election: Election) -> dict[str, Any]:
    """tally.json: the encrypted totals to decrypt, with the election fingerprint."""
    return {
        "format": files.TALLY,
        "election_id": election.slug,
        "fingerprint": election.fingerprint,
        "tally": tally_to_json(_tallies(election)),
    }


@dataclass(frozen=True, slots=True)
class Complaint:
    by: int
    against: int
    problem: str


def complaints(election: Election) -> list[Complaint]:
    found = _files(election, COMPLAINT)
    return [
        Complaint(i, int(found[i].get("against", 0)), str(found[i].get("problem", "")))
        for i in sorted(found)
    ]


def accept_trustee_file(trustee: Trustee, data: bytes, filename: str) -> str:
    """Check and keep a trustee's uploaded file; return its kind (``ValidationError`` if not)."""
    try:
        obj = files.parse_file(data, filename, list(_KIND_OF_FORMAT))
    except InputFileError as exc:
        raise _refuse(str(exc)) from None
    kind = _KIND_OF_FORMAT[obj["format"]]
    with transaction.atomic():
        election = _locked(trustee.election)
        trustee = Trustee.objects.select_related("election").get(pk=trustee.pk)
        step = trustee_step(trustee)
        allowed = {
            KEY: ("keygen",),
            COMMITMENT: ("commit",),
            CONFIRMATION: ("receive",),
            COMPLAINT: ("receive",),
            DECRYPTION: ("decrypt",),
        }[kind]
        if step not in allowed:
            raise _refuse(_("This is not the file due now (%(kind)s).") % {"kind": kind})
        try:
            _check_trustee_file(election, trustee, kind, obj)
        except (TellersError, KeyError, TypeError, AttributeError, ValueError) as exc:
            raise _refuse(
                _("%(file)s was refused: %(problem)s") % {"file": filename, "problem": exc}
            ) from None
        TrusteeFile.objects.create(trustee=trustee, kind=kind, body=json.dumps(obj))
        _log(election, None, f"trustee-{kind}", trustee=trustee.index, **_log_detail(kind, obj))
        if kind == CONFIRMATION:
            _finish_ceremony(election)
        elif kind == DECRYPTION:
            _maybe_declare(election)
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
        raise _refuse(
            _("This file is trustee %(found)s's; this page is trustee %(i)d's.")
            % {"found": obj.get("trustee"), "i": i}
        )
    if kind == DECRYPTION:
        if obj.get("fingerprint") != election.fingerprint:
            raise _refuse(_("This decryption is for another election or tally."))
        _index, decrypted = files.decryption_shares_from_json(obj, "decryption")
        threshold.check_decryption_shares(
            bytes.fromhex(election.fingerprint),
            _commitments(election),
            flatten(_tallies(election)),
            decrypted,
        )
        append_event(election, "decryption", decryption_to_json(i, tuple(decrypted)))
        return
    if obj.get("manifest_hash") != digest.hex():
        raise _refuse(_("This file is for another election or manifest."))
    if kind == KEY:
        key = obj.get("public")
        if not isinstance(key, str) or len(bytes.fromhex(key)) != 32:
            raise EncodingError("public", "expected 32 bytes in hex")
    elif kind == COMMITMENT:
        commitment = files.commitment_from_json(obj, "commitment")
        if commitment.trustee != i:
            raise EncodingError("commitment.index", f"expected {i}, found {commitment.trustee}")
        threshold.check_commitment(digest, commitment, manifest.quorum, manifest.trustees)
        shares = files.shares_from_json(obj.get("shares"), "shares")
        found = sorted((s.sender, s.recipient) for s in shares)
        expected = [(i, r) for r in range(1, manifest.trustees + 1)]
        if found != expected:
            raise EncodingError("shares", f"expected one share from {i} to each of 1..n")
    elif kind == CONFIRMATION:
        expected_key = threshold.verification_key(i, _commitments(election)).hex()
        if obj.get("verification_key") != expected_key:
            raise EncodingError(
                "verification_key", "does not match the published commitments (X_l)"
            )
    elif kind == COMPLAINT:
        against = obj.get("against")
        if not isinstance(against, int) or not 1 <= against <= manifest.trustees:
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
    _seal_setup(election)
    _log(election, None, "ceremony-complete", election_key=election.election_key)


def _seal_setup(election: Election) -> None:
    """Credentials hash and fingerprint, once both the key and the credentials exist."""
    if not election.election_key or not election.credentials.exists():
        return
    entries = [
        (bytes.fromhex(c), k)
        for c, k in election.credentials.values_list("public_credential", "constituency")
    ]
    digest = credentials_hash(entries)
    key = Point.from_hex(election.election_key, "election_key")
    election.credentials_hash = digest.hex()
    election.fingerprint = election_fingerprint(
        manifest_hash(manifest_of(election)), key, digest
    ).hex()
    election.save(update_fields=["credentials_hash", "fingerprint"])


# ---- credentials (credentials.md) ---------------------------------------------------


def generate_credentials(election: Election, actor: Any) -> str:
    """Issue every member a code; return the mailing file (CSV). Codes are never stored.

    Allowed again while the election is a draft: the new codes replace the old,
    and the earlier mailing file becomes void.
    """
    manifest = manifest_of(election)
    election_id = manifest.election_id.encode()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["member_number", "name", "postal_address", "email", "code"])
    with transaction.atomic():
        e = _locked(election)
        if e.status != S.DRAFT:
            raise _refuse(_("Credentials can only be generated before the election opens."))
        if not e.members.exists():
            raise _refuse(_("Import the roll first."))
        e.credentials.all().delete()
        rows = []
        for member in e.members.order_by("member_number").iterator():
            issued = issue_credential(election_id)
            rows.append(
                CredentialRecord(
                    election=e,
                    public_credential=issued.public.hex(),
                    constituency=member.constituency,
                    factor_hash=second_factor_hash(issued.public, member.member_number),
                )
            )
            writer.writerow(
                [
                    member.member_number,
                    member.name,
                    member.postal_address,
                    member.email,
                    issued.code,
                ]
            )
        CredentialRecord.objects.bulk_create(rows, batch_size=2000)
        _seal_setup(e)
        _log(e, actor, "credentials-generated", credentials=len(rows))
    return out.getvalue()


# ---- voting, close, tally -------------------------------------------------------------


def _event_bodies(election: Election, *types: str) -> Iterator[tuple[str, Any]]:
    rows = (
        BoardEvent.objects.filter(election=election, type__in=types)
        .order_by("seq")
        .values_list("type", "body")
    )
    for kind, text in rows.iterator():
        obj = json.loads(text)
        if isinstance(obj, dict) and set(obj) == {"seq", "prev", "type", "body"}:
            obj = obj["body"]  # a store that keeps the whole event line
        yield kind, obj


def _tallies(election: Election) -> tuple[ContestTally, ...]:
    for _kind, body in _event_bodies(election, "tally"):
        return tally_from_json(body)
    raise _refuse(_("The tally has not been started."))


def open_election(election: Election, actor: Any) -> None:
    with transaction.atomic():
        e = _locked(election)
        at = now()
        if e.status != S.DRAFT:
            raise _refuse(_("The election is already open."))
        if not e.fingerprint:
            raise _refuse(
                _("The key ceremony and the credentials must both be complete before opening.")
            )
        if e.opens_at and at < e.opens_at:
            raise _refuse(_("Voting opens at %(t)s, not before.") % {"t": e.opens_at})
        if e.closes_at and at >= e.closes_at:
            raise _refuse(_("The closing time has passed."))
        append_event(
            e,
            "election-opened",
            {
                "manifest_hash": manifest_hash(manifest_of(e)).hex(),
                "joint_key": e.election_key,
                "credentials_hash": e.credentials_hash,
                "credentials": e.credentials.count(),
                "fingerprint": e.fingerprint,
                "opened_at": at.isoformat(),
            },
        )
        e.status = S.OPEN
        e.save(update_fields=["status"])
        _log(e, actor, "election-opened")


def close_election(election: Election, actor: Any) -> None:
    with transaction.atomic():
        e = _locked(election)
        at = now()
        if e.status != S.OPEN:
            raise _refuse(_("Only an open election can be closed."))
        if e.closes_at and at < e.closes_at:
            raise _refuse(
                _("Voting closes at %(t)s; the closing time never moves.") % {"t": e.closes_at}
            )
        e.status = S.CLOSED
        e.save(update_fields=["status"])
        # Under the board's lock: a ballot still in flight lands before the close or is refused.
        event = close_board(e, at.isoformat())
        _log(e, actor, "election-closed", events=event.seq, counted=counted_count(e))


def start_tally(election: Election, actor: Any) -> None:
    with transaction.atomic():
        e = _locked(election)
        if e.status != S.CLOSED:
            raise _refuse(_("The tally starts once the election is closed."))
        tallies = count_ballots(manifest_of(e), counted_ballots(e))
        append_event(e, "tally", tally_to_json(tallies))
        e.status = S.TALLYING
        e.save(update_fields=["status"])
        _log(e, actor, "tally-started", ballots=[t.ballots for t in tallies])


def _maybe_declare(election: Election) -> None:
    """With a quorum of checked decryptions: decrypt, declare, keep (not yet public)."""
    manifest = manifest_of(election)
    batches: list[list[DecryptionShare]] = [
        decryption_from_json(body)[1] for _kind, body in _event_bodies(election, "decryption")
    ]
    if len(batches) < manifest.quorum or election.result is not None:
        return
    tallies = _tallies(election)
    bound = max([t.ballots for t in tallies] + [0])
    values = threshold.threshold_decrypt(flatten(tallies), batches, bound)
    by_constituency = Counter(election.credentials.values_list("constituency", flat=True))
    per_contest = {
        c.id: sum(n for k, n in by_constituency.items() if c.entitles(k)) for c in manifest.contests
    }
    total = sum(by_constituency.values())
    result = declare(manifest, tallies, values, per_contest, total, counted_count(election))
    election.result = result_to_json(result)
    election.save(update_fields=["result"])
    _log(election, None, "result-declared")


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
        e = _locked(election)
        if e.status != S.TALLYING or e.result is None:
            raise _refuse(_("There is no declared result to sign off yet."))
        if e.signed_off_at is not None:
            raise _refuse(_("The result is already signed off."))
        missing = [
            s for s in STATEMENTS if not statements.get(s) and not statements.get(f"{s}_reason")
        ]
        if missing:
            raise _refuse(_("For each statement not confirmed, give the reason (s.52(2))."))
        e.signed_off_at = now()
        e.signed_off_by = getattr(actor, "get_username", lambda: "")()
        e.scrutineer_report = statements
        e.save(update_fields=["signed_off_at", "signed_off_by", "scrutineer_report"])
        _log(e, actor, "result-signed-off", statements=statements)


def publish(election: Election, actor: Any) -> None:
    with transaction.atomic():
        e = _locked(election)
        if e.status != S.TALLYING or e.result is None:
            raise _refuse(_("There is no declared result to publish yet."))
        if e.signed_off_at is None:
            raise _refuse(_("The scrutineer has not signed the result off."))
        append_event(e, "result", e.result)
        e.status = S.PUBLISHED
        e.save(update_fields=["status"])
        _log(e, actor, "result-published")


# ---- what is due ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Due:
    step: str
    """A stable code: roll, trustees, ceremony, complaint, credentials, open, voting,
    close, tally, decryption, sign-off, publish, published."""
    text: str


def due_step(election: Election) -> Due:
    """The officer's next step, in plain words."""
    if election.status == S.DRAFT:
        if not election.members.exists():
            return Due("roll", _("Import the roll."))
        if not election.trustees.exists():
            return Due("trustees", _("Name the trustees and send them their links."))
        if complaints(election):
            return Due("complaint", _("A trustee complained about a share: see below."))
        if not election.election_key:
            return Due("ceremony", _("Waiting for the trustees to complete the key ceremony."))
        if not election.credentials.exists():
            return Due("credentials", _("Generate the credentials and download the mailing file."))
        return Due("open", _("Open the election."))
    if election.status == S.OPEN:
        if election.closes_at and now() >= election.closes_at:
            return Due("close", _("Voting time is over: close the election."))
        return Due("voting", _("Voting is open."))
    if election.status == S.CLOSED:
        return Due("tally", _("Start the tally."))
    if election.status == S.TALLYING:
        if election.result is None:
            return Due("decryption", _("Waiting for a quorum of trustees to decrypt the tally."))
        if election.signed_off_at is None:
            return Due("sign-off", _("Waiting for the scrutineer to sign the result off."))
        return Due("publish", _("Publish the result."))
    return Due("published", _("The result is published."))
