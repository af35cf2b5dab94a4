from __future__ import annotations

from django.urls import path

from tellers.web.public import lookup, views

__all__ = ["app_name", "urlpatterns"]

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("e/<slug:slug>/", views.election, name="election"),
    path("e/<slug:slug>/board/", views.board, name="board"),
    path("e/<slug:slug>/audited/", views.audited, name="audited"),
    path("e/<slug:slug>/paper/", lookup.paper, name="paper"),
    path("e/<slug:slug>/result/", views.result, name="result"),
    path("e/<slug:slug>/record/", views.record, name="record"),
    path("e/<slug:slug>/credentials.jsonl", views.credentials, name="credentials"),
]
