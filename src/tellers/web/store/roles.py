"""The two staff roles as Django groups, kept in step after every migrate."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from tellers.web.store.access import OFFICER_GROUP, SCRUTINEER_GROUP

__all__ = ["ROLE_PERMISSIONS", "ensure_roles"]

ROLE_PERMISSIONS = {
    OFFICER_GROUP: ["manage_election", "view_roll"],
    SCRUTINEER_GROUP: ["scrutinise_election", "view_roll"],
}


def ensure_roles(using: str = "default", **_: Any) -> None:
    """Create the groups and give them their permissions (a ``post_migrate`` receiver)."""
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        perms = Permission.objects.using(using).filter(
            content_type__app_label="store", codename__in=codenames
        )
        group.permissions.set(perms)
