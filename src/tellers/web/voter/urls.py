from __future__ import annotations

from django.urls import path

from tellers.web.voter import views

__all__ = ["app_name", "urlpatterns"]

app_name = "voter"
urlpatterns = [
    path("<slug:slug>/", views.start, name="start"),
    path("<slug:slug>/ballot/", views.ballot, name="ballot"),
    path("<slug:slug>/cast/", views.cast, name="cast"),
    path("<slug:slug>/audit/", views.audit, name="audit"),
    path("<slug:slug>/receipt/<str:tracker>/", views.receipt, name="receipt"),
    path("<slug:slug>/sign-out/", views.sign_out, name="sign_out"),
]
