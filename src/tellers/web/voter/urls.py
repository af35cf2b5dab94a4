from __future__ import annotations

from django.urls import path

from tellers.web.voter import views

__all__ = ["app_name", "urlpatterns"]

app_name = "voter"
urlpatterns = [
    path("<slug:slug>/", views.start, name="start"),
]
