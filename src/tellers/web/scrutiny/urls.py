from __future__ import annotations

from django.urls import path

from tellers.web.scrutiny import views

__all__ = ["app_name", "urlpatterns"]

app_name = "scrutiny"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("e/<slug:slug>/", views.election, name="election"),
    path("e/<slug:slug>/credentials.csv", views.credential_list, name="credentials"),
    path("e/<slug:slug>/mailing-roll.csv", views.mailing_roll, name="mailing_roll"),
    path("e/<slug:slug>/manifest.json", views.manifest, name="manifest"),
    path("e/<slug:slug>/credentials/", views.credentials_upload, name="credentials_upload"),
    path("e/<slug:slug>/sign-off/", views.sign_off, name="sign_off"),
]
