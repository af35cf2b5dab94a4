"""What became of each member's code, recorded against the member (officers.md, "Bounces").

A row is one line of the credential authority's ``sent.csv`` or of a
``failures.csv`` (the relay's refusals, the mail house's returned post):
``tellers.delivery.files``. It names the member, never a code, and nothing
of any ballot; it is personal data, deleted with the roll by the retention
purge (``tellers.web.retention``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tellers.web.store.models import Election, Member

__all__ = ["DeliveryRecord"]


class DeliveryRecord(models.Model):
    """One code sent, or one that did not arrive, on one channel on one day."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=8)
    """``email``, ``sms`` or ``post`` (``tellers.delivery.files.CHANNELS``)."""
    day = models.DateField(_("date"))
    outcome = models.CharField(_("outcome"), max_length=32)
    """``sent``, or the failure's reason (``tellers.delivery.files.REASONS``)."""
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (
            # The same line imported twice is one delivery, not two.
            models.UniqueConstraint(
                fields=["member", "channel", "day", "outcome"], name="delivery_once"
            ),
        )
        indexes = (models.Index(fields=["election", "channel", "outcome"], name="delivery_counts"),)
