"""The site's URL map: one prefix per audience."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

__all__ = ["urlpatterns"]

urlpatterns = [
    path("", include("tellers.web.public.urls")),
    path("vote/", include("tellers.web.voter.urls")),
    path("officer/", include("tellers.web.officer.urls")),
    path("scrutiny/", include("tellers.web.scrutiny.urls")),
    path("trustee/", include("tellers.web.trustee.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="tellers/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
