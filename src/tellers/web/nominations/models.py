"""Nominations' state: one contest's log, line by line, and the photographs it pins
(docs/spec/nominations.md). The lines are the published file; everything else the pages
show is replayed from them by ``tellers.nominations``, so the database holds nothing the
log does not."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["NominationEvent", "NominationPhoto", "NominationsPeriod"]


class NominationsPeriod(models.Model):
    """The nominations for one contest (office) of an election, opened by the officer."""

    election_id = models.SlugField(_("election id"), max_length=64)
    """The manifest ``election_id`` the candidates are for; the election need not exist yet."""
    contest = models.SlugField(_("contest id"), max_length=64)
    office = models.CharField(_("office"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    closed = models.BooleanField(default=False)
    head = models.CharField(max_length=64, blank=True)
    """The hash of the log's last line."""

    class Meta:
        ordering = ("-created_at",)
        constraints = (
            models.UniqueConstraint(
                fields=["election_id", "contest"], name="nominations_one_log_per_contest"
            ),
        )

    def __str__(self) -> str:
        return f"{self.election_id}/{self.contest}"


class NominationEvent(models.Model):
    """One line of the log, exactly as published."""

    period = models.ForeignKey(NominationsPeriod, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    line = models.TextField()

    class Meta:
        ordering = ("seq",)
        constraints = (
            models.UniqueConstraint(fields=["period", "seq"], name="nominations_event_seq"),
        )


class NominationPhoto(models.Model):
    """A photograph an address carries, published beside the log under its SHA-256."""

    period = models.ForeignKey(NominationsPeriod, on_delete=models.CASCADE, related_name="photos")
    sha256 = models.CharField(max_length=64)
    media_type = models.CharField(max_length=32)
    data = models.BinaryField()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["period", "sha256"], name="nominations_photo_sha"),
        )
