"""What django-axes is told: the client's address, and the page a locked-out sign-in gets.

Five wrong passwords within the cool-off lock the account they named, and
separately the address they came from (``AXES_LOCKOUT_PARAMETERS``), until
the cool-off has passed since the last of them. The address is
``REMOTE_ADDR`` only: behind the site's reverse proxy, the trusted-proxy
setting has already made it the real client's, and a client-supplied
``X-Forwarded-For`` is never read here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

__all__ = ["client_address", "locked_out", "unlocks_at", "wait_message", "wrong_code"]


def client_address(request: HttpRequest) -> str | None:
    """The address sign-in attempts are counted against (``AXES_CLIENT_IP_CALLABLE``)."""
    address = request.META.get("REMOTE_ADDR")
    return str(address) if address else None


def _lock_end(filters: dict[str, Any], since: datetime) -> datetime | None:
    recent = AccessAttempt.objects.filter(attempt_time__gte=since, **filters)
    found = recent.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    if (found["failures"] or 0) < settings.AXES_FAILURE_LIMIT:
        return None
    cool_off = get_cool_off()
    assert found["last"] is not None and cool_off is not None
    last: datetime = found["last"]
    return last + cool_off


def unlocks_at(username: str | None, address: str | None) -> datetime | None:
    """When sign-in opens again for this account from this address (None: it is open)."""
    cool_off = get_cool_off()
    if cool_off is None:
        return None
    since = timezone.now() - cool_off
    ends = [
        end
        for filters in ({"username": username}, {"ip_address": address})
        if next(iter(filters.values())) is not None
        and (end := _lock_end(filters, since)) is not None
    ]
    return max(ends, default=None)


def locked_out(
    request: HttpRequest, response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """The lock-out page (``AXES_LOCKOUT_CALLABLE``): what happened and how long to wait."""
    username = get_client_username(request, credentials)
    until = unlocks_at(username, get_client_ip_address(request))
    cool_off = get_cool_off()
    context = {
        "until": until,
        "minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
        "limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, "staff/locked_out.html", context, status=429)


def wait_message(until: datetime | None) -> str:
    """Too many wrong codes: how long to wait, in plain words."""
    if until is None:
        return _("Too many wrong codes. Wait a minute, then try again.")
    seconds = max(1, int((until - timezone.now()).total_seconds() + 0.999))
    if seconds <= 120:
        return ngettext(
            "Too many wrong codes. Wait %(seconds)d second, then try again.",
            "Too many wrong codes. Wait %(seconds)d seconds, then try again.",
            seconds,
        ) % {"seconds": seconds}
    return _("Too many wrong codes. Try again after %(time)s.") % {
        "time": timezone.localtime(until).strftime("%H:%M")
    }


def wrong_code() -> str:
    return _("That code is not right, or has been used already. Enter the code your app shows now.")
