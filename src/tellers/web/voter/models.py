"""The voter app's own state: who counts on the board, and sign-in attempts.

``CountedBallot`` is an index the board store keeps under its lock: for
each credential, the tracker of its currently counted ballot (record.md
§5.2) and its channel (a ballot or a returned paper). It holds nothing the
board does not already say, so it can always be rebuilt from the board; it
makes the re-voting rule one indexed look-up per cast instead of a scan.
``SignInAttempt`` records failed sign-ins so that guessing is limited per
credential and per client; ``AnsweredChallenge`` the sign-in challenges
already answered, so that none is answered twice; ``SubmissionCount`` the
ballots and audits sent per credential and session in the current window,
so that casting is limited too.
"""

from __future__ import annotations

from django.db import models

from tellers.web.store.models import Election

__all__ = ["AnsweredChallenge", "CountedBallot", "SignInAttempt", "SubmissionCount"]


class CountedBallot(models.Model):
    """credential -> tracker of its counted ballot (one row per credential that voted)."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="counted")
    credential = models.CharField(max_length=64)
    tracker = models.CharField(max_length=64)
    seq = models.PositiveBigIntegerField()
    """The board event that accepted it."""
    channel = models.CharField(max_length=8, default="online", db_default="online")
    """``online`` (a ballot) or ``postal`` (a returned paper): across channels the
    manifest's precedence decides which counts (postal.md §5.5)."""

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["election", "credential"], name="counted_unique_credential"
            ),
        )


class SignInAttempt(models.Model):
    """A failed sign-in, keyed by credential or by client; old rows are pruned."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    """``credential:<hex>`` or ``client:<address>``."""
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = (models.Index(fields=["election", "key", "at"], name="signin_attempt_lookup"),)


class AnsweredChallenge(models.Model):
    """A sign-in challenge whose signature verified: it cannot sign anyone in again."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="+")
    challenge = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["election", "challenge"], name="answered_once"),
        )


class SubmissionCount(models.Model):
    """Ballots and audits sent in one window, by ``credential:<hex>`` or ``session:<hash>``."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    period = models.BigIntegerField()
    """The window's number: seconds since the epoch // its length (``throttle.PERIOD``)."""
    count = models.PositiveIntegerField()

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["election", "key", "period"], name="submission_count_unique"
            ),
        )
