from __future__ import annotations

from django.apps import AppConfig

__all__ = ["ScrutinyConfig"]


class ScrutinyConfig(AppConfig):
    name = "tellers.web.scrutiny"
    label = "scrutiny"
