"""The trustee page's second factor: a code from the trustee's authenticator app.

A trustee's link is something it has been sent, so a link read from a mailbox
or a forwarded message would be enough to act as the trustee. The page
therefore also asks, once per browser session, for a code from the
authenticator app the trustee enrolled at its first visit. The key shown for
enrolment lives in that visitor's session only; the first code confirms it
and stores it on the trustee (``TrusteeFactor``), so whoever opened the link
first holds the factor, and the trustee sees at once if that was not them.

Why not django-otp's ``TOTPDevice``: its devices belong to user accounts, and
trustees have none (they are reached by link, not by sign-in); a hidden user
per trustee would mix the trustee's session with the staff sign-in of the same
browser. So the trustee's factor keeps django-otp's parts without the user:
``oath.TOTP`` for the codes and ``ThrottlingMixin`` for the back-off.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tellers.web.staff import throttle, totp
from tellers.web.store.models import Trustee, TrusteeFactor

__all__ = ["PENDING", "VERIFIED", "check_code", "enrolled", "is_verified", "pending_key"]

VERIFIED = "tellers-trustees-verified"
"""Session key: trustee id -> id of the factor whose code this session has shown (a factor
reset or enrolled anew leaves the sessions of the old one unverified)."""
PENDING = "tellers-trustee-enrolling"
"""Session key: trustee id -> the key shown to this session for enrolment."""


def enrolled(trustee: Trustee) -> bool:
    return TrusteeFactor.objects.filter(trustee=trustee).exists()


def is_verified(request: HttpRequest, trustee: Trustee) -> bool:
    verified = request.session.get(VERIFIED, {})
    shown = verified.get(str(trustee.pk)) if isinstance(verified, dict) else None
    return shown is not None and TrusteeFactor.objects.filter(pk=shown, trustee=trustee).exists()


def pending_key(request: HttpRequest, trustee: Trustee) -> str:
    """The key this session is shown to enrol (made on first asking, kept till confirmed)."""
    pending = dict(request.session.get(PENDING, {}))
    key = pending.get(str(trustee.pk))
    if not isinstance(key, str):
        key = pending[str(trustee.pk)] = totp.new_key()
        request.session[PENDING] = pending
    return key


def _enrol(request: HttpRequest, trustee: Trustee, code: str) -> TrusteeFactor:
    key = pending_key(request, trustee)
    step = totp.matching_step(key, code)
    if step is None:
        raise ValidationError(
            _(
                "That code does not match. Check the app shows “Tellers” for this trustee, "
                "and enter the code it shows now."
            )
        )
    try:
        with transaction.atomic():
            made = TrusteeFactor.objects.create(trustee=trustee, key=key, last_t=step)
    except IntegrityError:  # another session enrolled first, a moment ago
        _drop_pending(request, trustee)
        raise ValidationError(_enrolled_elsewhere()) from None
    _drop_pending(request, trustee)
    return made


def _drop_pending(request: HttpRequest, trustee: Trustee) -> bool:
    """Forget the key this session was shown for ``trustee``; whether there was one."""
    pending = dict(request.session.get(PENDING, {}))
    had = pending.pop(str(trustee.pk), None) is not None
    if had:
        request.session[PENDING] = pending
    return had


def _enrolled_elsewhere() -> str:
    return _(
        "Meanwhile an authenticator app was set up for this link in another browser. If that "
        "was not you, someone else has your link: tell the election's scrutineer at once."
    )


def _verify(factor: TrusteeFactor, code: str) -> None:
    allowed, why = factor.verify_is_allowed()
    if not allowed:
        until = why.get("locked_until") if why else None
        raise ValidationError(throttle.wait_message(until), "throttled")
    step = totp.matching_step(factor.key, code, after=factor.last_t)
    # Taking the step is one conditional UPDATE, so that of two requests with the same code
    # (a replay racing the trustee) exactly one gets in.
    taken = (
        step is not None
        and TrusteeFactor.objects.filter(pk=factor.pk, last_t__lt=step).update(
            last_t=step, throttling_failure_count=0, throttling_failure_timestamp=None
        )
        == 1
    )
    if not taken:
        TrusteeFactor.objects.filter(pk=factor.pk).update(
            throttling_failure_count=F("throttling_failure_count") + 1,
            throttling_failure_timestamp=timezone.now(),
        )
        raise ValidationError(throttle.wrong_code(), "wrong")


def check_code(request: HttpRequest, trustee: Trustee, code: str) -> None:
    """Enrol (first visit) or verify ``code``; on success this session may open the page.

    Raises ValidationError (code ``throttled`` when wrong codes must wait) saying what to do.
    """
    factor = TrusteeFactor.objects.filter(trustee=trustee).first()
    if factor is None:
        factor = _enrol(request, trustee, code)
    elif _drop_pending(request, trustee):
        raise ValidationError(_enrolled_elsewhere())
    else:
        _verify(factor, code)
    request.session.cycle_key()  # a new session id for the page it now opens
    verified = request.session.get(VERIFIED, {})
    verified = dict(verified) if isinstance(verified, dict) else {}
    verified[str(trustee.pk)] = factor.pk
    request.session[VERIFIED] = verified
