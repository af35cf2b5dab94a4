"""Importing a roll file as the officer's page does: streamed, checked, then saved whole.

Three passes over the uploaded file, which Django has already put on disk (its
temporary-file upload handler), so no pass holds the file in memory:

1. its SHA-256, for the audit log (the scrutineer can tell which file was used);
2. ``roll_checks.check_roll``, writing its progress to the ``RollImport`` row
   every ten thousand members (committed at once, so the progress page sees it);
3. if nothing blocks, in one transaction: the old roll deleted, the entitled
   members written in batches, the report kept and ``roll-imported`` logged.
   Nothing is half-imported.

A roll whose checks warn is imported, but credentials are not taken (and the
mailing roll is not given out) until the officer acknowledges the warnings
(``require_acknowledged``), so no finding goes by unseen (REQUIREMENTS.md 22).
"""

from __future__ import annotations

import hashlib
import io
import secrets
import time
from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from tellers.election.roll_checks import (
    GROUNDS,
    RollReport,
    RollRules,
    check_roll,
    entitled_members,
    parse_date,
    report_from_json,
    report_to_json,
)
from tellers.errors import RollError
from tellers.web.rollcheck.models import RollImport
from tellers.web.store.models import Election, Member
from tellers.web.store.steps import S, locked, log, manifest_of, now, refuse

__all__ = [
    "BATCH",
    "acknowledge",
    "current",
    "import_roll_file",
    "manifest_relevant_date",
    "needs_acknowledging",
    "report_of",
    "require_acknowledged",
    "rules_from_json",
    "rules_to_json",
]

BATCH = 5000
PHONE = Member._meta.get_field("phone").max_length or 0
"""Members per INSERT: large enough to be quick, small enough to stream."""
PROGRESS_EVERY = 10_000


def manifest_relevant_date(election: Election) -> date | None:
    """The manifest's ``relevant_date``, where the manifest gives one."""
    given = (election.manifest or {}).get("relevant_date")
    return parse_date(str(given)) if given else None


def rules_to_json(rules: RollRules) -> dict[str, Any]:
    return {
        "relevant_date": rules.relevant_date.isoformat() if rules.relevant_date else None,
        "address_limit": rules.address_limit,
        "employer_domains": sorted(rules.employer_domains),
        "grounds": sorted(rules.grounds),
    }


def rules_from_json(obj: dict[str, Any]) -> RollRules:
    when = obj.get("relevant_date")
    return RollRules(
        relevant_date=date.fromisoformat(when) if when else None,
        address_limit=int(obj.get("address_limit", 10)),
        employer_domains=frozenset(obj.get("employer_domains", ())),
        grounds=frozenset(obj.get("grounds", GROUNDS)),
    )


