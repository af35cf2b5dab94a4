"""Mounted at the site's root: the officer's and the scrutineer's delivery pages."""

from __future__ import annotations

from django.urls import path

from tellers.web.delivery import views

__all__ = ["app_name", "urlpatterns"]

app_name = "delivery"
urlpatterns = [
    path("officer/e/<slug:slug>/delivery/", views.officer_counts, name="officer"),
    path("scrutiny/e/<slug:slug>/delivery/", views.scrutiny_import, name="scrutiny"),
]
