"""Mounted at the site's root: the scrutineer's statements, and the documents for both roles."""

from __future__ import annotations

from django.urls import path

from tellers.web.reports import views

__all__ = ["app_name", "urlpatterns"]

app_name = "reports"
urlpatterns = [
    path("scrutiny/e/<slug:slug>/statements/", views.statements, name="statements"),
    path("scrutiny/e/<slug:slug>/documents/s52.pdf", views.s52_pdf, name="s52_pdf"),
    path("scrutiny/e/<slug:slug>/documents/s52.html", views.s52_html, name="s52_html"),
    path("scrutiny/e/<slug:slug>/documents/notices.zip", views.notices, name="notices"),
    path("officer/e/<slug:slug>/documents/s52.pdf", views.s52_pdf, name="officer_s52_pdf"),
    path("officer/e/<slug:slug>/documents/s52.html", views.s52_html, name="officer_s52_html"),
    path("officer/e/<slug:slug>/documents/notices.zip", views.notices, name="officer_notices"),
]
