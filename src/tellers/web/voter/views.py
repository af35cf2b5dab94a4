"""The member's pages: sign in, the ballot (encrypted in the browser), audit, cast, receipt.

The credential code never reaches the server (``signin``); the ballot is
encrypted and signed in the browser and checked and recorded by the board
store (``store.board.cast`` / ``audit``) on the core's rules. Casting and
auditing take JSON and answer JSON for the page's script; everything else
is a plain server-rendered page.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from django.db import InterfaceError, OperationalError, connections
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tellers import canonical
from tellers.board import Receipt, read_submission
from tellers.errors import BallotRejected, EncodingError
from tellers.web.store import board
from tellers.web.store.context import manifest as manifest_of
from tellers.web.store.models import BoardEvent, CredentialRecord, Election
from tellers.web.voter import signin, throttle
from tellers.web.voter.models import CountedBallot

__all__ = ["MAX_BODY", "audit", "ballot", "cast", "receipt", "sign_out", "start"]

MAX_BODY = 256 * 1024
"""The largest ballot (or audit) body taken: a ballot of a few contests is some tens of kB."""

S = Election.Status
log = logging.getLogger("tellers.web")
_AFTER_OPENING = ("open", "closed", "tallying", "published")


def _reason_text(reason: str | None) -> str:
    texts = {
        "malformed": _("Your ballot could not be read. Reload the page and try again."),
        "wrong-election": _("This ballot was made for another election."),
        "unknown-credential": _("Your voting code is not on this election's list."),
        "not-entitled": _("The ballot does not have the questions you are entitled to answer."),
        "bad-signature": _("The ballot's signature does not check. Reload the page and try again."),
        "bad-proof": _("The ballot's encryption does not check. Reload the page and try again."),
        "replay": _("This exact ballot is already on the board. Encrypt your choices again."),
        "revote-forbidden": _("Your ballot is already recorded; this election allows one vote."),
        "first-counts": _("Your ballot is already recorded; in this election the first counts."),
        "bad-audit": _("The audit did not open the ballot."),
        "not-open": _("Voting is not open for this election."),
    }
    return texts.get(reason or "", _("The ballot was refused."))


def _election(slug: str, statuses: tuple[str, ...] = ("open", "closed")) -> Election:
    return get_object_or_404(Election, slug=slug, status__in=statuses)


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, slug: str) -> HttpResponse:
    election = _election(slug, _AFTER_OPENING)  # after the close: "voting has closed"
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        status, errors = _sign_in(request, election)
        if not errors:
            return HttpResponseRedirect(reverse("voter:ballot", args=[election.slug]))
    context = {
        "election": election,
        "errors": errors,
        "election_id": (election.manifest or {}).get("election_id", ""),
        "challenge": signin.challenge(request, election) if election.status == S.OPEN else "",
        "signed_in": signin.session_credential(request, election) is not None,
        "code_text": _code_text(),
    }
    response = render(request, "voter/start.html", context, status=status)
    return signin.keep_challenge(request, response)  # the challenge as a cookie: no session


def _code_text() -> dict[str, str]:
    """What the sign-in page's script says of a mistyped code, by the fault its check finds
    (js/src/credentials.js); it fills in the placeholders."""
    return {
        "character": _(
            "The character “%(character)s” (number %(position)s) is not used in voting codes, "
            "which have only letters and digits."
        ),
        "length": _(
            "A voting code has 24 letters and digits, not counting spaces and dashes; this one "
            "has %(found)s."
        ),
        "check": _(
            "It is probably a typo: one character does not fit with the others. Compare it with "
            "your letter or email again."
        ),
    }


def _sign_in(request: HttpRequest, election: Election) -> tuple[int, list[str]]:
    if election.status != S.OPEN:
        return 400, [_("Voting has closed for this election.")]
    credential = request.POST.get("credential", "").strip().lower()
    signature = request.POST.get("signature", "").strip().lower()
    number = request.POST.get("member_number", "").strip()
    if not credential:
        return 400, [_("Enter the voting code from your letter or email.")]
    if not number:
        return 400, [_("Enter your membership number.")]
    client = f"client:{signin.client_address(request)}"
    keys = (client, f"credential:{credential[:64]}")
    if signin.limited(election, *keys):
        return 429, [
            _(
                "Too many attempts to sign in. For your security, wait 15 minutes and try "
                "again, or contact the independent scrutineer."
            )
        ]
    try:
        public = signin.check_sign_in(request, election, credential, signature, number)
    except signin.SignInFailure as failure:
        # Only a failure signed with the code's own key counts against the credential: anyone
        # can name a member's public credential, nobody else can sign for it.
        signin.record_failure(election, *(keys if failure.kind == "mismatch" else (client,)))
        if failure.kind == "expired":
            return 400, [_("This page has expired. Enter your voting code again.")]
        return 400, [
            _(
                "The voting code and membership number do not match. Check both against "
                "your letter and try again."
            )
        ]
    signin.signed_in(request, election, public)
    return 200, []


def _credential_or_none(request: HttpRequest, election: Election) -> str | None:
    return signin.session_credential(request, election)


@never_cache  # Back after casting or signing out must not show the ballot from a cache
@require_GET
def ballot(request: HttpRequest, slug: str) -> HttpResponse:
    election = _election(slug, _AFTER_OPENING)
    credential = _credential_or_none(request, election)
    if credential is None or election.status != S.OPEN:
        return HttpResponseRedirect(reverse("voter:start", args=[election.slug]))
    record = CredentialRecord.objects.filter(
        election=election, public_credential=credential
    ).first()
    if record is None:
        return HttpResponseRedirect(reverse("voter:start", args=[election.slug]))
    manifest = manifest_of(election)
    counted = (
        CountedBallot.objects.filter(election=election, credential=credential)
        .values_list("tracker", flat=True)
        .first()
    )
    may_cast = counted is None or manifest.revote == "last"
    contests = []
    for index in manifest.contests_for(record.constituency):
        contest = manifest.contests[index]
        k = contest.max_selections
        if contest.ranked:
            hint = ngettext(
                "Give a preference to %(k)d candidate: your first choice.",
                "Give preferences to up to %(k)d candidates, in order: 1 is your first choice.",
                k,
            ) % {"k": k}
        else:
            hint = _("Choose one.") if k == 1 else _("Choose up to %(k)d.") % {"k": k}
        contests.append(
            {
                "contest": contest,
                "single": k == 1 and not contest.ranked,
                "ranked": contest.ranked,
                "max": k,
                "hint": hint,
            }
        )
    data = {
        "slug": election.slug,
        "election_id": manifest.election_id,
        "manifest": election.manifest,
        "fingerprint": election.fingerprint,
        "election_key": election.election_key,
        "credentials_hash": election.credentials_hash,
        "constituency": record.constituency,
        "credential": credential,
        "cast_url": reverse("voter:cast", args=[election.slug]),
        "audit_url": reverse("voter:audit", args=[election.slug]),
        "sign_out_url": reverse("voter:sign_out", args=[election.slug]),
    }
    text = {
        "no_code": _(
            "Your voting code is no longer in this browser tab. Sign in again with your code."
        ),
        "changed": _("You changed your choices: press Encrypt my ballot again."),
        "too_many": _("%(title)s: choose at most %(k)s."),
        "blank_not_allowed": _("%(title)s: make a choice."),
        "failed": _("Something went wrong:"),
        "blank": _("No choice (a blank vote)"),
        "no_preferences": _("No preferences given"),
        "add": _("Add as preference %(n)s"),
        "remove": _("Remove (preference %(n)s)"),
        "full": _("All %(k)s preferences given"),
        "full_note": _(
            "You have given all %(k)s preferences. Remove one before adding another candidate."
        ),
        "move_up": _("Move up"),
        "move_down": _("Move down"),
        "added": _("%(name)s is now preference %(n)s."),
        "removed": _("%(name)s removed. Your preferences: %(order)s"),
        "moved": _("%(name)s is now preference %(n)s."),
        "offline": _(
            "The site did not answer, so this may not have been recorded. Check your "
            "connection and press the button again: a ballot already recorded is never "
            "recorded twice."
        ),
        "auditing": _("Checking the encryption…"),
        "casting": _("Sending your ballot…"),
        "fingerprint_mismatch": _(
            "This page's election data does not match its fingerprint, so your browser will not "
            "encrypt a ballot with it. Do not vote here: tell the independent scrutineer."
        ),
    }
    context = {
        "election": election,
        "contests": contests,
        "counted": counted,
        "may_cast": may_cast,
        "revote": manifest.revote,
        "data": data,
        "text": text,
    }
    return render(request, "voter/ballot.html", context)


def _json_error(message: str, status: int, **extra: Any) -> JsonResponse:
    return JsonResponse({"message": message, **extra}, status=status)


def _body(request: HttpRequest) -> bytes | JsonResponse:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        return _json_error(_("The ballot is too large to be a ballot for this election."), 413)
    return bytes(request.body)


# Not read to cast or audit: the board parses its checking context from them once per process.
_NOT_READ_TO_SUBMIT = ("manifest", "ceremony", "authority", "result", "scrutineer_report")


@functools.cache
def _to_submit_sql() -> tuple[str, tuple[str, ...]]:
    """The election's row for a cast or audit, less what they never read, as plain SQL."""
    quote = connections["default"].ops.quote_name
    fields = [f for f in Election._meta.concrete_fields if f.name not in _NOT_READ_TO_SUBMIT]
    columns = ", ".join(quote(f.column) for f in fields)
    table = quote(Election._meta.db_table)
    marks = ", ".join(["%s"] * len(_AFTER_OPENING))
    where = f"{quote('slug')} = %s AND {quote('status')} IN ({marks})"
    sql = f"SELECT {columns} FROM {table} WHERE {where}"
    return sql, tuple(f.attname for f in fields)


