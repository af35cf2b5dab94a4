"""Web tests: Django set up on ``web_test_settings``, and the fixed cast (STYLE.md 14).

The cast: ``voter`` (a member, no account: members never sign in), an
``officer``, a ``scrutineer`` and an ``outsider`` (signed in, no role). Every
client enforces CSRF checks, as a browser would meet them.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import django
import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "web_test_settings")
django.setup()
# Configured now; unset so that pytest-xdist's workers, started from this process with
# its environment, do not try to import web_test_settings before this folder is on sys.path.
if os.environ.get("DJANGO_SETTINGS_MODULE") == "web_test_settings":
    del os.environ["DJANGO_SETTINGS_MODULE"]

from django.contrib.auth.models import Group, User  # noqa: E402
from django.test import Client  # noqa: E402
from webtesting import PASSWORD, csrf_client, sign_in_with_code  # noqa: E402

from tellers.web.store.access import OFFICER_GROUP, SCRUTINEER_GROUP  # noqa: E402
from tellers.web.store.models import Election, Member  # noqa: E402

__all__: list[str] = []


def _user(name: str, group: str | None) -> User:
    user = User.objects.create_user(name, f"{name}@example.org", PASSWORD)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def cast(db: None) -> dict[str, Any]:
    """The fixed cast and one open election with the voter on its roll."""
    election = Election.objects.create(
        slug="gs-2026", title="General Secretary 2026", status=Election.Status.OPEN
    )
    voter = Member.objects.create(
        election=election, member_number="M0001", name="Ada Voter", constituency="North"
    )
    return {
        "election": election,
        "voter": voter,
        "officer": _user("officer", OFFICER_GROUP),
        "scrutineer": _user("scrutineer", SCRUTINEER_GROUP),
        "outsider": _user("outsider", None),
    }


@pytest.fixture
def smtp(settings: Any) -> Iterator[list[EmailMessage]]:
    """A real SMTP server on loopback that the site sends its mail to; the messages it got."""
    from aiosmtpd.controller import Controller

    received: list[EmailMessage] = []

    class Keep:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            message = BytesParser(policy=policy.default).parsebytes(envelope.content)
            assert isinstance(message, EmailMessage)
            received.append(message)
            return "250 OK"

    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield received
    finally:
        controller.stop()


@pytest.fixture
def client_for(cast: dict[str, Any]) -> Callable[[str | None], Client]:
    """A CSRF-enforcing client signed in as a member of the cast (None: anonymous); the
    officer and the scrutineer with their authenticator code shown, as every sign-in of a
    role needs (``webtesting.sign_in_with_code``)."""

    def make(role: str | None) -> Client:
        client = csrf_client()
        if role is not None and role != "voter":
            sign_in_with_code(client, cast[role])
        return client

    return make


@pytest.fixture
def use_db(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the service on the requested database by making it the default for the test."""
    using: str = request.param
    if using == "default":
        yield using
        return
    from django.db import connections

    default = connections["default"]
    pg = connections.create_connection("pg")  # PostgreSQL's test database, named "default"
    pg.alias = "default"
    connections["default"] = pg
    try:
        yield using
    finally:
        pg.close()
        connections["default"] = default
