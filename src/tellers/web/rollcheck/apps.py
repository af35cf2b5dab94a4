from __future__ import annotations

from django.apps import AppConfig

__all__ = ["RollCheckConfig"]


class RollCheckConfig(AppConfig):
    name = "tellers.web.rollcheck"
    label = "rollcheck"
    default_auto_field = "django.db.models.BigAutoField"
