"""The postal channel on the site's board, on the core's rules (postal.md §4–§6).

The scrutineer uploads what the print authority and the opening house sign
off the site: the paper list (its signed statement and ``papers.jsonl``),
voids and replacements, the returns, and after the close the audit of the
unused papers. Each becomes the board event ``tellers.board.Board`` would
append for it, decided by the same ``PaperLedger`` (``tellers.postal.ledger``)
under the board's head lock, through ``board._append``, so the exported record
verifies exactly as a file board's.

The list is kept as ``Paper`` rows (papers.jsonl is their lines, rewritten
byte for byte at export); ``PaperEvent`` indexes the events that name a paper,
so the ledger is rebuilt from the rows and the index, never from the returns'
bodies. A counted return becomes its holder's ``CountedBallot``, channel
``postal``, which the online ``cast`` then weighs by the manifest's precedence.
A return's expensive checks (signature, vectors, proofs) run before the lock.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tellers.board import Receipt
from tellers.board_rules import read_submission
from tellers.errors import BallotRejected, EncodingError, RecordError, TellersError
from tellers.postal.ledger import POSTAL_REASONS, PaperLedger
from tellers.postal.messages import (
    REPLACEMENT,
    VOID,
    PaperEntry,
    paper_line,
    papers_hash,
    read_papers,
)
from tellers.postal.returns import ReturnCheck, check_return
from tellers.web.store import steps
from tellers.web.store.board import (
    _append,
    _locked_head,
    _now,
    _receipt,
    _require_open,
    append_event,
    context_for,
)
from tellers.web.store.models import BoardEvent, BoardHead, CredentialRecord, Election, Paper
from tellers.web.store.models import PaperEvent as Indexed
from tellers.web.store.steps import S, locked, log, manifest_of, refuse

__all__ = [
    "REASON_TEXT",
    "ReturnsSummary",
    "accept_paper_list",
    "audit_papers",
    "ledger_for",
    "paper_messages",
    "papers_to_audit",
    "publish_paper_list",
    "record_returns",
    "replace_paper",
    "return_paper",
    "save_upload",
    "void_or_replace",
    "void_paper",
    "write_paper_list",
]

REASON_TEXT = {
    "malformed": gettext_lazy("the return could not be read"),
    "wrong-election": gettext_lazy("the return is for another election"),
    "bad-signature": gettext_lazy("the opening house's signature does not verify"),
    "unknown-paper": gettext_lazy("no paper with this number was issued"),
    "not-entitled": gettext_lazy("the questions on the return are not the paper's"),
    "bad-vector": gettext_lazy("a mark recorded is not one the paper was printed with"),
    "bad-proof": gettext_lazy("a proof in the return does not verify"),
    "voided": gettext_lazy("the paper was voided (replaced, lost or spoilt) before it came back"),
    "replay": gettext_lazy("this paper had already come back"),
    "spoilt": gettext_lazy("the paper came back spoilt: no valid mark"),
    "audit": gettext_lazy("the paper was sent back unused, to be checked (audited)"),
    "online-counts": gettext_lazy("the member's online ballot counts instead"),
    "first-counts": gettext_lazy("the member's first ballot counts instead"),
}
"""POSTAL_REASONS in the words of the site's pages (a test keeps the keys the same)."""

_RETURNS = ("paper-accepted", "paper-refused")


def _on_board(election: Election, using: str) -> bool:
    events = BoardEvent.objects.using(using).filter(election_id=election.pk, type="papers-issued")
    return bool(events.exists())


def _entries(election: Election, using: str, *, listed: bool = False) -> Iterator[PaperEntry]:
    rows = Paper.objects.using(using).filter(election_id=election.pk)
    if listed:
        rows = rows.filter(replaces__isnull=True)
    fields = ("number", "credential", "confirmation", "replaces")
    for number, credential, conf, replaces in (
        rows.order_by("number").values_list(*fields).iterator(chunk_size=5000)
    ):
        yield PaperEntry(number, bytes.fromhex(credential), bytes.fromhex(conf), replaces)


