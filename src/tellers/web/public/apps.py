from __future__ import annotations

from django.apps import AppConfig

__all__ = ["PublicConfig"]


class PublicConfig(AppConfig):
    name = "tellers.web.public"
    label = "public"
