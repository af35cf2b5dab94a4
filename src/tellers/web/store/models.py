"""The site's state: elections, the roll, public credentials, the board, trustees, audit.

Models hold state only; every cryptographic operation is a core function
called by a service module (``board`` here for the hash chain). The two
invariants kept at this level are the ones the database must guarantee
whatever calls it: a closing time never moves once an election is open
(REQUIREMENTS.md 23), and the board is append-only with one event per
(election, seq).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import ThrottlingMixin

__all__ = [
    "AuditLog",
    "BoardEvent",
    "BoardHead",
    "CredentialRecord",
    "Election",
    "Member",
    "Paper",
    "PaperEvent",
    "Trustee",
    "TrusteeFactor",
    "TrusteeFile",
]


class Election(models.Model):
    """One ballot: its manifest, its status and its timetable."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being set up")
        OPEN = "open", _("Open for voting")
        CLOSED = "closed", _("Closed")
        TALLYING = "tallying", _("Being counted")
        PUBLISHED = "published", _("Result published")

    slug = models.SlugField(_("short name"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=200)
    manifest = models.JSONField(_("manifest"), default=dict)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    opens_at = models.DateTimeField(_("voting opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("voting closes"), null=True, blank=True)
    opened_at = models.DateTimeField(_("voting opened"), null=True, blank=True)
    """When ``election-opened`` went on the board; no ballot is taken before it."""
    scrutineer_name = models.CharField(_("independent scrutineer"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the key ceremony completes and the election opens (record.md §3.4, §8):
    ceremony = models.JSONField(_("key ceremony"), null=True, blank=True)
    """ceremony.json: trustees' commitments and key proofs (``record.v2_tally``)."""
    election_key = models.CharField(_("election public key"), max_length=66, blank=True)
    credentials_hash = models.CharField(max_length=64, blank=True)
    authority = models.JSONField(_("credential authority's statement"), null=True, blank=True)
    """The signed statement of the credential list (``record.v2_authority``), set by its upload."""
    answers_closed_at = models.DateTimeField(null=True, blank=True)
    """When the officer let the ceremony go on without the answer to a complaint (ceremony.md
    §3.7: an unanswered complaint disqualifies the accused)."""
    shuffles_closed_at = models.DateTimeField(null=True, blank=True)
    """When the officer let the count of a ranked contest go on to its decryption with the
    shuffles of a quorum of trustees, not waiting for the rest (ranked.md §4; the site's rule:
    docs/web.md, "Ranked contests")."""
    # Set when the scrutineer signs the result off (REQUIREMENTS.md 10):
    result = models.JSONField(_("declared result"), null=True, blank=True)
    signed_off_at = models.DateTimeField(_("scrutineer signed off"), null=True, blank=True)
    signed_off_by = models.CharField(max_length=150, blank=True)
    scrutineer_report = models.JSONField(_("scrutineer's statements"), null=True, blank=True)
    paper_list = models.JSONField(_("print authority's paper list"), null=True, blank=True)
    """The print authority's signed statement of papers.jsonl (postal.md §4), set by its
    upload; the papers themselves are ``Paper`` rows. On the board from ``papers-issued``."""
    record_root = models.CharField(_("election record root"), max_length=64, blank=True)
    """SHA-256 of the published record's index.json (record.md §1), set at publication."""
    """The s.52 statements the scrutineer made when signing off (``store.count.sign_off``)."""

    class Meta:
        ordering = ("-created_at",)
        permissions = (
            ("manage_election", "Can set up and run elections (election officer)"),
            ("scrutinise_election", "Can supervise elections (independent scrutineer)"),
            ("view_roll", "Can see the membership roll and the credential list"),
        )

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            before = type(self).objects.filter(pk=self.pk).values("status", "closes_at").first()
            if (
                before is not None
                and before["status"] != self.Status.DRAFT
                and before["closes_at"] != self.closes_at
            ):
                raise ValidationError(
                    _("The closing time cannot change once the election is open."),
                    code="closing_time_fixed",
                )
        super().save(*args, **kwargs)


def _reference() -> str:
    return secrets.token_hex(8)


class Member(models.Model):
    """One row of the membership roll, frozen at the relevant date."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="members")
    member_number = models.CharField(_("membership number"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("personal email"), blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)
    phone = models.CharField(_("mobile phone"), max_length=40, blank=True)
    """For the credential authority's SMS path, as the roll gives it (officers.md)."""
    constituency = models.CharField(_("constituency"), max_length=100, blank=True)
    reference = models.CharField(max_length=32, default=_reference)
    """The random mailing reference the credential authority knows the member by
    (credentials.md §8); it is not the membership number, which the authority never sees."""

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["election", "member_number"], name="member_unique_number"
            ),
            models.UniqueConstraint(
                fields=["election", "reference"], name="member_unique_reference"
            ),
        )

    def __str__(self) -> str:
        return self.member_number


class CredentialRecord(models.Model):
    """A public credential on the published list; unlinked to any member.

    The codes stay with the credential authority and never reach the site.
    Rows are made in credential order, so their order says nothing of the
    roll's; ``factor_hash`` is keyed with a secret kept outside the database.
    """

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="credentials")
    public_credential = models.CharField(_("public credential"), max_length=64)
    constituency = models.CharField(_("constituency"), max_length=100, blank=True)
    factor_hash = models.CharField(max_length=64, blank=True)
    """HMAC(the site's factor key; credential, member number) — see ``store.context``."""

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["election", "public_credential"], name="credential_unique"
            ),
        )


