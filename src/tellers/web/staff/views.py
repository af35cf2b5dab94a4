"""Staff sign-in in two steps: the password (throttled by django-axes), then the code.

An account of the officer or scrutineer role must show a code from its
authenticator app before any page of its role opens (``store.access``). At
its first sign-in it has none: it enrols one, from a QR code of a key kept in
this session only until a first code proves the app holds it. Then the
staff member lands on the page of their role.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import django_otp
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from tellers.web.staff import throttle, totp
from tellers.web.store import access

__all__ = ["PENDING_KEY", "SignIn", "code", "enrol", "home"]

PENDING_KEY = "tellers-staff-enrolling"
"""Session key of the authenticator key shown for enrolment, until a first code confirms it."""


def _next(request: HttpRequest) -> str:
    """The page asked for before signing in, if it is on this site."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if safe else ""


def _with_next(url: str, wanted: str) -> str:
    return f"{url}?{urlencode({'next': wanted})}" if wanted else url


class SignIn(auth_views.LoginView):
    """The password step; django-axes counts its failures and locks."""

    template_name = "tellers/login.html"

    def get_success_url(self) -> str:
        return _with_next(reverse("staff:home"), self.get_redirect_url())


def _device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def _after_code(request: HttpRequest) -> HttpResponse:
    return redirect(_with_next(reverse("staff:home"), _next(request)))


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where sign-in leads: the code (or enrolment) if it is due, then the role's page."""
    user = request.user
    wanted = _next(request)
    if access.needs_second_factor(user) and not access.second_factor_verified(user):
        step = "staff:code" if _device(user) is not None else "staff:enrol"
        return redirect(_with_next(reverse(step), wanted))
    if wanted:
        return redirect(wanted)
    if access.is_officer(user):
        return redirect("officer:dashboard")
    if access.is_scrutineer(user):
        return redirect("scrutiny:dashboard")
    return render(request, "staff/no_role.html")


def _check_device(device: TOTPDevice, code: str) -> TOTPDevice:
    """The device, having taken ``code`` (once); else ValidationError saying why not."""
    allowed, why = device.verify_is_allowed()
    if not allowed:
        until = why.get("locked_until") if why else None
        raise ValidationError(throttle.wait_message(until), "throttled")
    verified = django_otp.verify_token(device.user, device.persistent_id, totp.normalise(code))
    if verified is None:
        raise ValidationError(throttle.wrong_code(), "wrong")
    return verified


@require_http_methods(["GET", "POST"])
@login_required
def code(request: HttpRequest) -> HttpResponse:
    """The code from the staff member's authenticator app, at every sign-in."""
    user = request.user
    if not access.needs_second_factor(user) or access.second_factor_verified(user):
        return _after_code(request)
    device = _device(user)
    if device is None:
        return redirect(_with_next(reverse("staff:enrol"), _next(request)))
    error, status = None, 200
    if request.method == "POST":
        try:
            verified = _check_device(device, request.POST.get("code", ""))
        except ValidationError as exc:
            error, status = exc.messages[0], 429 if exc.code == "throttled" else 400
        else:
            request.session.cycle_key()  # a new session id for the stronger sign-in
            django_otp.login(request, verified)
            return _after_code(request)
    context = {"error": error, "next": _next(request)}
    return render(request, "staff/code.html", context, status=status)


def _confirm(user: User, key: str, code: str) -> TOTPDevice:
    """Keep ``key`` as ``user``'s authenticator once ``code`` proves the app holds it."""
    step = totp.matching_step(key, code)
    if step is None:
        raise ValidationError(
            _(
                "That code does not match. Check the app shows “Tellers” for this account, "
                "and enter the code it shows now."
            )
        )
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)  # one enrolment at a time
        if _device(user) is not None:
            raise ValidationError(_("This account already has an authenticator app."))
        return TOTPDevice.objects.create(
            user=user,
            name="authenticator app",
            key=key,
            confirmed=True,
            last_t=step,
            step=totp.STEP,
            digits=totp.DIGITS,
            tolerance=totp.TOLERANCE,
        )


@require_http_methods(["GET", "POST"])
@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in of a role account: scan the QR code, then confirm with a first code."""
    user = request.user
    if not access.needs_second_factor(user) or access.second_factor_verified(user):
        return _after_code(request)
    if _device(user) is not None:
        return redirect(_with_next(reverse("staff:code"), _next(request)))
    key = request.session.get(PENDING_KEY)
    if not isinstance(key, str):
        key = request.session[PENDING_KEY] = totp.new_key()
    error = None
    if request.method == "POST":
        try:
            device = _confirm(user, key, request.POST.get("code", ""))
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            del request.session[PENDING_KEY]
            request.session.cycle_key()
            django_otp.login(request, device)
            return _after_code(request)
    uri = totp.otpauth_uri(key, user.get_username())
    context = {"qr": totp.qr_data_uri(uri), "secret": totp.grouped(key), "error": error}
    response = render(request, "staff/enrol.html", context, status=400 if error else 200)
    response.headers["Cache-Control"] = "no-store"  # the key is on this page
    return response