def _election_to_submit(slug: str) -> Election:
    """The election a ballot is sent to, after its opening (else 404), read in one plain
    statement: a cast is the busiest request there is, and building the ORM's query for it
    cost more than running it."""
    sql, names = _to_submit_sql()
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, [slug, *_AFTER_OPENING])
        row = cursor.fetchone()
    if row is None:
        raise Http404("no such election open for voting")
    return Election.from_db("default", names, row)


def _submission(request: HttpRequest, slug: str) -> tuple[Election, str, bytes] | JsonResponse:
    election = _election_to_submit(slug)
    credential = _credential_or_none(request, election)
    if credential is None:
        return _json_error(_("Your voting session has ended. Sign in again."), 403)
    if election.status != S.OPEN:
        return _json_error(_reason_text("not-open"), 409, reason="not-open")
    if throttle.count_submission(election, credential, request.session.session_key or ""):
        return _json_error(
            _(
                "You have sent many ballots in a few minutes. Wait ten minutes and try again; "
                "if this is not you, tell the independent scrutineer."
            ),
            429,
            reason="too-many",
        )
    body = _body(request)
    if isinstance(body, JsonResponse):
        return body
    return election, credential, body


def _signed_by(obj: Any) -> str | None:
    value = obj.get("credential") if isinstance(obj, dict) else None
    return value if isinstance(value, str) else None