def _lines(entries: Iterable[PaperEntry]) -> Iterator[bytes]:
    for entry in entries:
        yield paper_line(PaperEntry(entry.number, entry.credential, entry.confirmation)) + b"\n"


def ledger_for(election: Election, *, using: str = "default") -> PaperLedger:
    """The board's paper ledger as it stands (call it under the head lock to act on it):
    the papers from their rows, the voids, returns and marks from the index.
    ``BallotRejected`` when the election has no postal channel or no list on the board."""
    context = context_for(election)
    if context.manifest.postal is None:
        raise BallotRejected("not-postal", _("This ballot has no postal channel."))
    statement = election.paper_list
    if statement is None or not _on_board(election, using):
        raise BallotRejected("out-of-order", _("No paper list is on the board."))
    ledger = PaperLedger(context.manifest, context.fingerprint)
    ledger.statement = statement
    ledger.print_authority = bytes.fromhex(statement["print_authority"]["signing_key"])
    ledger.opening_house = bytes.fromhex(statement["opening_house"]["signing_key"])
    ledger.papers = {e.number: e for e in _entries(election, using)}
    ledger.replaced = {e.replaces for e in ledger.papers.values() if e.replaces is not None}
    index = Indexed.objects.using(using).filter(election_id=election.pk)
    for number, kind, reason, marks in index.values_list("number", "type", "reason", "marks"):
        if kind == "paper-voided":
            ledger.voided.add(number)
        elif kind in _RETURNS:
            ledger.record_return(number, reason or None, marks)
    return ledger


def _index(election: Election, event: BoardEvent, number: int | None, **more: Any) -> None:
    if number is not None:
        Indexed.objects.create(
            election_id=election.pk, number=number, seq=event.seq, type=event.type, **more
        )


# The list --------------------------------------------------------------------------------


def _statement(data: bytes, filename: str) -> dict[str, Any]:
    try:
        statement = read_submission(data, filename)
    except EncodingError as exc:
        raise refuse(
            _("%(file)s is not JSON: %(problem)s") % {"file": filename, "problem": exc.problem}
        ) from None
    if not isinstance(statement, dict):
        raise refuse(_("%(file)s is not a signed statement.") % {"file": filename})
    return statement


def accept_paper_list(
    election: Election, statement_data: bytes, papers: Path, actor: Any, filename: str = ""
) -> int:
    """Take the print authority's list: its signed statement (``statement_data``) of the file
    ``papers`` (papers.jsonl). Before the opening (the list goes on the board with it; a new
    upload replaces the old), or once open while the board holds only ``election-opened``
    (on the board now). Returns the number of papers; ``ValidationError`` says what is wrong.
    """
    statement = _statement(statement_data, filename or "statement")
    try:
        entries = list(read_papers(papers))
    except RecordError as exc:
        raise refuse(_("papers.jsonl was refused: %(problem)s") % {"problem": exc}) from None
    digest = papers_hash(papers)
    with transaction.atomic():
        e = locked(election)
        manifest = manifest_of(e)
        if manifest.postal is None:
            raise refuse(_("This ballot has no postal channel."))
        if not e.fingerprint:
            raise refuse(_("The paper list comes once the key ceremony and credentials are done."))
        if e.status not in (S.DRAFT, S.OPEN) or _on_board(e, "default"):
            raise refuse(_("The paper list is taken before voting starts, and only once."))
        length = BoardHead.objects.filter(election=e).values_list("length", flat=True).first()
        if e.status == S.OPEN and length != 1:
            raise refuse(_("Ballots are already on the board: the paper list comes before them."))
        ledger = PaperLedger(manifest, bytes.fromhex(e.fingerprint))
        try:
            ledger.take_list(statement, entries, digest)
        except (ValueError, TellersError) as exc:
            raise refuse(_("The paper list was refused: %(problem)s") % {"problem": exc}) from None
        listed = set(e.credentials.values_list("public_credential", flat=True))
        holders: set[bytes] = set()
        for entry in entries:
            if entry.credential.hex() not in listed or entry.credential in holders:
                raise refuse(
                    _("Paper %(n)d: its credential is not on the list, or has another paper.")
                    % {"n": entry.number}
                )
            holders.add(entry.credential)
        Paper.objects.filter(election=e).delete()
        Paper.objects.bulk_create(
            (
                Paper(
                    election=e,
                    number=entry.number,
                    credential=entry.credential.hex(),
                    confirmation=entry.confirmation.hex(),
                )
                for entry in entries
            ),
            batch_size=5000,
        )
        e.paper_list = statement
        e.save(update_fields=["paper_list"])
        if e.status == S.OPEN:
            publish_paper_list(e)
        log(e, actor, "paper-list-taken", papers=len(entries),
            print_authority=statement["print_authority"]["name"])  # fmt: skip
    return len(entries)


