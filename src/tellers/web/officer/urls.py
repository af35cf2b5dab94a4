from __future__ import annotations

from django.urls import path

from tellers.web.officer import form_views, roll_views, views

__all__ = ["app_name", "urlpatterns"]

app_name = "officer"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views.new, name="new"),
    path("new/form/", form_views.new_from_form, name="new_form"),
    path("new/example-manifest.json", form_views.example_manifest_json, name="example_manifest"),
    path("e/<slug:slug>/", views.election, name="election"),
    path("e/<slug:slug>/roll/", views.roll, name="roll"),
    path("e/<slug:slug>/roll/import/", roll_views.roll_import, name="roll_import"),
    path(
        "e/<slug:slug>/roll/import/<str:token>/progress/",
        roll_views.roll_progress,
        name="roll_progress",
    ),
    path("e/<slug:slug>/roll/checks/", roll_views.roll_checks, name="roll_checks"),
    path(
        "e/<slug:slug>/roll/checks/<int:pk>/acknowledge/",
        roll_views.roll_acknowledge,
        name="roll_acknowledge",
    ),
    path("e/<slug:slug>/trustees/", views.trustees, name="trustees"),
    path("e/<slug:slug>/trustees/<int:index>/link/", views.trustee_link, name="trustee_link"),
    path("e/<slug:slug>/ceremony/close-answers/", views.close_answers, name="close_answers"),
    path("e/<slug:slug>/ceremony/restart/", views.restart_ceremony, name="restart_ceremony"),
    path("e/<slug:slug>/credentials/", views.credentials, name="credentials"),
    path("e/<slug:slug>/open/", views.open_voting, name="open"),
    path("e/<slug:slug>/close/", views.close, name="close"),
    path("e/<slug:slug>/tally/", views.tally, name="tally"),
    path("e/<slug:slug>/shuffles/close/", views.close_shuffles, name="close_shuffles"),
    path("e/<slug:slug>/publish/", views.publish, name="publish"),
]
