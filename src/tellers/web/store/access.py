"""Who may do what: explicit checks that raise ``PermissionDenied`` (STYLE.md 14).

Roles are Django groups carrying the permissions declared on ``Election``:
``officer`` (manage_election, view_roll) and ``scrutineer``
(scrutinise_election, view_roll). Views call one helper first thing.
"""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import PermissionDenied

__all__ = [
    "OFFICER_GROUP",
    "SCRUTINEER_GROUP",
    "is_officer",
    "is_scrutineer",
    "require_officer",
    "require_roll_access",
    "require_scrutineer",
]

OFFICER_GROUP = "officer"
SCRUTINEER_GROUP = "scrutineer"


class User(Protocol):
    """What the checks need of ``request.user`` (a user or the anonymous user)."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

    def has_perm(self, perm: str) -> bool: ...


def _has(user: User, perm: str) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(perm))


def is_officer(user: User) -> bool:
    return _has(user, "store.manage_election")


def is_scrutineer(user: User) -> bool:
    return _has(user, "store.scrutinise_election")


def require_officer(user: User) -> None:
    if not is_officer(user):
        raise PermissionDenied("election officers only")


def require_scrutineer(user: User) -> None:
    if not is_scrutineer(user):
        raise PermissionDenied("the independent scrutineer only")


def require_roll_access(user: User) -> None:
    """The roll and the credential list: officers and the scrutineer, nobody else."""
    if not _has(user, "store.view_roll"):
        raise PermissionDenied("the roll is visible to election officers and the scrutineer only")