def publish_paper_list(election: Election, *, using: str = "default") -> BoardEvent | None:
    """``papers-issued`` right after ``election-opened`` (postal.md §5.1), if a list was taken;
    ``ValidationError`` if the list no longer describes this election (it is checked again)."""
    if election.paper_list is None:
        return None
    statement = election.paper_list

    def step(current: Election, head: Any) -> tuple[str, Any, str]:
        opened = BoardEvent.objects.using(using).filter(election_id=current.pk, seq=0).first()
        if head.length != 1 or opened is None or opened.type != "election-opened":
            raise refuse(_("The paper list goes on the board right after the opening."))
        ledger = PaperLedger(manifest_of(current), bytes.fromhex(current.fingerprint))
        entries = list(_entries(current, using, listed=True))
        digest = hashlib.sha256(b"".join(_lines(entries))).digest()
        try:
            ledger.take_list(statement, entries, digest)
        except (ValueError, TellersError) as exc:
            raise refuse(_("The paper list was refused: %(problem)s") % {"problem": exc}) from None
        at = read_submission(opened.body.encode(), "opened")["opened_at"]
        return "papers-issued", {"at": at, "statement": statement}, ""

    return _append(election, step, using)


def write_paper_list(election: Election, path: Path, *, using: str = "default") -> bytes:
    """Write the list's ``papers.jsonl`` (the record's, postal.md §4.1); its SHA-256."""
    digest = hashlib.sha256()
    with open(path, "wb") as handle:
        for line in _lines(_entries(election, using, listed=True)):
            digest.update(line)
            handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
    return digest.digest()


# Voids and replacements --------------------------------------------------------------------


def _board_time(current: Election) -> str:
    _require_open(current.status)
    return _now(current.opened_at, manifest_of(current))


def void_paper(
    election: Election, message: Any, actor: Any = None, *, using: str = "default"
) -> BoardEvent:
    """``paper-voided`` on the print authority's signed void; ``BallotRejected`` (nothing
    written) for a void the ledger refuses."""

    def step(current: Election, _: Any) -> tuple[str, Any, str]:
        at = _board_time(current)
        ledger_for(current, using=using).void(message)
        return "paper-voided", {"at": at, "message": message}, ""

    def after(event: BoardEvent) -> None:
        _index(election, event, message["number"])

    event = _append(election, step, using, after)
    log(election, actor, "paper-voided", number=message["number"], reason=message["reason"])
    return event


