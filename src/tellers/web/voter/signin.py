"""Signing a member in to vote, without the server ever seeing their code.

The sign-in page gives the browser a fresh random challenge (kept in the
session). The browser derives the public credential from the typed code and
signs ``H("tellers/v1/sign-in"; challenge)`` with the credential key
(BIP340); it posts the public credential, the signature and the membership
number. The server checks the signature (the core's ``check_signature``),
that the credential is on the list, and that the second-factor binding
``second_factor_hash(credential, member number)`` is the stored one.

Failed attempts are limited per credential and per client address
(``LIMIT`` in ``WINDOW``), so neither a code nor a membership number can be
guessed at speed.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone

from tellers.crypto.credentials import check_signature
from tellers.crypto.hashing import hash_fields
from tellers.errors import InvalidSignature
from tellers.web.store.context import second_factor_hash
from tellers.web.store.models import CredentialRecord, Election
from tellers.web.voter.models import SignInAttempt

__all__ = [
    "LIMIT",
    "TAG_SIGN_IN",
    "WINDOW",
    "SignInFailure",
    "challenge",
    "check_sign_in",
    "limited",
    "record_failure",
    "session_credential",
    "sign_in_message",
    "signed_in",
]

TAG_SIGN_IN = "tellers/v1/sign-in"
LIMIT = 5
WINDOW = timedelta(minutes=15)


class SignInFailure(Exception):
    """Why a sign-in was refused: ``kind`` is ``mismatch`` or ``expired``."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def _challenge_key(election: Election) -> str:
    return f"tellers-voter-challenge:{election.pk}"


def _credential_key(election: Election) -> str:
    return f"tellers-voter:{election.pk}"


def challenge(request: HttpRequest, election: Election) -> str:
    """This session's sign-in challenge (hex), made on first use."""
    key = _challenge_key(election)
    value = request.session.get(key)
    if not isinstance(value, str):
        value = secrets.token_hex(32)
        request.session[key] = value
    return value


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
    """The signed-in public credential, or ``SignInFailure``."""
    challenge_hex = request.session.get(_challenge_key(election))
    try:
        credential = bytes.fromhex(credential_hex)
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        raise SignInFailure("expired") from None
    if not isinstance(challenge_hex, str) or len(credential) != 32 or len(signature) != 64:
        raise SignInFailure("expired")
    try:
        check_signature(credential, sign_in_message(challenge_hex), signature)
    except InvalidSignature:
        raise SignInFailure("expired") from None
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
    request.session.pop(_challenge_key(election), None)
    request.session[_credential_key(election)] = credential.hex()


def session_credential(request: HttpRequest, election: Election) -> str | None:
    value = request.session.get(_credential_key(election))
    return value if isinstance(value, str) else None


def sign_out(request: HttpRequest, election: Election) -> None:
    request.session.pop(_credential_key(election), None)
