from __future__ import annotations

from django.urls import path

from tellers.web.officer import views

__all__ = ["app_name", "urlpatterns"]

app_name = "officer"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("e/<slug:slug>/", views.election, name="election"),
    path("e/<slug:slug>/roll/", views.roll, name="roll"),
]