def replace_paper(
    election: Election, message: Any, actor: Any = None, *, using: str = "default"
) -> BoardEvent:
    """``paper-issued``: the next paper of the series in place of a voided one."""

    def step(current: Election, _: Any) -> tuple[str, Any, str]:
        at = _board_time(current)
        ledger_for(current, using=using).replace(message, at)
        return "paper-issued", {"at": at, "message": message}, ""

    def after(event: BoardEvent) -> None:
        Paper.objects.using(using).create(
            election_id=election.pk,
            number=message["number"],
            credential=message["credential"],
            confirmation=message["confirmation"],
            replaces=message["replaces"],
        )
        _index(election, event, message["replaces"])

    event = _append(election, step, using, after)
    log(election, actor, "paper-replaced", number=message["number"], replaces=message["replaces"])
    return event


def paper_messages(data: bytes, filename: str) -> list[Any]:
    """The signed messages of a file: one JSON object, or JSON Lines of them."""
    try:
        whole = read_submission(data, filename)
    except EncodingError:
        whole = None
    if isinstance(whole, dict):
        return [whole]
    found = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            found.append(read_submission(line, f"{filename}:{number}"))
        except EncodingError as exc:
            where = f"{filename}:{number}"
            raise refuse(
                _("%(where)s is not JSON: %(problem)s") % {"where": where, "problem": exc.problem}
            ) from None
    return found


def void_or_replace(election: Election, messages: Sequence[Any], actor: Any) -> list[str]:
    """Apply voids and replacements in order; what each did, in plain words. Stops at the
    first refused (``ValidationError`` naming it, the ones before it kept)."""
    done = []
    for i, message in enumerate(messages, start=1):
        kind = message.get("format") if isinstance(message, dict) else None
        try:
            if kind == VOID:
                void_paper(election, message, actor)
                done.append(_("Paper %(n)d voided.") % {"n": message["number"]})
            elif kind == REPLACEMENT:
                replace_paper(election, message, actor)
                done.append(
                    _("Paper %(n)d issued in place of paper %(old)d.")
                    % {"n": message["number"], "old": message["replaces"]}
                )
            else:
                raise BallotRejected("malformed", _("not a void or a replacement"))
        except BallotRejected as exc:
            raise refuse(
                _("Message %(i)d was refused (%(reason)s): %(detail)s. %(done)s")
                % {"i": i, "reason": exc.reason, "detail": exc.detail, "done": " ".join(done)}
            ) from None
    return done


# Returns ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReturnsSummary:
    """What a file of returns became on the board."""

    recorded: int
    counted: int
    refused: dict[str, int]
    """Refusals by reason, in the order they first came."""
    stopped: str | None = None
    """Why the board stopped taking the file's returns part way (the voting time ended)."""


def _parsed(raw: bytes, where: str) -> tuple[Any, ReturnCheck | None]:
    try:
        return read_submission(raw, where), None
    except EncodingError as exc:
        return None, ReturnCheck("malformed", str(exc)[:500], None, None, None, (), ())


def _check(election: Election, obj: Any, entry: PaperEntry | None) -> ReturnCheck:
    context = context_for(election)
    statement = election.paper_list or {}
    opening = bytes.fromhex(statement["opening_house"]["signing_key"])
    constituency = None
    if entry is not None:
        found = CredentialRecord.objects.filter(
            election=election, public_credential=entry.credential.hex()
        ).values_list("constituency", flat=True)
        constituency = found.first()
    return check_return(
        context.manifest, context.fingerprint, context.election_key, obj, entry, constituency,
        opening,
    )  # fmt: skip


def _entry_of(election: Election, obj: Any, using: str) -> PaperEntry | None:
    number = obj.get("number") if isinstance(obj, dict) else None
    if type(number) is not int or number < 1:
        return None
    row = Paper.objects.using(using).filter(election_id=election.pk, number=number).first()
    if row is None:
        return None
    credential, conf = bytes.fromhex(row.credential), bytes.fromhex(row.confirmation)
    return PaperEntry(row.number, credential, conf, row.replaces)


