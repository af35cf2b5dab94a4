from __future__ import annotations

from django.urls import path

from tellers.web.staff import views

__all__ = ["app_name", "urlpatterns"]

app_name = "staff"
urlpatterns = [
    path("", views.home, name="home"),
    path("code/", views.code, name="code"),
    path("enrol/", views.enrol, name="enrol"),
]
