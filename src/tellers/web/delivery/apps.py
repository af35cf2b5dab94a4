from __future__ import annotations

from django.apps import AppConfig

__all__ = ["DeliveryConfig"]


class DeliveryConfig(AppConfig):
    name = "tellers.web.delivery"
    label = "delivery"
    verbose_name = "Delivery of members' codes"