def _record(
    election: Election, items: list[tuple[Any, ReturnCheck | None]], using: str
) -> tuple[list[BoardEvent], str | None]:
    """The returns' events, in order, under one hold of the head lock; the checks that need
    only the paper (``check_return``) made before it (again, for a paper issued since).
    Also the reason the board stopped part way (the voting time ended), or None."""
    if election.paper_list is None:
        raise BallotRejected("out-of-order", _("No paper list is on the board."))
    checked = []
    for obj, unreadable in items:
        entry = None if unreadable is not None else _entry_of(election, obj, using)
        checked.append((obj, entry, unreadable or _check(election, obj, entry)))
    events: list[BoardEvent] = []
    with transaction.atomic(using=using):
        _locked_head(election, using)  # held to the end: the ledger stays the board's
        ledger = ledger_for(election, using=using)
        for obj, entry, found in checked:
            if found.number is not None and ledger.holder(found.number) != entry:
                entry = ledger.holder(found.number)
                found = _check(election, obj, entry)
            try:
                events.append(_one_return(election, ledger, obj, entry, found, using))
            except BallotRejected as exc:  # the voting time ended: the rest is not taken
                return events, exc.detail
    return events, None


def _one_return(
    election: Election,
    ledger: PaperLedger,
    obj: Any,
    entry: PaperEntry | None,
    found: ReturnCheck,
    using: str,
) -> BoardEvent:
    """One return's event, as ``Board.return_paper`` makes it; the ledger and the indexes
    follow it under the same lock."""
    from tellers.web.voter.models import CountedBallot

    counted = CountedBallot.objects.using(using).filter(election_id=election.pk)
    credential = None if entry is None else entry.credential.hex()
    row = None if credential is None else counted.filter(credential=credential).first()
    reason, detail = ledger.board_reason(found, None if row is None else row.channel)
    trk = None if found.tracker is None else found.tracker.hex()
    kept = None if reason == "malformed" else obj

    def step(current: Election, _: Any) -> tuple[str, Any, str]:
        at = _board_time(current)
        if reason is not None:
            body = {"at": at, "detail": detail[:500] or POSTAL_REASONS[reason], "reason": reason,
                    "return": kept, "tracker": None if kept is None else trk}  # fmt: skip
            return "paper-refused", body, "" if kept is None else trk or ""
        body = {"at": at, "return": obj, "supersedes": None if row is None else row.tracker,
                "tracker": trk}  # fmt: skip
        return "paper-accepted", body, trk or ""

    def after(event: BoardEvent) -> None:
        marks = bool(found.contests)
        ledger.record_return(found.number, reason, marks)
        _index(election, event, found.number, reason=reason or "", marks=marks)
        if reason is not None:
            return
        if row is None:
            counted.create(election_id=election.pk, credential=credential, tracker=event.tracker,
                           seq=event.seq, channel="postal")  # fmt: skip
        else:
            counted.filter(pk=row.pk).update(tracker=event.tracker, seq=event.seq, channel="postal")

    return _append(election, step, using, after)


def _refusal(event: BoardEvent) -> str | None:
    """A return event's refusal reason (None when it was counted)."""
    if event.type != "paper-refused":
        return None
    return str(read_submission(event.body.encode(), "event")["reason"])


def _postal_and_open(election: Election) -> None:
    if manifest_of(election).postal is None:
        raise BallotRejected("not-postal", _("This ballot has no postal channel."))
    _require_open(election.status)


def return_paper(election: Election, raw: bytes, *, using: str = "default") -> Receipt:
    """Record one returned paper (the opening house's signed return, as JSON): counted, or
    refused with its reason (postal.md §5.4). ``BallotRejected`` outside the voting time."""
    _postal_and_open(election)
    events, stopped = _record(election, [_parsed(raw, "return")], using)
    if stopped is not None:
        raise BallotRejected("not-open", stopped)
    return _receipt(events[0])


