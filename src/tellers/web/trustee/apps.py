from __future__ import annotations

from django.apps import AppConfig

__all__ = ["TrusteeConfig"]


class TrusteeConfig(AppConfig):
    name = "tellers.web.trustee"
    label = "trustee"
