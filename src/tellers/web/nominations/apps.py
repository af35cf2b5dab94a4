from __future__ import annotations

from django.apps import AppConfig

__all__ = ["NominationsConfig"]


class NominationsConfig(AppConfig):
    name = "tellers.web.nominations"
    label = "nominations"
    verbose_name = "Tellers nominations"
