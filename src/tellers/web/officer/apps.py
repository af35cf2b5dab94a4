from __future__ import annotations

from django.apps import AppConfig

__all__ = ["OfficerConfig"]


class OfficerConfig(AppConfig):
    name = "tellers.web.officer"
    label = "officer"
