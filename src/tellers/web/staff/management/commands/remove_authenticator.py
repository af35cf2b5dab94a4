"""``django-admin remove_authenticator USERNAME``: a staff member has lost their phone.

Removes the account's authenticator (every django-otp device it has); its
sessions lose their code at once, and its next sign-in, with the password,
sets up a new app. Run it only once the staff member has been reached by a
means other than the site (phone, in person), and have them sign in at once:
until they do, the password alone would enrol an app.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp import devices_for_user

from tellers.web.store.models import AuditLog

__all__ = ["Command"]


class Command(BaseCommand):
    help = "Remove a staff account's authenticator app (a lost phone); it enrols a new one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(f"no account is named {options['username']!r}") from None
        devices = list(devices_for_user(user, confirmed=None))
        for device in devices:
            device.delete()
        AuditLog.objects.create(
            actor=None,
            action="authenticator-removed",
            detail={"username": user.username, "devices": len(devices)},
        )
        self.stdout.write(
            f"Removed {len(devices)} authenticator(s) of {user.username}; "
            "the next sign-in sets up a new one."
        )