def record_returns(
    election: Election, data: bytes, actor: Any, *, using: str = "default"
) -> ReturnsSummary:
    """Record a file of returns (JSON Lines, one signed return a line), each in order."""
    _postal_and_open(election)
    items = [
        _parsed(line, f"returns:{n}")
        for n, line in enumerate(data.splitlines(), start=1)
        if line.strip()
    ]
    events, stopped = _record(election, items, using)
    refused: Counter[str] = Counter()
    for event in events:
        reason = _refusal(event)
        if reason is not None:
            refused[reason] += 1
    summary = ReturnsSummary(
        len(events), sum(e.type == "paper-accepted" for e in events), dict(refused), stopped
    )
    log(election, actor, "returns-recorded", recorded=summary.recorded, counted=summary.counted,
        refused=summary.refused)  # fmt: skip
    return summary


# The audit, after the close ---------------------------------------------------------------


def audit_papers(
    election: Election, messages: Sequence[Any], actor: Any, *, using: str = "default"
) -> int:
    """``paper-audit`` for each of the print authority's signed messages (postal.md §6): after
    the close, before the tally. All or nothing; each paper they open must be one whose marks
    are not on the board, opened once. Returns the number of papers opened."""
    opened = 0
    with transaction.atomic(using=using):
        _locked_head(election, using)
        current = Election.objects.using(using).get(pk=election.pk)
        if current.status != S.CLOSED:
            raise refuse(_("Unused papers are audited after the close, before the tally."))
        try:
            ledger = ledger_for(current, using=using)
        except BallotRejected as exc:
            raise refuse(exc.detail) from None
        wanted = set(ledger.to_audit())
        done = set(
            Indexed.objects.using(using)
            .filter(election_id=election.pk, type="paper-audit")
            .values_list("number", flat=True)
        )
        at = _after_close(current, using)
        for i, message in enumerate(messages, start=1):
            problem = ledger.audit_problem(message)
            numbers = [] if problem else [p["number"] for p in message["papers"]]
            wrong = [n for n in numbers if n not in wanted or n in done]
            if problem is None and wrong:
                problem = _("paper %(n)d is not one still to audit") % {"n": wrong[0]}
            if problem is not None:
                raise refuse(
                    _("Audit message %(i)d was refused: %(problem)s") % {"i": i, "problem": problem}
                )
            done.update(numbers)
            event = append_event(
                current, "paper-audit", {"at": at, "message": message}, using=using
            )
            Indexed.objects.using(using).bulk_create(
                Indexed(election_id=election.pk, number=n, seq=event.seq, type=event.type)
                for n in numbers
            )
            opened += len(numbers)
        log(current, actor, "papers-audited", papers=opened)
    return opened


def papers_to_audit(election: Election, *, using: str = "default") -> int:
    """Papers whose marks are not on the board and whose seeds are not published yet: the
    tally waits for none to be left (postal.md §6)."""
    audited = (
        Indexed.objects.using(using)
        .filter(election_id=election.pk, type="paper-audit")
        .values_list("number", flat=True)
    )
    return len(set(ledger_for(election, using=using).to_audit()) - set(audited))


def _after_close(election: Election, using: str) -> str:
    """The board's time now, or the closing event's if the clock says earlier: no event
    after the close is stamped before it (record.md §5.5)."""
    now = steps.now().astimezone(UTC)
    closed = BoardEvent.objects.using(using).filter(election_id=election.pk, type="election-closed")
    text = closed.values_list("body", flat=True).first()
    if text is not None:
        closed_at = datetime.fromisoformat(read_submission(text.encode(), "closed")["closed_at"])
        now = max(now, closed_at)
    return now.isoformat(timespec="microseconds")


def save_upload(chunks: Iterable[bytes], directory: Path | None = None) -> Path:
    """An uploaded file written to a private temporary file (papers.jsonl is streamed from a
    file); the caller removes it."""
    fd, name = tempfile.mkstemp(prefix="tellers-papers-", dir=directory)
    with os.fdopen(fd, "wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
    return Path(name)
