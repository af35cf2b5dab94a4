"""The scrutineer's retention page: the schedule, the election's dates, its legal holds.

Only the scrutineer sets or lifts a hold (``access.require_scrutineer``): the
union's officer, whose conduct a complaint may concern, can neither lift one
nor see the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tellers.retention import SCHEDULE
from tellers.web.retention import holds
from tellers.web.retention.models import LegalHold
from tellers.web.retention.purge import plan
from tellers.web.store import access, steps
from tellers.web.store.models import Election

__all__ = ["hold_lift", "hold_set", "retention"]


@require_GET
@login_required
def retention(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_scrutineer(request.user)
    e = get_object_or_404(Election, slug=slug)
    context = {
        "election": e,
        "plan": plan(e, steps.now()),
        "schedule": SCHEDULE,
        "holds": LegalHold.objects.filter(election=e).select_related("set_by", "lifted_by"),
    }
    return render(request, "retention/retention.html", context)


@require_POST
@login_required
def hold_set(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_scrutineer(request.user)
    e = get_object_or_404(Election, slug=slug)
    try:
        holds.set_hold(e, request.user, request.POST.get("reason", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The legal hold is set: nothing of this election is purged."))
    return redirect("retention:page", e.slug)


@require_POST
@login_required
def hold_lift(request: HttpRequest, slug: str, hold: int) -> HttpResponse:
    access.require_scrutineer(request.user)
    e = get_object_or_404(Election, slug=slug)
    try:
        holds.lift_hold(e, request.user, hold, request.POST.get("reason", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The legal hold is lifted."))
    return redirect("retention:page", e.slug)
