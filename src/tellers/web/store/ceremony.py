"""The trustees' side: the key ceremony's signed messages, relayed and checked (ceremony.md §3).

A trustee runs ``tellers trustee`` on its own machine and uploads each signed
message it writes; ``accept_trustee_file`` checks the signature against the
key the trustee announced, and the message against the ceremony so far,
exactly as ``tellers.ceremony`` (and so the verifier) will. The site serves
the ceremony so far back (``ceremony_keys``, ``bundle_for``). A complaint is
answered by the accused and judged by anyone; whenever the messages change,
earlier confirmations no longer match the transcript and every qualified
trustee confirms again. When every qualified trustee has confirmed the
current transcript, the joint election key is fixed. A decryption goes on to
``count``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tellers.ceremony import (
    Ceremony,
    Outcome,
    check_announcement,
    check_commitment_message,
    check_confirmation,
    check_signed_by,
    evaluate,
    judge,
    keys_transcript,
)
from tellers.election.fingerprint import manifest_hash
from tellers.errors import EncodingError, InputFileError, TellersError
from tellers.record import v2_trustee as files
from tellers.web.store import count, mixing, steps
from tellers.web.store.models import Election, Trustee, TrusteeFile
from tellers.web.store.setup import seal_setup
from tellers.web.store.steps import S, locked, log, manifest_of, refuse

__all__ = [
    "ComplaintState",
    "accept_trustee_file",
    "bundle_for",
    "ceremony_keys",
    "ceremony_so_far",
    "close_answers",
    "complaints",
    "restart_ceremony",
    "trustee_step",
]

# Upload formats and the TrusteeFile kind each is kept as (complaints and answers: -L).
_FORMATS = [
    files.ANNOUNCEMENT,
    files.COMMITMENT,
    files.COMPLAINT,
    files.ANSWER,
    files.CONFIRMATION,
    files.DECRYPTION,
    *mixing.FORMATS,
]


def _rows(election: Election) -> dict[tuple[int, str], dict[str, Any]]:
    found = TrusteeFile.objects.filter(trustee__election=election).select_related("trustee")
    return {(f.trustee.index, f.kind): json.loads(f.body) for f in found}


def ceremony_so_far(election: Election) -> Ceremony:
    """Every stored message, in the canonical order of ``ceremony.json`` (record.md §6.1)."""
    rows = _rows(election)
    names = tuple(election.trustees.order_by("index").values_list("index", "name"))

    def of(kind: str, read: Any) -> list[Any]:
        return [read(body) for (i, k), body in sorted(rows.items()) if k.split("-")[0] == kind]

    complaints = sorted(of("complaint", files.complaint_from_json), key=lambda c: (c.by, c.against))
    answers = sorted(of("answer", files.answer_from_json), key=lambda a: (a.trustee, a.complainant))
    return Ceremony(
        names,
        tuple(of("announcement", files.announcement_from_json)),
        tuple(of("commitment", files.commitment_from_json)),
        tuple(complaints),
        tuple(answers),
        tuple(of("confirmation", files.confirmation_from_json)),
    )


def _outcome(election: Election, ceremony: Ceremony) -> Outcome | None:
    """The ceremony judged so far, once every trustee has committed (None before)."""
    manifest = manifest_of(election)
    if len(ceremony.commitments) < manifest.trustees:
        return None
    return evaluate(manifest_hash(manifest), ceremony, manifest.quorum, manifest.trustees)


@dataclass(frozen=True, slots=True)
class ComplaintState:
    by: int
    against: int
    problem: str
    answered: bool
    loser: int | None
    """Who the complaint disqualifies, once it can be judged (answered, or answers closed)."""
    why: str


def complaints(election: Election) -> list[ComplaintState]:
    ceremony = ceremony_so_far(election)
    if not ceremony.complaints:
        return []
    digest = manifest_hash(manifest_of(election))
    answers = {(a.complainant, a.trustee): a for a in ceremony.answers}
    out = []
    for c in ceremony.complaints:
        answer = answers.get((c.by, c.against))
        loser, why = None, ""
        if answer is not None or election.answers_closed_at is not None:
            loser, why = judge(digest, ceremony.announcements, ceremony.commitments, c, answer)
        out.append(ComplaintState(c.by, c.against, c.problem, answer is not None, loser, why))
    return out


def _pending(election: Election, ceremony: Ceremony) -> list[tuple[int, int]]:
    """(complainant, accused) of complaints not answered, while answers are still awaited."""
    if election.answers_closed_at is not None:
        return []
    answered = {(a.complainant, a.trustee) for a in ceremony.answers}
    return [(c.by, c.against) for c in ceremony.complaints if (c.by, c.against) not in answered]


def trustee_step(trustee: Trustee) -> str:
    """What is due from this trustee: keygen, commit, receive, answer, shuffle, decrypt; or
    a wait."""
    election = trustee.election
    i = trustee.index
    if election.election_key:  # the ceremony is complete
        qualified = [c["trustee"] for c in (election.ceremony or {}).get("confirmations", [])]
        if i not in qualified:
            return "disqualified"
        if election.status in (S.DRAFT, S.OPEN, S.CLOSED):
            return "ceremony-done"
        if election.status != S.TALLYING:
            return "finished"
        if not mixing.mixing_done(election):  # ranked contests: shuffled first (mixing)
            return mixing.shuffle_step(election, i)
        sent = set(trustee.files.values_list("kind", flat=True))
        if set(mixing.decryption_kinds(election)) <= sent:
            return "decrypted"
        return "decrypt"
    return _ceremony_step(election, i)


def _ceremony_step(election: Election, i: int) -> str:
    n = manifest_of(election).trustees
    ceremony = ceremony_so_far(election)
    announced = {a.trustee for a in ceremony.announcements}
    committed = {m.trustee for m in ceremony.commitments}
    if i not in announced:
        return "keygen"
    if len(announced) < n:
        return "wait-keys"
    if i not in committed:
        return "commit"
    if len(committed) < n:
        return "wait-commitments"
    pending = _pending(election, ceremony)
    if any(accused == i for _, accused in pending):
        return "answer"
    if pending:
        return "wait-answers"
    try:
        outcome = _outcome(election, ceremony)
    except TellersError:
        return "failed"
    if outcome is None:
        return "wait-commitments"
    if i in outcome.disqualified:
        return "disqualified"
    mine = next((c for c in ceremony.confirmations if c.trustee == i), None)
    if mine is None or mine.transcript != outcome.transcript:
        return "receive"
    return "wait-confirmations"


def ceremony_keys(election: Election) -> dict[str, Any]:
    """ceremony-keys.json: every trustee's signed announcement (for ``trustee commit``)."""
    manifest = manifest_of(election)
    ceremony = ceremony_so_far(election)
    return files.ceremony_keys_to_json(manifest, manifest_hash(manifest), ceremony.announcements)


