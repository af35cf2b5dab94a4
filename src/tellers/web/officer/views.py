"""The election officer's pages (roles: STYLE.md 14, REQUIREMENTS.md 8).

Each view checks the role first, then calls one ``store`` step (``setup``, ``count``);
a step that cannot be taken comes back as plain messages on the page.
Every change is a POST with its CSRF token.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tellers.web.reports.service import not_satisfied
from tellers.web.store import access, ceremony, count, due, mixing, notify, setup, steps
from tellers.web.store.models import Election
from tellers.web.store.parties import authority_of

__all__ = [
    "close",
    "close_answers",
    "close_shuffles",
    "credentials",
    "dashboard",
    "election",
    "new",
    "open_voting",
    "publish",
    "restart_ceremony",
    "roll",
    "tally",
    "trustee_link",
    "trustees",
]

MAX_FILE = 64 * 1024 * 1024
ROLL_PAGE = 500


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    access.require_officer(request.user)
    return render(request, "officer/dashboard.html", {"elections": Election.objects.all()})


def _upload(request: HttpRequest, name: str) -> tuple[bytes, str] | None:
    upload = request.FILES.get(name)
    if upload is None or upload.size > MAX_FILE:
        return None
    return upload.read(), upload.name


@require_http_methods(["GET", "POST"])
@login_required
def new(request: HttpRequest) -> HttpResponse:
    access.require_officer(request.user)
    errors: list[str] = []
    if request.method == "POST":
        upload = _upload(request, "manifest")
        if upload is None:
            errors = [_("Choose the manifest file (JSON) to upload.")]
        else:
            try:
                e = setup.create_election(upload[0], upload[1], request.user)
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("Election created from the manifest."))
                return redirect("officer:election", e.slug)
    return render(request, "officer/new.html", {"errors": errors}, status=400 if errors else 200)


@require_GET
@login_required
def election(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_officer(request.user)
    e = get_object_or_404(Election, slug=slug)
    trustees = list(e.trustees.all())
    complaints = ceremony.complaints(e)
    context = {
        "election": e,
        "due": due.due_step(e),
        "members": e.members.count(),
        "credentials": e.credentials.count(),
        "trustees": [(t, ceremony.trustee_step(t)) for t in trustees],
        "complaints": complaints,
        "awaiting_answer": any(not c.answered and c.loser is None for c in complaints),
        "shuffles": mixing.shuffles(e) if e.status == Election.Status.TALLYING else {},
        "ranked_results": mixing.ranked_sheets(e),
    }
    return render(request, "officer/election.html", context)


@require_GET
@login_required
def roll(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_roll_access(request.user)
    e = get_object_or_404(Election, slug=slug)
    # A page at a time: a million members on one page would take minutes to send.
    members = Paginator(e.members.order_by("member_number"), ROLL_PAGE)
    page = members.get_page(request.GET.get("page"))
    return render(request, "officer/roll.html", {"election": e, "members": page, "page": page})


@require_http_methods(["GET", "POST"])
@login_required
def trustees(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_officer(request.user)
    e = get_object_or_404(Election, slug=slug)
    n = steps.manifest_of(e).trustees
    existing = {t.index: t for t in e.trustees.all()}
    errors: list[str] = []
    people = [
        (existing[i].name, existing[i].email) if i in existing else ("", "")
        for i in range(1, n + 1)
    ]
    if request.method == "POST":
        people = [
            (request.POST.get(f"name-{i}", ""), request.POST.get(f"email-{i}", "").strip())
            for i in range(1, n + 1)
        ]
        try:
            tokens = setup.set_trustees(e, people, request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            problems = notify.send_trustee_links(e, tokens, request.build_absolute_uri("/"))
            for problem in problems:
                messages.error(request, problem)
            if not problems:
                messages.success(request, _("Trustees saved; each has been sent their link."))
            return redirect("officer:trustees", e.slug)
    rows = [(i, name, email, existing.get(i)) for i, (name, email) in enumerate(people, start=1)]
    context = {"election": e, "rows": rows, "errors": errors}
    return render(request, "officer/trustees.html", context, status=400 if errors else 200)


@require_POST
@login_required
def trustee_link(request: HttpRequest, slug: str, index: int) -> HttpResponse:
    """Send a trustee a new link (the old one stops working), before they have taken part."""
    access.require_officer(request.user)
    e = get_object_or_404(Election, slug=slug)
    trustee = get_object_or_404(e.trustees, index=index)
    try:
        token = setup.new_trustee_link(trustee, request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        problems = notify.send_trustee_links(e, {index: token}, request.build_absolute_uri("/"))
        for problem in problems:
            messages.error(request, problem)
        if not problems:
            messages.success(
                request, _("A new link has been sent to trustee %(i)d.") % {"i": index}
            )
    return redirect("officer:trustees", e.slug)


@require_GET
@login_required
def credentials(request: HttpRequest, slug: str) -> HttpResponse:
    """What the officer may know of the credentials: how many, and whose statement."""
    access.require_officer(request.user)
    e = get_object_or_404(Election, slug=slug)
    context = {"election": e, "issued": e.credentials.count(), "authority": authority_of(e)}
    return render(request, "officer/credentials.html", context)


def _step(
    request: HttpRequest, slug: str, step: steps.Step, done: str, *, confirm: bool = False
) -> HttpResponse:
    access.require_officer(request.user)
    e = get_object_or_404(Election, slug=slug)
    if confirm and request.POST.get("confirm") != "yes":
        # an irreversible step: the server, not only the page, asks for the box to be ticked
        messages.error(request, _("Tick the box to confirm: this step cannot be undone."))
        return redirect("officer:election", e.slug)
    try:
        step(e, request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("officer:election", e.slug)


@require_POST
@login_required
def open_voting(request: HttpRequest, slug: str) -> HttpResponse:
    return _step(request, slug, count.open_election, _("The election is open."), confirm=True)


@require_POST
@login_required
def close(request: HttpRequest, slug: str) -> HttpResponse:
    return _step(request, slug, count.close_election, _("The election is closed."), confirm=True)


@require_POST
@login_required
def tally(request: HttpRequest, slug: str) -> HttpResponse:
    done = _("The tally is ready for the trustees to decrypt.")
    return _step(request, slug, count.start_tally, done, confirm=True)


@require_POST
@login_required
def publish(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_officer(request.user)
    e = get_object_or_404(Election, slug=slug)
    if not_satisfied(e) and request.POST.get("confirm_not_satisfied") != "yes":
        # The officer must have read what the scrutineer is not satisfied of (reports.md §5).
        messages.error(
            request,
            _("The scrutineer is not satisfied of a statement: read it, and tick the box."),
        )
        return redirect("officer:election", e.slug)
    return _step(request, slug, count.publish, _("The result is published."), confirm=True)


@require_POST
@login_required
def close_answers(request: HttpRequest, slug: str) -> HttpResponse:
    done = _("The ceremony goes on: a complaint left unanswered disqualifies the accused.")
    return _step(request, slug, ceremony.close_answers, done)


@require_POST
@login_required
def close_shuffles(request: HttpRequest, slug: str) -> HttpResponse:
    done = _("The count goes on to the decryption with the shuffles in.")
    return _step(request, slug, mixing.close_shuffles, done, confirm=True)


@require_POST
@login_required
def restart_ceremony(request: HttpRequest, slug: str) -> HttpResponse:
    done = _("The key ceremony starts again: each trustee begins with tellers trustee keygen.")
    return _step(request, slug, ceremony.restart_ceremony, done)
