from __future__ import annotations

from django.urls import path

from tellers.web.scrutiny import papers, roll_views, views

__all__ = ["app_name", "urlpatterns"]

app_name = "scrutiny"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("e/<slug:slug>/", views.election, name="election"),
    path("e/<slug:slug>/credentials.csv", views.credential_list, name="credentials"),
    path("e/<slug:slug>/mailing-roll.csv", views.mailing_roll, name="mailing_roll"),
    path("e/<slug:slug>/manifest.json", views.manifest, name="manifest"),
    path("e/<slug:slug>/roll-checks/", roll_views.roll_checks, name="roll_checks"),
    path("e/<slug:slug>/credentials/", views.credentials_upload, name="credentials_upload"),
    path("e/<slug:slug>/sign-off/", views.sign_off, name="sign_off"),
    path("e/<slug:slug>/papers/", papers.list_upload, name="paper_list"),
    path("e/<slug:slug>/returns/", papers.returns_upload, name="paper_returns"),
    path("e/<slug:slug>/paper-messages/", papers.messages_upload, name="paper_messages"),
    path("e/<slug:slug>/paper-audit/", papers.audit_upload, name="paper_audit"),
    path("e/<slug:slug>/ceremony.json", papers.ceremony_file, name="ceremony"),
    path("e/<slug:slug>/record-at-close.zip", papers.record_at_close, name="record_at_close"),
]
