"""One row per roll upload: its file, its progress, its check report and who acknowledged it.

Kept for every upload, refused ones too, so the scrutineer sees each roll the officer
tried and what its checks said (docs/security.md, the officer and the roll).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tellers.web.store.models import Election

__all__ = ["RollImport"]


class RollImport(models.Model):
    """A roll file uploaded for an election, from its first byte read to its outcome."""

    class Phase(models.TextChoices):
        CHECKING = "checking", _("Reading and checking")
        SAVING = "saving", _("Saving the members")
        REFUSED = "refused", _("Refused")
        IMPORTED = "imported", _("Imported")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="roll_imports")
    token = models.CharField(max_length=64, unique=True)
    """The upload's random id, from the form: what the progress indicator asks after."""
    filename = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("bytes"), default=0)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.CHECKING)
    rows_read = models.PositiveBigIntegerField(default=0)
    bytes_read = models.PositiveBigIntegerField(default=0)
    rules = models.JSONField(_("check settings"), default=dict)
    report = models.JSONField(_("check report"), null=True, blank=True)
    """``roll_checks.report_to_json`` of the pass over the file."""
    members = models.PositiveBigIntegerField(_("members imported"), default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("warnings acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-started_at", "-pk")

    def __str__(self) -> str:
        return f"{self.filename} ({self.phase})"
