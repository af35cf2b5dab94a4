from __future__ import annotations

from django.apps import AppConfig

__all__ = ["ReportsConfig"]


class ReportsConfig(AppConfig):
    name = "tellers.web.reports"
    label = "reports"
    verbose_name = "Statutory documents"
