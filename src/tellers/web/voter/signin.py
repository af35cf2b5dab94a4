"""Signing a member in to vote, without the server ever seeing their code.

The sign-in page gives the browser a fresh random challenge, kept in a
signed, time-stamped cookie rather than a session, so that a visit stores
nothing on the server. The browser derives the public credential from the
typed code and signs ``H("tellers/v1/sign-in"; challenge)`` with the
credential key (BIP340); it posts the public credential, the signature and
the membership number. The server checks the signature (the core's
``check_signature``) over a challenge it issued less than ``CHALLENGE_AGE``
ago and that has not been answered before, that the credential is on the
list, and that the second-factor binding ``second_factor_hash(credential,
member number)`` is the stored one.

Failed attempts are limited per client address and, once the signature
proves the code was known, per credential (``LIMIT`` in ``WINDOW``), so
neither a code nor a membership number can be guessed at speed, and nobody
without a member's code can lock that member out. The client address is
``REMOTE_ADDR``, which ``tellers.web.proxy`` sets to the real client's behind
a trusted proxy.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from tellers.crypto.credentials import check_signature
from tellers.crypto.hashing import hash_fields
from tellers.errors import InvalidSignature
from tellers.web.store.context import second_factor_hash
from tellers.web.store.models import CredentialRecord, Election
from tellers.web.voter.models import AnsweredChallenge, SignInAttempt

__all__ = [
    "CHALLENGE_AGE",
    "LIMIT",
    "TAG_SIGN_IN",
    "WINDOW",
    "SignInFailure",
    "challenge",
    "check_sign_in",
    "client_address",
    "keep_challenge",
    "limited",
    "record_failure",
    "session_credential",
    "sign_in_message",
    "sign_out",
    "signed_in",
]

TAG_SIGN_IN = "tellers/v1/sign-in"
LIMIT = 5
WINDOW = timedelta(minutes=15)
CHALLENGE_AGE = 30 * 60
"""Seconds a sign-in challenge stays good: as long as an idle session."""
_SALT = "tellers.voter.sign-in-challenge"


class SignInFailure(Exception):
    """Why a sign-in was refused: ``kind`` is ``mismatch`` or ``expired``."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def _cookie(election: Election) -> str:
    return f"tellers-challenge-{election.pk}"


def _credential_key(election: Election) -> str:
    return f"tellers-voter:{election.pk}"


def challenge(request: HttpRequest, election: Election) -> str:
    """A fresh sign-in challenge (hex) for the page; ``keep_challenge`` sends it as a cookie."""
    value = secrets.token_hex(32)
    request.tellers_challenge = (election, value)
    return value


def keep_challenge(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Set the challenge ``challenge`` made for this page as a signed, time-stamped cookie."""
    made = getattr(request, "tellers_challenge", None)
    if made is not None:
        election, value = made
        response.set_signed_cookie(
            _cookie(election),
            value,
            salt=_SALT,
            max_age=CHALLENGE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Strict",
        )
    return response


def _issued_challenge(request: HttpRequest, election: Election) -> str | None:
    """The challenge this browser was given, if it is this site's and still good."""
    try:
        value = request.get_signed_cookie(_cookie(election), salt=_SALT, max_age=CHALLENGE_AGE)
    except (KeyError, signing.BadSignature):
        return None
    return value if isinstance(value, str) and len(value) == 64 else None


def _answer_once(election: Election, challenge_hex: str) -> bool:
    """Mark the challenge answered; False if it was answered before (a replayed sign-in)."""
    AnsweredChallenge.objects.filter(
        at__lt=timezone.now() - timedelta(seconds=2 * CHALLENGE_AGE)
    ).delete()
    try:
        with transaction.atomic():
            AnsweredChallenge.objects.create(election=election, challenge=challenge_hex)
    except IntegrityError:
        return False
    return True


def sign_in_message(challenge_hex: str) -> bytes:
    return hash_fields(TAG_SIGN_IN, [bytes.fromhex(challenge_hex)])


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")[:100]


def limited(election: Election, *keys: str) -> bool:
    since = timezone.now() - WINDOW
    for key in keys:
        recent = SignInAttempt.objects.filter(election=election, key=key, at__gte=since)
        if recent.count() >= LIMIT:
            return True
    return False


def record_failure(election: Election, *keys: str) -> None:
    SignInAttempt.objects.bulk_create([SignInAttempt(election=election, key=k) for k in keys])
    SignInAttempt.objects.filter(at__lt=timezone.now() - 4 * WINDOW).delete()


def check_sign_in(
    request: HttpRequest, election: Election, credential_hex: str, signature_hex: str, number: str
) -> bytes:
    """The signed-in public credential, or ``SignInFailure``.

    ``expired``: no good challenge, or its signature does not verify (nothing
    shows the code was known, so it counts against the client only);
    ``mismatch``: the code's own signature, but the membership number or the
    credential is wrong (it counts against the credential too).
    """
    challenge_hex = _issued_challenge(request, election)
    try:
        credential = bytes.fromhex(credential_hex)
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        raise SignInFailure("expired") from None
    if challenge_hex is None or len(credential) != 32 or len(signature) != 64:
        raise SignInFailure("expired")
    try:
        check_signature(credential, sign_in_message(challenge_hex), signature)
    except InvalidSignature:
        raise SignInFailure("expired") from None
    if not _answer_once(election, challenge_hex):
        raise SignInFailure("expired")
    stored = (
        CredentialRecord.objects.filter(election=election, public_credential=credential.hex())
        .values_list("factor_hash", flat=True)
        .first()
    )
    expected = second_factor_hash(credential, number)
    if not stored or not hmac.compare_digest(str(stored), expected):
        raise SignInFailure("mismatch")
    return credential


def signed_in(request: HttpRequest, election: Election, credential: bytes) -> None:
    """Start the member's voting session (a new session key: no fixation)."""
    request.session.cycle_key()
    request.session[_credential_key(election)] = credential.hex()


def session_credential(request: HttpRequest, election: Election) -> str | None:
    value = request.session.get(_credential_key(election))
    return value if isinstance(value, str) else None


def sign_out(request: HttpRequest, election: Election) -> None:
    """End the member's voting session; a session holding nothing else is deleted outright."""
    from tellers.web.sessions import REFRESHED_KEY

    request.session.pop(_credential_key(election), None)
    if set(request.session.keys()) <= {REFRESHED_KEY}:
        request.session.flush()