def bundle_for(trustee: Trustee) -> dict[str, Any]:
    """bundle.json: the whole ceremony so far (for ``trustee receive`` and ``trustee answer``)."""
    election = trustee.election
    manifest = manifest_of(election)
    ceremony = ceremony_so_far(election)
    current = replace(ceremony, confirmations=())
    return files.bundle_to_json(manifest, manifest_hash(manifest), current)


def _kind(election: Election, fmt: str, obj: dict[str, Any]) -> str:
    if fmt in mixing.FORMATS:
        return mixing.kind_for(election, fmt, obj.get("contest"))
    kind = files.message_kind(fmt)
    if kind == "complaint":
        return f"complaint-{obj.get('against')}"
    if kind == "answer":
        return f"answer-{obj.get('complainant')}"
    return kind


_DUE_AT = {
    "announcement": ("keygen",),
    "commitment": ("commit",),
    "complaint": ("receive",),
    "answer": ("answer",),
    "confirmation": ("receive",),
    "decryption": ("decrypt",),
    "mix": ("shuffle",),
    "mix-decryption": ("decrypt",),
}
# Kinds a trustee sends once, at the count; a second copy is refused, not replaced.
_ONCE = ("decryption", "mix", "mix-decryption")


def _family(kind: str) -> str:
    """announcement, …, decryption, mix or mix-decryption (the kind without its -L or -K)."""
    if kind.startswith("mix-decryption-"):
        return "mix-decryption"
    return kind.split("-")[0]


def accept_trustee_file(trustee: Trustee, data: bytes, filename: str) -> str:
    """Check and keep a trustee's signed message; return its kind (``ValidationError`` if not)."""
    try:
        obj = files.parse_file(data, filename, _FORMATS)
    except InputFileError as exc:
        raise refuse(str(exc)) from None
    with transaction.atomic():
        election = locked(trustee.election)
        kind = _kind(election, obj["format"], obj)
        family = _family(kind)
        trustee = Trustee.objects.select_related("election").get(pk=trustee.pk)
        due = trustee_step(trustee)
        if family in _ONCE and trustee.files.filter(kind=kind).exists():
            raise refuse(
                _("%(file)s was refused: you have sent this %(kind)s already.")
                % {"file": filename, "kind": family}
            )
        if family == "mix" and due in ("wait-shuffle", "shuffled"):
            # The refusal says whose turn it is, or that this trustee has shuffled everything.
            due = "shuffle"
        if due not in _DUE_AT[family]:
            raise refuse(_("This is not the file due now (%(kind)s).") % {"kind": family})
        if obj.get("trustee") != trustee.index:
            raise refuse(
                _("This file is trustee %(found)s's; this page is trustee %(i)d's.")
                % {"found": obj.get("trustee"), "i": trustee.index}
            )
        try:
            if family in ("mix", "mix-decryption"):
                kept = mixing.accept(election, trustee.index, kind, obj)
            else:
                _check(election, trustee, kind, obj)
                kept = obj
        except (TellersError, KeyError, TypeError, AttributeError, ValueError) as exc:
            raise refuse(
                _("%(file)s was refused: %(problem)s") % {"file": filename, "problem": exc}
            ) from None
        if kind == "confirmation":
            TrusteeFile.objects.filter(trustee=trustee, kind=kind).delete()
        TrusteeFile.objects.create(trustee=trustee, kind=kind, body=json.dumps(kept))
        log(election, None, f"trustee-{family}", trustee=trustee.index, **_detail(obj))
        if kind == "confirmation":
            _finish_ceremony(election)
        elif family in ("decryption", "mix-decryption"):
            count.maybe_declare(election)
    return kind


