from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate

__all__ = ["StoreConfig"]


class StoreConfig(AppConfig):
    name = "tellers.web.store"
    label = "store"
    verbose_name = "Tellers state"

    def ready(self) -> None:
        from tellers.web.store.roles import ensure_roles

        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="tellers-roles")
