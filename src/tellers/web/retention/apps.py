from __future__ import annotations

from django.apps import AppConfig

__all__ = ["RetentionConfig"]


class RetentionConfig(AppConfig):
    name = "tellers.web.retention"
    label = "retention"
    verbose_name = "Retention and legal holds"