class BoardHead(models.Model):
    """The board's current length and last hash; its row lock serialises appends."""

    election = models.OneToOneField(
        Election, on_delete=models.CASCADE, primary_key=True, related_name="board_head"
    )
    length = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=64)


class BoardEvent(models.Model):
    """One event of the append-only, hash-chained bulletin board."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="board")
    seq = models.PositiveBigIntegerField()
    prev_hash = models.CharField(max_length=64)
    type = models.CharField(max_length=32)
    body = models.TextField()
    """The event's canonical JSON, exactly the bytes that were hashed (UTF-8)."""
    hash = models.CharField(max_length=64)
    tracker = models.CharField(max_length=64, blank=True, db_index=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = (
            "election",
            "seq",
        )
        constraints = (
            models.UniqueConstraint(fields=["election", "seq"], name="board_unique_seq"),
        )


class Paper(models.Model):
    """A numbered voting paper (postal.md §4): a line of papers.jsonl, or a replacement.

    Holds what the board knows of a paper and nothing more: its holder's public
    credential and its confirmation hash. The list's rows are made at its upload, a
    replacement's when ``paper-issued`` goes on the board (``store.postal``).
    """

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="papers")
    number = models.PositiveBigIntegerField()
    credential = models.CharField(max_length=64)
    confirmation = models.CharField(max_length=64)
    replaces = models.PositiveBigIntegerField(null=True, blank=True)
    """The voided paper this one replaces; None for a paper of the list."""

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["election", "number"], name="paper_unique_number"),
        )


class PaperEvent(models.Model):
    """An index of the board: paper number -> each event that names it (void, replacement,
    return, audit), kept under the board's lock like ``CountedBallot``. It says nothing the
    board does not, so the paper rules and the look-up need not read every return."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveBigIntegerField()
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=32)
    reason = models.CharField(max_length=32, blank=True)
    """A refused return's reason ("" otherwise)."""
    marks = models.BooleanField(default=False)
    """The event shows the paper's marks (a return with marked vectors)."""

    class Meta:
        indexes = (models.Index(fields=["election", "number"], name="paper_event_lookup"),)


class Trustee(models.Model):
    """A trustee of the election key, reached through a personal link sent by email.

    Only the link's hash is stored: the link itself goes to the trustee and is
    shown to no one else. Once the trustee has announced its signing key,
    every file it uploads must be signed by that key, so the link alone no
    longer lets anyone act as the trustee.
    """

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="trustees")
    index = models.PositiveSmallIntegerField()
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    token_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = (
            "election",
            "index",
        )
        constraints = (
            models.UniqueConstraint(fields=["election", "index"], name="trustee_unique_index"),
        )

    def __str__(self) -> str:
        return self.name


class _Verifiable:
    """What django-otp's ``Device`` gives ``ThrottlingMixin`` to defer to: no other limit."""

    def verify_is_allowed(self) -> tuple[bool, dict[str, Any] | None]:
        return True, None


class TrusteeFactor(ThrottlingMixin, _Verifiable, models.Model):
    """A trustee's authenticator app (TOTP, RFC 6238): with the link, the page's second factor.

    Made at the trustee's first visit, once a first code proves the app holds
    ``key``; until then the key lives only in that visitor's session. ``last_t``
    is the time step of the last code taken, so no code is taken twice; wrong
    codes back off exponentially (django-otp's ``ThrottlingMixin``).
    """

    trustee = models.OneToOneField(Trustee, on_delete=models.CASCADE, related_name="factor")
    key = models.CharField(max_length=80)  # hex, as django-otp keeps a TOTP key
    last_t = models.BigIntegerField(default=-1)
    enrolled_at = models.DateTimeField(auto_now_add=True)

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))


class TrusteeFile(models.Model):
    """A signed message a trustee uploaded (ceremony.md §7), kept as it was signed.

    ``kind`` is announcement, commitment, complaint, answer-L (to trustee L's
    complaint), confirmation (replaced when the ceremony transcript changes)
    or decryption; or, for a ranked contest at place K (0-based) in the manifest, mix-K (the
    trustee's shuffle of its rows) or mix-decryption-K (its shares of the last shuffled
    rows). Those two can be large and stand on the board exactly as signed, so their
    ``body`` is only where: ``{"contest", "seq"}`` (the board event's sequence number).
    """

    trustee = models.ForeignKey(Trustee, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=32)
    body = models.TextField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["trustee", "kind"], name="trustee_file_unique_kind"),
        )


class AuditLog(models.Model):
    """Who did what and when, for the scrutineer (REQUIREMENTS.md 19)."""

    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    election = models.ForeignKey(Election, on_delete=models.SET_NULL, null=True, blank=True)
    action = models.CharField(max_length=64)
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ("at",)