def _sha256(handle: IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    handle.seek(0)
    while chunk := handle.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    handle.seek(0)
    return digest.hexdigest(), size


def _lines(handle: IO[bytes], filename: str) -> Iterator[str]:
    """The file's text lines, read as they come; refuses bytes that are not UTF-8."""
    handle.seek(0)
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    try:
        yield from text
    except UnicodeDecodeError:
        raise refuse(_("%(file)s is not UTF-8 text.") % {"file": filename}) from None
    finally:
        text.detach()  # the upload's own file stays open for the next pass


def import_roll_file(
    election: Election,
    handle: IO[bytes],
    filename: str,
    rules: RollRules,
    actor: Any,
    token: str | None = None,
    *,
    timings: dict[str, float] | None = None,
) -> RollImport:
    """Check and import the roll in ``handle`` (binary, seekable); the ``RollImport`` row.

    Refused (``ValidationError`` listing every blocking fault by file and line) when
    anything blocks; the row is kept either way, with its report. ``timings``, if given,
    gets each pass's seconds (``hash``, ``check``, ``save``), for the benchmark.
    """
    clock = time.perf_counter()
    spent = timings if timings is not None else {}

    def lap(phase: str) -> None:
        nonlocal clock
        spent[phase] = time.perf_counter() - clock
        clock = time.perf_counter()

    if election.status != S.DRAFT or election.credentials.exists():
        raise refuse(_("The roll is frozen: credentials have been generated."))
    sha256, size = _sha256(handle)
    lap("hash")
    row = RollImport.objects.create(
        election=election,
        token=token or secrets.token_urlsafe(16),
        filename=filename[:255],
        sha256=sha256,
        size=size,
        rules=rules_to_json(rules),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )

    def progress(rows: int) -> None:
        RollImport.objects.filter(pk=row.pk).update(rows_read=rows, bytes_read=handle.tell())

    constituencies = manifest_of(election).constituencies
    try:
        report = check_roll(
            _lines(handle, filename), filename, constituencies, rules, progress, PROGRESS_EVERY
        )
    except RollError as exc:  # the header, or CSV that cannot be read on
        _finish(row, RollImport.Phase.REFUSED, None, [str(exc)])
        raise ValidationError([str(exc)]) from None
    except ValidationError as exc:
        _finish(row, RollImport.Phase.REFUSED, None, exc.messages)
        raise
    lap("check")
    if report.blocked:
        _finish(row, RollImport.Phase.REFUSED, report)
        log(election, actor, "roll-refused", file=filename, sha256=sha256, **_summary(report))
        raise ValidationError(report.problems())
    RollImport.objects.filter(pk=row.pk).update(
        phase=RollImport.Phase.SAVING, rows_read=report.rows, bytes_read=size
    )
    with transaction.atomic():
        e = locked(election)
        if e.status != S.DRAFT or e.credentials.exists():
            raise refuse(_("The roll is frozen: credentials have been generated."))
        e.members.all().delete()
        members = _save(e, entitled_members(_lines(handle, filename), filename, rules))
        _finish(row, RollImport.Phase.IMPORTED, report, members=members)
        log(e, actor, "roll-imported", file=filename, members=members, sha256=sha256,
            **_summary(report))  # fmt: skip
    lap("save")
    row.refresh_from_db()
    return row


def _save(election: Election, members: Iterable[tuple[Any, tuple[str, str, str, str]]]) -> int:
    """Insert the members as plain rows: a million ``Member`` objects through ``bulk_create``
    took most of the import's time, for nothing the model adds here (its one default, the
    mailing reference, is made as the model makes it). PostgreSQL takes them by ``COPY``,
    SQLite by batched ``executemany``; both inside the caller's transaction."""
    fields = ("election", "member_number", "constituency", "name", "email", "postal_address",
              "phone", "reference")  # fmt: skip
    quote = connection.ops.quote_name
    table = quote(Member._meta.db_table)
    columns = ", ".join(quote(Member._meta.get_field(f).column) for f in fields)
    rows = (
        # The reference as store.models._reference makes it.
        (
            election.pk,
            m.member_id,
            m.constituency,
            name[:200],
            email,
            address,
            phone[:PHONE],
            secrets.token_hex(8),
        )
        for m, (name, email, address, phone) in members
    )
    saved = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    saved += 1
            return saved
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                cursor.executemany(sql, batch)
                saved += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
    return saved + len(batch)


def _summary(report: RollReport) -> dict[str, Any]:
    """What the audit log keeps of a report: the counts, never a member's details."""
    return {
        "rows": report.rows,
        "entitled": report.entitled,
        "relevant_date": report.relevant_date.isoformat() if report.relevant_date else None,
        "findings": {f.check: f.count for f in report.findings},
        "exclusions": dict(report.exclusions),
        "unreadable_rows": report.error_count,
    }


def _finish(
    row: RollImport,
    phase: Any,  # a RollImport.Phase
    report: RollReport | None,
    errors: list[str] | None = None,
    members: int = 0,
) -> None:
    stored = report_to_json(report) if report is not None else None
    if stored is None and errors:
        stored = {"path": row.filename, "rows": 0, "entitled": 0, "relevant_date": None,
                  "findings": [], "exclusions": [], "errors": errors[:100],
                  "error_count": len(errors)}  # fmt: skip
    RollImport.objects.filter(pk=row.pk).update(
        phase=phase, report=stored, members=members, finished_at=now()
    )


def report_of(row: RollImport) -> RollReport | None:
    return report_from_json(row.report) if row.report else None


def current(election: Election) -> RollImport | None:
    """The upload the roll now comes from (the last one imported), if any."""
    return election.roll_imports.filter(phase=RollImport.Phase.IMPORTED).first()


def acknowledge(row: RollImport, actor: Any) -> None:
    """The officer has read the warnings of the roll now in use (logged, with their counts)."""
    with transaction.atomic():
        e = locked(row.election)
        if current(e) != row:
            raise refuse(_("That is not the roll now in use: look at the latest report."))
        if row.acknowledged_at is not None:
            return
        row.acknowledged_at = now()
        row.acknowledged_by = actor if getattr(actor, "is_authenticated", False) else None
        row.save(update_fields=["acknowledged_at", "acknowledged_by"])
        report = report_of(row)
        warnings = {f.check: f.count for f in report.warnings} if report else {}
        log(e, actor, "roll-warnings-acknowledged", file=row.filename, sha256=row.sha256,
            warnings=warnings)  # fmt: skip


def _unacknowledged(election: Election) -> RollReport | None:
    """The report of the roll in use, if it has warnings not yet acknowledged."""
    row = current(election)
    if row is None or row.acknowledged_at is not None:
        return None
    report = report_of(row)
    return report if report is not None and report.warnings else None


def needs_acknowledging(election: Election) -> bool:
    """Whether the roll in use has warnings the officer has not acknowledged."""
    return _unacknowledged(election) is not None


def require_acknowledged(election: Election) -> None:
    """Refuse (``ValidationError``) while the roll's warnings are unacknowledged."""
    report = _unacknowledged(election)
    if report is not None:
        raise refuse(
            _(
                "The roll's checks found %(n)d kinds of problem that the officer has not yet "
                "acknowledged: no credentials until the officer has read the check report."
            )
            % {"n": len(report.warnings)}
        )
