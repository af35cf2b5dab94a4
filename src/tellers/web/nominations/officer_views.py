"""The officer's nominations pages (nominations.md §5): open, record, rule, withdraw, close.

Each view checks the role first, then takes one ``service`` step; a step the rules refuse
comes back as messages on the contest's page. Every change is a POST with its CSRF token.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tellers.web.nominations import service
from tellers.web.nominations.forms import AddressForm, OpenForm, aware_iso
from tellers.web.nominations.models import NominationsPeriod
from tellers.web.store import access

__all__ = [
    "address",
    "candidate",
    "choices",
    "close",
    "contest",
    "nomination",
    "periods",
    "ruling",
    "start",
    "withdraw",
]

MAX_BODIES_FILE = 8 * 1024 * 1024
MAX_PHOTO_UPLOAD = 10 * 1024 * 1024
"""Refused before reading: the rules' own limit (smaller) is checked on the bytes."""


@require_GET
@login_required
def periods(request: HttpRequest) -> HttpResponse:
    access.require_officer(request.user)
    return render(request, "nominations/periods.html", {"periods": NominationsPeriod.objects.all()})


@require_http_methods(["GET", "POST"])
@login_required
def start(request: HttpRequest) -> HttpResponse:
    access.require_officer(request.user)
    form = OpenForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = request.FILES["bodies"]
        try:
            period, rules = form.period_and_rules()
            if upload.size is None or upload.size > MAX_BODIES_FILE:
                raise ValidationError(_("The bodies file is too large."))
            row = service.open_period(
                election_id=form.cleaned_data["election_id"],
                contest=form.cleaned_data["contest"],
                office=form.cleaned_data["office"],
                organisation=form.cleaned_data["organisation"],
                period=period,
                rules=rules,
                bodies_csv=upload.read(),
                filename=upload.name or "bodies.csv",
                actor=request.user,
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Nominations are open."))
            return redirect("nominations:contest", row.pk)
    elif request.method == "POST":
        errors = [f"{k}: {' '.join(v)}" for k, v in form.errors.items()]
    context = {"form": form, "errors": errors}
    return render(request, "nominations/start.html", context, status=400 if errors else 200)


@require_GET
@login_required
def contest(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_officer(request.user)
    period = get_object_or_404(NominationsPeriod, pk=pk)
    log = service.load(period)
    pending = [(n, log.finding(n.number)) for n in log.nominations if n.ruling is None]
    context = {
        "period": period,
        "log": log,
        "required": log.required,
        "candidates": list(log.candidates.values()),
        "nominations": log.nominations,
        "pending": pending,
        "bodies": sorted(log.bodies.values(), key=lambda b: (b.region, b.name)),
        "outcome": log.outcome,
    }
    return render(request, "nominations/contest.html", context)


def _done(
    request: HttpRequest, period: NominationsPeriod, step: Callable[[], object], said: str
) -> HttpResponse:
    try:
        step()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, said)
    return redirect("nominations:contest", period.pk)


def _period(request: HttpRequest, pk: int) -> NominationsPeriod:
    access.require_officer(request.user)
    return get_object_or_404(NominationsPeriod, pk=pk)


@require_POST
@login_required
def candidate(request: HttpRequest, pk: int) -> HttpResponse:
    period = _period(request, pk)
    cid, name = request.POST.get("candidate", "").strip(), request.POST.get("name", "")
    return _done(
        request,
        period,
        lambda: service.register(period, cid, name, request.user),
        _("Candidate registered."),
    )


@require_POST
@login_required
def nomination(request: HttpRequest, pk: int) -> HttpResponse:
    period = _period(request, pk)
    cid, body = request.POST.get("candidate", ""), request.POST.get("body", "").strip()
    received = request.POST.get("received", "").strip()

    def take() -> None:
        when = None
        if received:
            from django.utils.dateparse import parse_datetime

            parsed = parse_datetime(received)
            if parsed is None:
                raise ValidationError(_("Received: expected a date and time."))
            when = aware_iso(parsed)
        service.receive(period, cid, body, when, request.user)

    return _done(request, period, take, _("Nomination recorded: rule on it below."))


@require_POST
@login_required
def ruling(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    period = _period(request, pk)
    valid = request.POST.get("valid") == "yes"
    reason = request.POST.get("reason", "")
    return _done(
        request,
        period,
        lambda: service.rule(period, number, valid, reason, request.user),
        _("Ruling logged."),
    )


@require_POST
@login_required
def address(request: HttpRequest, pk: int) -> HttpResponse:
    period = _period(request, pk)
    form = AddressForm(request.POST, request.FILES)

    def take() -> None:
        if not form.is_valid():
            raise ValidationError([f"{k}: {' '.join(v)}" for k, v in form.errors.items()])
        upload = form.cleaned_data["photo"]
        if upload is not None and (upload.size or 0) > MAX_PHOTO_UPLOAD:
            raise ValidationError(_("The photograph is too large."))
        photo = None if upload is None else upload.read()
        service.submit_address(
            period, form.cleaned_data["candidate"], form.cleaned_data["text"], photo, request.user
        )

    return _done(request, period, take, _("Election address logged."))


@require_POST
@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    period = _period(request, pk)
    cid = request.POST.get("candidate", "")
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm the withdrawal: it cannot be undone."))
        return redirect("nominations:contest", period.pk)
    return _done(
        request,
        period,
        lambda: service.withdraw(period, cid, request.user),
        _("Withdrawal logged."),
    )


@require_POST
@login_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    period = _period(request, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(
            request, _("Tick the box to confirm closing nominations: it cannot be undone.")
        )
        return redirect("nominations:contest", period.pk)
    seed = request.POST.get("seed", "")
    return _done(
        request,
        period,
        lambda: service.close(period, seed, request.user),
        _("Nominations are closed; the candidates are fixed."),
    )


@require_GET
@login_required
def choices(request: HttpRequest, pk: int) -> HttpResponse:
    """The contest's ``choices`` for a manifest file, from a closed log."""
    period = _period(request, pk)
    try:
        data = service.choices_json(period)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("nominations:contest", period.pk)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{period.contest}-choices.json"'
    return response