def _detail(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: obj[k] for k in ("against", "problem", "complainant", "contest") if k in obj}


def _check(election: Election, trustee: Trustee, kind: str, obj: dict[str, Any]) -> None:
    """The message checks as ``tellers.ceremony`` will check it in the record."""
    if kind == "decryption":
        count.accept_decryption(election, trustee.index, obj)
        return
    manifest = manifest_of(election)
    digest = manifest_hash(manifest)
    files.check_header(obj, manifest.election_id, digest, "file")
    ceremony = ceremony_so_far(election)
    i = trustee.index
    if kind == "announcement":
        announcement = files.announcement_from_json(obj)
        check_announcement(announcement)
        for other in ceremony.announcements:
            mine = {announcement.signing_key, announcement.ceremony_key}
            if mine & {other.signing_key, other.ceremony_key}:
                raise EncodingError("announcement", f"a key trustee {other.trustee} announced too")
        return
    announcements = ceremony.announcements
    t1 = keys_transcript(digest, announcements)
    if kind == "commitment":
        message = files.commitment_from_json(obj)
        check_commitment_message(digest, announcements, t1, message, manifest.quorum)
    elif kind.startswith("complaint"):
        complaint = files.complaint_from_json(obj)
        check_signed_by(announcements, i, obj, "complaint")
        if complaint.keys != t1 or not 1 <= complaint.against <= manifest.trustees:
            raise EncodingError("complaint", "made for other keys, or against no trustee")
        if complaint.against == i:
            raise EncodingError("complaint.against", "a trustee cannot complain against itself")
    elif kind.startswith("answer"):
        answer = files.answer_from_json(obj)
        check_signed_by(announcements, i, obj, "answer")
        if (answer.complainant, i) not in _pending(election, ceremony):
            raise EncodingError("answer.complainant", "no complaint of that trustee awaits you")
    elif kind == "confirmation":
        outcome = _outcome(election, ceremony)
        if outcome is None:
            raise EncodingError("confirmation", "the commitments are not all in")
        check_confirmation(outcome, announcements, files.confirmation_from_json(obj))


def _finish_ceremony(election: Election) -> None:
    """With every qualified trustee confirming the current transcript: the key is fixed."""
    ceremony = ceremony_so_far(election)
    manifest = manifest_of(election)
    if _pending(election, ceremony):
        return
    outcome = _outcome(election, ceremony)
    if outcome is None:
        return
    current = tuple(c for c in ceremony.confirmations if c.transcript == outcome.transcript)
    if [c.trustee for c in current] != list(outcome.qualified):
        return
    final = replace(ceremony, confirmations=current)
    stale = [c.trustee for c in ceremony.confirmations if c not in current]
    TrusteeFile.objects.filter(
        trustee__election=election, trustee__index__in=stale, kind="confirmation"
    ).delete()
    election.ceremony = files.ceremony_to_json(final)
    election.election_key = outcome.joint_key.hex()
    election.save(update_fields=["ceremony", "election_key"])
    seal_setup(election)
    log(
        election,
        None,
        "ceremony-complete",
        election_key=election.election_key,
        qualified=list(outcome.qualified),
        disqualified=outcome.disqualified,
        quorum=manifest.quorum,
    )


def close_answers(election: Election, actor: Any) -> None:
    """Let the ceremony go on without an awaited answer: the silent accused is disqualified."""
    with transaction.atomic():
        e = locked(election)
        if e.election_key or not _pending(e, ceremony_so_far(e)):
            raise refuse(_("No complaint is waiting for an answer."))
        e.answers_closed_at = steps.now()
        e.save(update_fields=["answers_closed_at"])
        log(e, actor, "ceremony-answers-closed")


def restart_ceremony(election: Election, actor: Any) -> None:
    """Start the key ceremony again (e.g. too few trustees remain qualified): every file goes."""
    with transaction.atomic():
        e = locked(election)
        if e.status != S.DRAFT or e.election_key:
            raise refuse(_("The key ceremony is complete: the key cannot change now."))
        TrusteeFile.objects.filter(trustee__election=e).delete()
        e.answers_closed_at = None
        e.save(update_fields=["answers_closed_at"])
        log(e, actor, "ceremony-restarted")
