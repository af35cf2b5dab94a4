"""Importing the delivery files, and the figures from them (officers.md, "Bounces").

``import_file`` takes a ``sent.csv`` or ``failures.csv`` the scrutineer
uploads: every line is checked (``tellers.delivery.files``) and its reference
must be a member of this election's roll; one bad line refuses the whole file,
naming the line. ``counts`` gives the figures by channel and reason, for the
officer's and scrutineer's pages and for the s.52 logs (``logs_delivery``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from tellers.delivery.files import SENT, DeliveryCounts, read_delivery_lines, tabulate
from tellers.errors import InputFileError
from tellers.web.delivery.models import DeliveryRecord
from tellers.web.store.models import Election, Member
from tellers.web.store.steps import log, refuse

__all__ = ["Imported", "counts_for", "import_file", "logs_delivery"]

MAX_LINES = 5_000_000
"""More than one line per channel for the largest roll there is."""


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import added: lines read, and those new (a line imported before is kept once)."""

    lines: int
    added: int


def import_file(election: Election, data: bytes, filename: str, actor: Any) -> Imported:
    """Record a delivery file against the members; ``ValidationError`` naming the bad line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise refuse(_("%(file)s: expected UTF-8 text") % {"file": filename}) from None
    members = dict(
        Member.objects.filter(election=election).values_list("reference", "id").iterator()
    )
    rows = []
    try:
        for n, line in enumerate(read_delivery_lines(io.StringIO(text, newline=""), filename)):
            if n >= MAX_LINES:
                raise InputFileError(filename, line.line, f"more than {MAX_LINES:,} lines")
            member = members.get(line.reference)
            if member is None:
                raise InputFileError(
                    filename, line.line,
                    f"reference: expected a member of this election's roll, found "
                    f"{line.reference!r}",
                )  # fmt: skip
            rows.append(
                DeliveryRecord(
                    election=election,
                    member_id=member,
                    channel=line.channel,
                    day=line.day,
                    outcome=line.outcome,
                )
            )
    except InputFileError as exc:
        raise refuse(_("Refused, nothing imported: %(problem)s") % {"problem": exc}) from None
    with transaction.atomic():
        before = DeliveryRecord.objects.filter(election=election).count()
        DeliveryRecord.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
        added = DeliveryRecord.objects.filter(election=election).count() - before
        # The log says how much came in, not about whom.
        log(election, actor, "delivery-imported", file=filename, lines=len(rows), added=added)
    return Imported(len(rows), added)


def counts_for(election: Election) -> DeliveryCounts:
    """Codes sent by channel, failures by channel and reason, members with a failure."""
    rows = DeliveryRecord.objects.filter(election=election)
    sent: dict[str, int] = {}
    failed: dict[tuple[str, str], int] = {}
    for channel, outcome, n in (
        rows.values_list("channel", "outcome").annotate(n=Count("id")).order_by()
    ):
        if outcome == SENT:
            sent[channel] = n
        else:
            failed[channel, outcome] = n
    members = rows.exclude(outcome=SENT).values("member_id").distinct().count()
    return tabulate(sent, failed, members)


def logs_delivery(election: Election) -> dict[str, int]:
    """The ``delivery`` object of the s.52 logs file (``tellers-logs/v1``, reports.md §4)."""
    return counts_for(election).to_logs()
