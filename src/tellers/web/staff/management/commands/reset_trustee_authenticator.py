"""``django-admin reset_trustee_authenticator SLUG INDEX``: a trustee has lost its phone.

Forgets the trustee's authenticator and signs every session out of its page;
the next visit of its link sets up a new app. Whoever holds the link then
enrols, so reach the trustee by a means other than the site first, and if
the link itself may have leaked, have the officer send a new one.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tellers.web.store.models import AuditLog, Trustee, TrusteeFactor

__all__ = ["Command"]


class Command(BaseCommand):
    help = "Forget a trustee's authenticator app (a lost phone); its next visit enrols anew."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the election's short name")
        parser.add_argument("index", type=int, help="the trustee's number, 1..n")

    def handle(self, *args: Any, **options: Any) -> None:
        slug, index = options["slug"], options["index"]
        try:
            trustee = Trustee.objects.select_related("election").get(
                election__slug=slug, index=index
            )
        except Trustee.DoesNotExist:
            raise CommandError(f"election {slug!r} has no trustee {index}") from None
        removed, _ = TrusteeFactor.objects.filter(trustee=trustee).delete()
        AuditLog.objects.create(
            actor=None,
            election=trustee.election,
            action="trustee-authenticator-reset",
            detail={"trustee": index},
        )
        self.stdout.write(
            f"Trustee {index} of {slug}: "
            + ("authenticator forgotten; " if removed else "had no authenticator; ")
            + "the next visit of its link sets one up."
        )
