from __future__ import annotations

from django.apps import AppConfig

__all__ = ["VoterConfig"]


class VoterConfig(AppConfig):
    name = "tellers.web.voter"
    label = "voter"
