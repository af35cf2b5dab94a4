"""``django-admin create_staff USERNAME --role officer|scrutineer``: a staff account with its role.

The password is asked for twice at the terminal (or read from the first line of
``--password-file``, for scripts), checked by the site's password validators, and never
shown. The account is in exactly the role's group (``store.roles``), so its first sign-in
sets up its authenticator app (docs/officers.md). An existing account is refused unless
``--update``, which changes its role and, if given, its password. Logged in the audit log.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from tellers.web.store.access import OFFICER_GROUP, SCRUTINEER_GROUP
from tellers.web.store.models import AuditLog

__all__ = ["Command"]

ROLES = (OFFICER_GROUP, SCRUTINEER_GROUP)


class Command(BaseCommand):
    help = "Create a staff account (election officer or scrutineer) with its role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=ROLES, help="the account's role")
        parser.add_argument("--email", default="", help="the staff member's email address")
        parser.add_argument(
            "--password-file", type=Path, help="read the password from this file's first line"
        )
        parser.add_argument(
            "--update", action="store_true", help="change an existing account's role instead"
        )

    def _password(self, options: dict[str, Any]) -> str:
        path: Path | None = options["password_file"]
        if path is not None:
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise CommandError(f"{path}: {exc.strerror}") from None
            return lines[0] if lines else ""
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != first:
            raise CommandError("the two passwords differ; nothing was changed")
        return first

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        role: str = options["role"]
        existing = User.objects.filter(username=username).first()
        if existing is not None and not options["update"]:
            raise CommandError(f"an account named {username!r} exists; --update changes its role")
        password = None
        if existing is None or options["password_file"] is not None:
            password = self._password(options)
            try:
                validate_password(password, existing)
            except ValidationError as exc:
                raise CommandError("password: " + " ".join(exc.messages)) from None
        try:
            group = Group.objects.get(name=role)
        except Group.DoesNotExist:
            raise CommandError(f"no {role!r} group: run migrate first") from None
        with transaction.atomic():
            user = existing or User(username=username)
            if options["email"]:
                user.email = options["email"]
            if password is not None:
                user.set_password(password)
            user.save()
            user.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(name=role))
            user.groups.add(group)
            AuditLog.objects.create(
                actor=None,
                action="staff-account-updated" if existing else "staff-account-created",
                detail={"username": username, "role": role},
            )
        self.stdout.write(
            f"{'Updated' if existing else 'Created'} {username} as {role}; their first sign-in "
            "sets up their authenticator app."
        )
