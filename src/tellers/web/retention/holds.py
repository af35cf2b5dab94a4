"""Setting and lifting a legal hold: the scrutineer's, with a reason, logged (officers.md).

Each change is an ``AuditLog`` row too, so the scrutineer's log shows it
beside the election's other steps; the ``LegalHold`` row outlives the log
(the purge deletes the log, never the holds).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tellers.web.retention.models import LegalHold
from tellers.web.store import steps
from tellers.web.store.models import Election
from tellers.web.store.steps import locked, log, refuse

__all__ = ["active_holds", "lift_hold", "set_hold"]

MAX_REASON = 2000


def _reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason:
        raise refuse(_("Give the reason: the complaint or request the hold is for."))
    if len(reason) > MAX_REASON:
        raise refuse(_("Keep the reason under %(n)d characters.") % {"n": MAX_REASON})
    return reason


def active_holds(election: Election) -> list[LegalHold]:
    return list(LegalHold.objects.filter(election=election, lifted_at__isnull=True))


def set_hold(election: Election, actor: Any, reason: str) -> LegalHold:
    text = _reason(reason)
    with transaction.atomic():
        locked(election)  # after a purge in progress, never beside it
        hold = LegalHold.objects.create(
            election=election, reason=text, set_at=steps.now(), set_by=actor
        )
        log(election, actor, "legal-hold-set", hold=hold.pk, reason=text)
    return hold


def lift_hold(election: Election, actor: Any, hold_id: int, reason: str) -> LegalHold:
    text = _reason(reason)
    with transaction.atomic():
        hold = (
            LegalHold.objects.select_for_update()
            .filter(election=election, pk=hold_id, lifted_at__isnull=True)
            .first()
        )
        if hold is None:
            raise refuse(_("That hold is not set on this election."))
        hold.lifted_at, hold.lifted_by, hold.lift_reason = steps.now(), actor, text
        hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        log(election, actor, "legal-hold-lifted", hold=hold.pk, reason=text)
    return hold
