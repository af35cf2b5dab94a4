"""Who may do what: explicit checks that raise ``PermissionDenied`` (STYLE.md 14).

Roles are Django groups carrying the permissions declared on ``Election``:
``officer`` (manage_election, view_roll) and ``scrutineer``
(scrutinise_election, view_roll). Views call one helper first thing.

Every permission of a role counts only in a session that has shown a code
from the account's authenticator app (django-otp's ``OTPMiddleware`` gives
``request.user.is_verified()``): a password alone opens no page of a role.
"""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import PermissionDenied

__all__ = [
    "OFFICER_GROUP",
    "SCRUTINEER_GROUP",
    "STAFF_PERMISSIONS",
    "is_officer",
    "is_scrutineer",
    "needs_second_factor",
    "require_officer",
    "require_roll_access",
    "require_scrutineer",
    "second_factor_verified",
]

OFFICER_GROUP = "officer"
SCRUTINEER_GROUP = "scrutineer"
STAFF_PERMISSIONS = ("store.manage_election", "store.scrutinise_election", "store.view_roll")
"""Holding any of these makes an account a staff account, which signs in with a code."""


class User(Protocol):
    """What the checks need of ``request.user`` (a user or the anonymous user)."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

    def has_perm(self, perm: str) -> bool: ...


def _holds(user: User, perm: str) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(perm))


def second_factor_verified(user: User) -> bool:
    """Whether this session has shown a code from the account's authenticator app."""
    verified = getattr(user, "is_verified", None)  # absent without OTPMiddleware: not verified
    return bool(callable(verified) and verified())


def needs_second_factor(user: User) -> bool:
    """Whether the account holds a role, and so must sign in with a code."""
    return any(_holds(user, perm) for perm in STAFF_PERMISSIONS)


def _has(user: User, perm: str) -> bool:
    return _holds(user, perm) and second_factor_verified(user)


def _require(user: User, perm: str, who: str) -> None:
    if not _holds(user, perm):
        raise PermissionDenied(who)
    if not second_factor_verified(user):
        raise PermissionDenied("sign in with the code from your authenticator app first")


def is_officer(user: User) -> bool:
    return _has(user, "store.manage_election")


def is_scrutineer(user: User) -> bool:
    return _has(user, "store.scrutinise_election")


def require_officer(user: User) -> None:
    _require(user, "store.manage_election", "election officers only")


def require_scrutineer(user: User) -> None:
    _require(user, "store.scrutinise_election", "the independent scrutineer only")


def require_roll_access(user: User) -> None:
    """The roll and the credential list: officers and the scrutineer, nobody else."""
    _require(
        user,
        "store.view_roll",
        "the roll is visible to election officers and the scrutineer only",
    )