def _other_code() -> JsonResponse:
    return _json_error(
        _("This ballot is signed with another voting code than the one you signed in with."),
        403,
    )


def _answer(election: Election, got: Receipt) -> JsonResponse:
    payload = {
        "accepted": got.accepted,
        "tracker": got.tracker,
        "reason": got.reason,
        "seq": got.seq,
        "supersedes": got.supersedes,
    }
    if got.accepted:
        url = reverse("voter:receipt", args=[election.slug, got.tracker])
        return JsonResponse({**payload, "receipt_url": url})
    return JsonResponse({**payload, "message": _reason_text(got.reason)}, status=422)


@require_POST
def cast(request: HttpRequest, slug: str) -> HttpResponse:
    found = _submission(request, slug)
    if isinstance(found, JsonResponse):
        return found
    election, credential, raw = found
    try:
        signer = _signed_by(read_submission(raw, "ballot"))
    except EncodingError:
        signer = None  # the board records it as malformed
    if signer is not None and signer != credential:
        return _other_code()
    try:
        got = board.cast(election, raw)
    except BallotRejected as refused:
        return _json_error(_reason_text(refused.reason), 409, reason=refused.reason)
    if got.accepted:  # the vote is cast: nothing more to do in this session but leave
        _leave(request, election)
    return _answer(election, got)


