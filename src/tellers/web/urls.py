"""The site's URL map: one prefix per audience."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from tellers.web.staff.views import SignIn

__all__ = ["urlpatterns"]

urlpatterns = [
    path("", include("tellers.web.public.urls")),
    path("vote/", include("tellers.web.voter.urls")),
    path("officer/", include("tellers.web.officer.urls")),
    path("scrutiny/", include("tellers.web.scrutiny.urls")),
    path("", include("tellers.web.delivery.urls")),  # officer/…/delivery/, scrutiny/…/delivery/
    path("", include("tellers.web.retention.urls")),  # scrutiny/…/retention/
    path("", include("tellers.web.nominations.urls")),  # officer/nominations/, e/…/nominations/
    path("", include("tellers.web.reports.urls")),  # scrutiny/…/statements/, …/documents/
    path("trustee/", include("tellers.web.trustee.urls")),
    # Staff: the password (throttled), then the authenticator code, then the role's page.
    path("accounts/login/", SignIn.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("tellers.web.staff.urls")),
    # The language chooser posts here (Django's set_language: a cookie, back to the same page).
    path("i18n/", include("django.conf.urls.i18n")),
]
