"""The retention purge: an election's data due for deletion, deleted, unless held (retention.py).

An election's data kept ``ONE_YEAR`` falls due a calendar year after its
``result`` went on the board. ``plan`` says, for a clock, where each election
stands; ``purge`` deletes exactly what ``CLASSIFIED`` marks as due and
nothing else, refusing while a legal hold is set or before the date. The
public record — the rows ``export_record`` reads and the published ZIP — is
never touched, so the record exported after a purge is byte for byte the
one published, and still verifies.

Every table that refers to an election, a member or a trustee must be
classified here: a table added later and not classified stops the purge
(``unclassified``), so no new kind of personal data is kept for ever by
oversight, nor a public one deleted.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext as _

from tellers.retention import due_on
from tellers.web.retention.models import LegalHold, PurgeRecord
from tellers.web.store.models import BoardEvent, Election, Member, Trustee
from tellers.web.store.steps import locked, log, refuse

__all__ = [
    "CLASSIFIED",
    "SITE_LOGS",
    "Plan",
    "plan",
    "plan_all",
    "private_dir",
    "purge",
    "purge_site_logs",
    "unclassified",
]

DELETE, CLEAR, KEEP = "delete", "clear", "keep"
CLASSIFIED: dict[str, tuple[str, str]] = {
    # label: (the schedule's kind, what the purge does)
    "store.Election": ("public-record", KEEP),
    "store.BoardHead": ("public-record", KEEP),
    "store.BoardEvent": ("public-record", KEEP),
    "store.Paper": ("public-record", KEEP),
    "store.PaperEvent": ("public-record", KEEP),
    "store.TrusteeFile": ("public-record", KEEP),
    "voter.CountedBallot": ("public-record", KEEP),
    "store.CredentialRecord": ("bindings", CLEAR),  # the list stays; each factor_hash goes
    "store.Trustee": ("logs", CLEAR),  # the name stays (it is in the record); email and link go
    "store.Member": ("roll", DELETE),
    "rollcheck.RollImport": ("roll", DELETE),
    "delivery.DeliveryRecord": ("delivery", DELETE),
    "store.AuditLog": ("logs", DELETE),
    "store.TrusteeFactor": ("logs", DELETE),
    "voter.SignInAttempt": ("logs", DELETE),
    "voter.AnsweredChallenge": ("logs", DELETE),
    "voter.SubmissionCount": ("logs", DELETE),
    "reports.ScrutineerStatements": ("public-record", KEEP),  # printed in the s.52 report
    "retention.LegalHold": ("custody", KEEP),
    "retention.PurgeRecord": ("custody", KEEP),
}


def unclassified() -> list[str]:
    """Tables that refer to an election, a member or a trustee and are not in ``CLASSIFIED``."""
    owners = (Election, Member, Trustee)
    out = []
    for model in apps.get_models():
        refers = any(
            isinstance(f, models.ForeignKey) and f.related_model in owners
            for f in model._meta.get_fields()
        )
        label = model._meta.label
        if (refers or model in owners) and label not in CLASSIFIED:
            out.append(label)
    return sorted(out)


def private_dir(election: Election) -> Path:
    """Where any private file kept for an election belongs, so that the purge finds it."""
    return Path(settings.DATA_DIR) / "private" / election.slug


def _files(election: Election) -> list[Path]:
    data = Path(settings.DATA_DIR)
    # The record so far and the draft record (as publishing would make it) are superseded
    # by the published record, which is kept.
    records = data / "records"
    found = [
        records / f"{election.slug}-tally.zip",
        records / f"{election.slug}-draft.zip",
        records / f"{election.slug}-draft.json",
        private_dir(election),
    ]
    if election.slug == "demo":
        found.append(data / "demo-mailing.csv")
    return [p for p in found if p.exists()]


@dataclass(frozen=True, slots=True)
class Plan:
    """Where an election stands for the purge at ``now``."""

    election: Election
    state: str
    """``no-result`` (nothing falls due), ``kept`` (not yet due), ``held``, ``due``, ``purged``."""
    result_at: datetime | None
    due: datetime | None
    holds: tuple[LegalHold, ...]


def plan(election: Election, now: datetime) -> Plan:
    result_at = (
        BoardEvent.objects.filter(election=election, type="result")
        .values_list("recorded_at", flat=True)
        .first()
    )
    holds = tuple(LegalHold.objects.filter(election=election, lifted_at__isnull=True))
    if result_at is None:
        return Plan(election, "held" if holds else "no-result", None, None, holds)
    due = due_on(result_at)
    if PurgeRecord.objects.filter(election=election).exists():
        state = "purged"
    elif holds:
        state = "held"
    else:
        state = "due" if now >= due else "kept"
    return Plan(election, state, result_at, due, holds)


def plan_all(now: datetime) -> list[Plan]:
    return [plan(e, now) for e in Election.objects.order_by("slug")]


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except LookupError:
        return None  # an app not installed here


def _delete(label: str, **where: Any) -> int:
    model = _model(label)
    if model is None:
        return 0
    _, by_model = model._default_manager.filter(**where).delete()
    return by_model.get(label, 0)


def purge(election: Election, now: datetime, actor: Any = None) -> dict[str, int]:
    """Delete the election's due data; the counts by table. ``ValidationError`` if held, not
    due, or a table is unclassified. Purging a purged election again removes only files left."""
    missing = unclassified()
    if missing:
        raise refuse(
            _("The purge is refused: these tables are not in the retention schedule: %(t)s")
            % {"t": ", ".join(missing)}
        )
    counts: dict[str, int] = {}
    with transaction.atomic():
        e = locked(election)  # a hold being set waits for this, and this for it
        where = plan(e, now)
        if where.state == "held":
            reasons = "; ".join(h.reason for h in where.holds)
            raise refuse(
                _("The purge of %(slug)s is refused: a legal hold is set (%(reasons)s).")
                % {"slug": e.slug, "reasons": reasons}
            )
        if where.state in ("no-result", "kept"):
            raise refuse(
                _("Nothing of %(slug)s is due: %(when)s.")
                % {
                    "slug": e.slug,
                    "when": _("no result yet")
                    if where.due is None
                    else _("due on %(d)s") % {"d": where.due.isoformat()},
                }
            )
        if where.state == "due":
            assert where.due is not None
            counts["delivery.DeliveryRecord"] = _delete("delivery.DeliveryRecord", election=e)
            counts["rollcheck.RollImport"] = _delete("rollcheck.RollImport", election=e)
            counts["store.Member"] = _delete("store.Member", election=e)
            counts["store.CredentialRecord"] = e.credentials.exclude(factor_hash="").update(
                factor_hash=""
            )
            counts["store.TrusteeFactor"] = _delete("store.TrusteeFactor", trustee__election=e)
            cleared = 0
            for trustee in Trustee.objects.filter(election=e):
                # No link opens the page again: a hash no token has, and no address to send to.
                trustee.email = ""
                trustee.token_hash = "purged:" + secrets.token_hex(16)
                trustee.save(update_fields=["email", "token_hash"])
                cleared += 1
            counts["store.Trustee"] = cleared
            for label in ("voter.SignInAttempt", "voter.AnsweredChallenge",
                          "voter.SubmissionCount", "store.AuditLog"):  # fmt: skip
                counts[label] = _delete(label, election=e)
            PurgeRecord.objects.create(election=e, at=now, due_on=where.due, counts=counts)
            # Written after the log is deleted, so it stays: the purge's own entry.
            log(e, actor, "retention-purged", due_on=where.due.isoformat(), counts=counts)
    files = 0
    for path in _files(election):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
        files += 1
    counts["files"] = files
    return counts


SITE_LOGS: tuple[tuple[str, str, dict[str, object]], ...] = (
    ("store.AuditLog", "at", {"election__isnull": True}),
    ("axes.AccessAttempt", "attempt_time", {}),
    ("axes.AccessFailureLog", "attempt_time", {}),
    ("axes.AccessLog", "attempt_time", {}),
)
"""The logs of no one election (staff sign-ins with their addresses, site-wide steps such as
an authenticator removed): each row is kept a year from when it was made."""


def purge_site_logs(now: datetime, actor: Any = None) -> dict[str, int]:
    """Delete the site-wide log rows made more than a year before ``now``; ``ValidationError``
    while any election is under a legal hold (a complaint may turn on who signed in when)."""
    held = sorted(
        set(
            LegalHold.objects.filter(lifted_at__isnull=True).values_list(
                "election__slug", flat=True
            )
        )
    )
    if held:
        raise refuse(
            _("The site's logs are kept: a legal hold is set on %(slugs)s.")
            % {"slugs": ", ".join(held)}
        )
    # A calendar year back (from 29 February, the 28th): a row made then or before is due.
    try:
        cutoff = now.replace(year=now.year - 1)
    except ValueError:
        cutoff = now.replace(year=now.year - 1, day=28)
    counts: dict[str, int] = {}
    with transaction.atomic():
        for label, field, where in SITE_LOGS:
            if _model(label) is not None:
                counts[label] = _delete(label, **where, **{f"{field}__lte": cutoff})
        if any(counts.values()):
            log(None, actor, "retention-purged-site-logs", counts=counts)
    return counts
