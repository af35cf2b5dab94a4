"""Legal holds and purges: the custody of an election's data, kept for ever (retention.py).

A ``LegalHold`` is set by the scrutineer with a reason (a complaint to the
Certification Officer, say) and lifted by the scrutineer with another; while
any hold of an election is not lifted, nothing of it is purged. A
``PurgeRecord`` says when an election's due data was deleted and how much.
Neither holds anything personal but the staff account that acted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tellers.web.store.models import Election

__all__ = ["LegalHold", "PurgeRecord"]


class LegalHold(models.Model):
    """A hold on an election's data, from ``set_at`` until ``lifted_at`` (None: still set)."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    set_at = models.DateTimeField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lift_reason = models.TextField(_("reason for lifting"), blank=True)

    class Meta:
        ordering = ("set_at", "id")


class PurgeRecord(models.Model):
    """An election's due data deleted: when, as of which clock, and the counts by kind."""

    election = models.OneToOneField(Election, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    due_on = models.DateTimeField()
    counts = models.JSONField(default=dict)
