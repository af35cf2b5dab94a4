from __future__ import annotations

from django.urls import path

from tellers.web.trustee import views

__all__ = ["app_name", "urlpatterns"]

app_name = "trustee"
urlpatterns = [
    path("<str:token>/", views.home, name="home"),
    path("<str:token>/code/", views.code, name="code"),
    path("<str:token>/upload/", views.upload, name="upload"),
    path("<str:token>/download/<slug:name>/", views.download, name="download"),
]
