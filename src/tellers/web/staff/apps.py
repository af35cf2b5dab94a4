from __future__ import annotations

from django.apps import AppConfig

__all__ = ["StaffConfig"]


class StaffConfig(AppConfig):
    name = "tellers.web.staff"
    label = "staff"
