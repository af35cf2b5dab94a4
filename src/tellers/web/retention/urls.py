"""Mounted at the site's root: the scrutineer's retention page and its two actions."""

from __future__ import annotations

from django.urls import path

from tellers.web.retention import views

__all__ = ["app_name", "urlpatterns"]

app_name = "retention"
urlpatterns = [
    path("scrutiny/e/<slug:slug>/retention/", views.retention, name="page"),
    path("scrutiny/e/<slug:slug>/retention/hold/", views.hold_set, name="hold"),
    path("scrutiny/e/<slug:slug>/retention/lift/<int:hold>/", views.hold_lift, name="lift"),
]
