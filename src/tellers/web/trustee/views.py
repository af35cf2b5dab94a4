"""A trustee's page, reached by a personal link; no trustee secret ever reaches it.

The link opens the page only in a session that has shown a code from the
trustee's authenticator app (``factor``): at the first visit the trustee
sets the app up from a QR code, at every later session it enters a code.

The page says which step of the key ceremony (or the count) is due, offers
the files the trustee's ``tellers trustee`` command needs, and takes the
signed file it wrote (``store.ceremony.accept_trustee_file`` checks it). At
the count it offers the record so far, which the trustee verifies before
shuffling a ranked contest's ballots (``store.mixing``) and before decrypting;
the files one command wrote can be sent together, in one upload.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tellers.web.staff import totp
from tellers.web.store import ceremony, mixing, records
from tellers.web.store.models import Trustee
from tellers.web.store.setup import token_hash
from tellers.web.trustee import factor

__all__ = ["code", "download", "home", "upload"]

MAX_FILE = 4 * 1024 * 1024
# A shuffle holds every ballot's row again, and a mix decryption a share for each
# preference: as large as the proxy lets a trustee's upload be (deploy/nginx-tellers.conf).
MAX_COUNT_FILE = 512 * 1024 * 1024
# Which download each step needs.
DOWNLOADS = {
    "keygen": "manifest",
    "commit": "ceremony-keys",
    "receive": "bundle",
    "answer": "bundle",
    "disqualified": "bundle",
    "shuffle": "record",
    "decrypt": "record",
}
UPLOADS = ("keygen", "commit", "receive", "answer", "shuffle", "decrypt")
COUNT_STEPS = ("shuffle", "decrypt")
_COUNTING = ("shuffle", "wait-shuffle", "shuffled", "decrypt", "decrypted")


def _trustee(token: str) -> Trustee:
    found = Trustee.objects.select_related("election")
    return get_object_or_404(found, token_hash=token_hash(token))


def _private(response: HttpResponse, referrer: str = "no-referrer") -> HttpResponse:
    # The link is the trustee's key to this page: never leak it in a Referer. The upload
    # form's page says "same-origin" instead, because under "no-referrer" browsers send
    # "Origin: null" with the form and the CSRF check (rightly) refuses it.
    response.headers["Referrer-Policy"] = referrer
    response.headers["Cache-Control"] = "no-store"
    return response


def _factor_page(
    request: HttpRequest, trustee: Trustee, token: str, error: str | None = None, status: int = 200
) -> HttpResponse:
    """Enrolment (QR code and key) before the first code, the code form after."""
    context: dict[str, Any] = {"trustee": trustee, "token": token, "error": error}
    if not factor.enrolled(trustee):
        key = factor.pending_key(request, trustee)
        account = f"{trustee.election.slug} trustee {trustee.index}"
        context.update(
            enrolling=True,
            qr=totp.qr_data_uri(totp.otpauth_uri(key, account)),
            secret=totp.grouped(key),
        )
    # "same-origin": the page has a form (see _private).
    return _private(render(request, "trustee/factor.html", context, status=status), "same-origin")


def _unverified(request: HttpRequest, trustee: Trustee, token: str) -> HttpResponse | None:
    """None when this session has shown the trustee's code; else where to go to show it."""
    if factor.is_verified(request, trustee):
        return None
    if request.method == "POST":
        messages.error(
            request,
            _(
                "Your session had ended, so nothing was received. Enter your code, then send "
                "the file again."
            ),
        )
    return _private(redirect("trustee:home", token))


@require_POST
def code(request: HttpRequest, token: str) -> HttpResponse:
    """The code from the trustee's app: confirms enrolment, or opens the page this session."""
    trustee = _trustee(token)
    try:
        factor.check_code(request, trustee, request.POST.get("code", ""))
    except ValidationError as exc:
        status = 429 if exc.code == "throttled" else 400
        return _factor_page(request, trustee, token, exc.messages[0], status)
    return _private(redirect("trustee:home", token))


@require_GET
def home(request: HttpRequest, token: str) -> HttpResponse:
    trustee = _trustee(token)
    if not factor.is_verified(request, trustee):
        return _factor_page(request, trustee, token)
    step = ceremony.trustee_step(trustee)
    context = {
        "trustee": trustee,
        "token": token,
        "election": trustee.election,
        "step": step,
        "download": DOWNLOADS.get(step),
        "files": trustee.files.order_by("uploaded_at"),
        "complaints": ceremony.complaints(trustee.election),
        "accepts_upload": step in UPLOADS,
        "ranked": mixing.shuffles(trustee.election) if step in _COUNTING else {},
    }
    return _private(render(request, "trustee/home.html", context))


@require_GET
def download(request: HttpRequest, token: str, name: str) -> HttpResponse:
    trustee = _trustee(token)
    if (elsewhere := _unverified(request, trustee, token)) is not None:
        return elsewhere
    election = trustee.election
    step = ceremony.trustee_step(trustee)
    content: Any
    if name == "manifest":
        content = election.manifest
    elif name == "ceremony-keys" and step not in ("keygen", "wait-keys"):
        content = ceremony.ceremony_keys(election)
    elif name == "bundle" and step in ("receive", "answer", "wait-confirmations", "disqualified"):
        content = ceremony.bundle_for(trustee)
    elif name == "record" and step in ("shuffle", "decrypt", "decrypted"):
        path = records.archive_path(election, "tally")
        if not path.exists():
            raise Http404("the record so far is not ready")
        filename = f"{election.slug}-record-so-far.zip"
        response = FileResponse(path.open("rb"), as_attachment=True, filename=filename)
        return _private(response)
    else:
        raise Http404("not available at this step")
    response = HttpResponse(
        json.dumps(content, indent=2, ensure_ascii=False) + "\n",
        content_type="application/json; charset=utf-8",
    )
    filename = f"{name}-{election.slug}-trustee-{trustee.index}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, token: str) -> HttpResponse:
    trustee = _trustee(token)
    if (elsewhere := _unverified(request, trustee, token)) is not None:
        return elsewhere
    if request.method == "GET":
        context = {"trustee": trustee, "token": token, "step": ceremony.trustee_step(trustee)}
        return _private(render(request, "trustee/upload.html", context), "same-origin")
    chosen = request.FILES.getlist("file")
    limit = MAX_COUNT_FILE if ceremony.trustee_step(trustee) in COUNT_STEPS else MAX_FILE
    if not chosen or any(f.size > limit for f in chosen):
        messages.error(request, _("Choose the file that tellers trustee wrote."))
    # Each file on its own, in the order given: one refused does not stop the others.
    for uploaded in chosen if all(f.size <= limit for f in chosen) else ():
        try:
            kind = ceremony.accept_trustee_file(trustee, uploaded.read(), uploaded.name)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            said = f"{kind} ({uploaded.name})"
            messages.success(request, _("Received and checked: %(kind)s.") % {"kind": said})
    return _private(redirect("trustee:home", token))