def _leave(request: HttpRequest, election: Election) -> None:
    """End the voting session after an accepted cast. The ballot is committed by now, so a
    database failing at this point must not turn the receipt into "nothing was cast": the
    session is left to lapse (the page signs out too), and the receipt goes out."""
    try:
        signin.sign_out(request, election)
    except (OperationalError, InterfaceError) as exc:
        log.warning("cast recorded, but its voting session could not be ended: %s", exc)
        request.session.accessed = request.session.modified = False  # no save on the way out


@require_POST
def audit(request: HttpRequest, slug: str) -> HttpResponse:
    found = _submission(request, slug)
    if isinstance(found, JsonResponse):
        return found
    election, credential, raw = found
    try:
        envelope = read_submission(raw, "audit")
        problem = None
    except EncodingError as exc:
        envelope, problem = None, str(exc)
    if problem is None and (
        not isinstance(envelope, dict)
        or set(envelope) != {"ballot", "reveal", "signature"}
        or not isinstance(envelope["signature"], str)
        or not re.fullmatch(r"[0-9a-f]{128}", envelope["signature"])
    ):
        problem = "an audit request is {ballot, reveal, signature}, the signature 128 hex digits"
    try:
        if problem is not None:  # not even a request: on the board as malformed, nothing kept
            got = board.refuse_unreadable(election, "audit", problem)
        elif _signed_by(envelope["ballot"]) not in (credential, None):
            return _other_code()
        else:
            got = board.audit(
                election,
                canonical.dumps(envelope["ballot"]),
                canonical.dumps(envelope["reveal"]),
                bytes.fromhex(envelope["signature"]),
            )
    except BallotRejected as refused:
        return _json_error(_reason_text(refused.reason), 409, reason=refused.reason)
    if not got.accepted:
        return JsonResponse(
            {"audited": False, "reason": got.reason, "message": _reason_text(got.reason)},
            status=422,
        )
    assert isinstance(envelope, dict)  # only a request that could be read is audited
    return JsonResponse(
        {
            "audited": True,
            "tracker": got.tracker,
            "seq": got.seq,
            "choices": revealed_choices(election, envelope["reveal"]),
        }
    )


def revealed_choices(election: Election, reveal: Any) -> list[dict[str, str]]:
    """What an audited ballot said, contest by contest, in words (reveal already checked)."""
    manifest = manifest_of(election)
    out = []
    for item in reveal:
        contest = manifest.contest(item["id"])
        if contest.ranked:  # v_1..v_W: the candidate ranked p-th, 0 for none (ranked.md §2)
            ranked = [contest.choices[v - 1].name for v in item["choices"] if v]
            chosen = (
                "  ".join(f"{p}. {name}" for p, name in enumerate(ranked, 1))
                if ranked
                else _("no preferences given")
            )
            out.append({"id": contest.id, "contest": contest.title, "chosen": chosen})
            continue
        names = [c.name for c, v in zip(contest.choices, item["choices"], strict=True) if v]
        chosen = ", ".join(names) if names else _("no choice (blank)")
        out.append({"id": contest.id, "contest": contest.title, "chosen": chosen})
    return out


@require_GET
def receipt(request: HttpRequest, slug: str, tracker: str) -> HttpResponse:
    election = _election(slug, ("open", "closed", "tallying", "published"))
    tracker = tracker.lower()[:64]
    event = (
        BoardEvent.objects.filter(election=election, tracker=tracker, type="ballot-accepted")
        .only("seq", "body")
        .first()
    )
    body = canonical.loads(event.body) if event else {}
    supersedes = body.get("supersedes")
    # Replaced by a re-vote when its credential now counts another ballot (record.md §5.2).
    counted = (
        CountedBallot.objects.filter(election=election, credential=body["ballot"]["credential"])
        .values_list("tracker", flat=True)
        .first()
        if event
        else None
    )
    context = {
        "election": election,
        "tracker": tracker,
        "event": event,
        "supersedes": supersedes if isinstance(supersedes, str) else None,
        "replaced": event is not None and counted != tracker,
        "signed_in": signin.session_credential(request, election) is not None,
    }
    return render(request, "voter/receipt.html", context, status=200 if event else 404)


@require_POST
def sign_out(request: HttpRequest, slug: str) -> HttpResponse:
    election = _election(slug, ("open", "closed", "tallying", "published"))
    signin.sign_out(request, election)
    return HttpResponseRedirect(reverse("public:election", args=[election.slug]))
