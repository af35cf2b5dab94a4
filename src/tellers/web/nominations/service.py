"""The officer's nominations steps on the site, each one event of the log (nominations.md §5).

Every step locks the contest's row, replays its log (``tellers.nominations``),
takes the step there — so the site refuses exactly what the rules and the
published log's checker refuse — and stores the new lines, all in one
transaction. A step the rules refuse comes back as Django's
``ValidationError`` with the rules' own message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tellers.election.manifest import Choice, Contest
from tellers.errors import NominationError, TellersError
from tellers.nominations import NominationsLog, Outcome, Period, Rules, read_bodies_csv
from tellers.nominations.contest import contest_choices
from tellers.web.nominations.models import NominationEvent, NominationPhoto, NominationsPeriod
from tellers.web.store import steps
from tellers.web.store.steps import log as audit

__all__ = [
    "choices_json",
    "close",
    "declared_contest",
    "load",
    "log_lines",
    "open_period",
    "outcome",
    "photos",
    "receive",
    "register",
    "rule",
    "submit_address",
    "withdraw",
]

T = TypeVar("T")


def _now() -> str:
    return steps.now().isoformat()  # the steps' one clock, which tests move


def load(period: NominationsPeriod) -> NominationsLog:
    """The contest's log replayed from its stored lines."""
    lines = period.events.order_by("seq").values_list("line", flat=True)
    return NominationsLog.from_lines(list(lines), f"{period}/nominations.jsonl")


def _store(period: NominationsPeriod, log: NominationsLog, before: int) -> None:
    NominationEvent.objects.bulk_create(
        NominationEvent(period=period, seq=e.seq, line=e.to_line().decode())
        for e in log.events[before:]
    )
    period.head = log.head
    period.closed = log.outcome is not None
    period.save(update_fields=["head", "closed"])


def _step(
    period: NominationsPeriod, actor: Any, action: str, take: Callable[[NominationsLog], T]
) -> T:
    with transaction.atomic():
        locked = NominationsPeriod.objects.select_for_update().get(pk=period.pk)
        log = load(locked)
        before = len(log.events)
        try:
            result = take(log)
        except NominationError as exc:
            raise ValidationError(str(exc)) from None
        _store(locked, log, before)
        audit(None, actor, action, nominations=str(locked), seq=log.events[-1].seq)
    period.refresh_from_db()
    return result


def open_period(
    *,
    election_id: str,
    contest: str,
    office: str,
    organisation: str,
    period: Period,
    rules: Rules,
    bodies_csv: bytes,
    filename: str,
    actor: Any,
) -> NominationsPeriod:
    """Open nominations for one contest: the first event carries the rules and the bodies."""
    try:
        text = bodies_csv.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(f"{filename} is not UTF-8 text.") from None
    try:
        bodies = read_bodies_csv(text.splitlines(keepends=True), filename)
        log = NominationsLog.open(
            election=election_id,
            contest=contest,
            office=office,
            period=period,
            rules=rules,
            bodies=bodies,
            at=_now(),
        )
    except TellersError as exc:
        raise ValidationError(str(exc)) from None
    try:
        with transaction.atomic():
            row = NominationsPeriod.objects.create(
                election_id=election_id, contest=contest, office=office, organisation=organisation
            )
            _store(row, log, 0)
            audit(None, actor, "nominations-opened", nominations=str(row), bodies=len(bodies))
    except IntegrityError:
        raise ValidationError(
            f"Nominations for {election_id}/{contest} are already open."
        ) from None
    return row


def register(period: NominationsPeriod, candidate: str, name: str, actor: Any) -> None:
    _step(period, actor, "candidate-registered", lambda log: log.register(candidate, name, _now()))


def receive(
    period: NominationsPeriod, candidate: str, body: str, received: str | None, actor: Any
) -> int:
    at = _now()
    return _step(
        period,
        actor,
        "nomination-received",
        lambda log: log.receive(candidate, body, received or at, at),
    )


def rule(period: NominationsPeriod, number: int, valid: bool, reason: str, actor: Any) -> None:
    _step(period, actor, "nomination-ruled", lambda log: log.rule(number, valid, reason, _now()))


def submit_address(
    period: NominationsPeriod, candidate: str, text: str, photo: bytes | None, actor: Any
) -> None:
    def take(log: NominationsLog) -> None:
        address = log.submit_address(candidate, text, photo, _now())
        if photo is not None and address.photo is not None:
            NominationPhoto.objects.get_or_create(
                period=period,
                sha256=address.photo.sha256,
                defaults={"media_type": address.photo.media_type, "data": photo},
            )

    _step(period, actor, "address-submitted", take)


def withdraw(period: NominationsPeriod, candidate: str, actor: Any) -> None:
    _step(period, actor, "candidate-withdrawn", lambda log: log.withdraw(candidate, _now()))


def close(period: NominationsPeriod, seed_hex: str, actor: Any) -> Outcome:
    """Close nominations (the period must be over); ``seed_hex`` for an order by lot."""
    seed_hex = seed_hex.strip().lower()
    try:
        seed = bytes.fromhex(seed_hex) if seed_hex else None
    except ValueError:
        raise ValidationError("The seed must be 64 hexadecimal digits.") from None
    return _step(period, actor, "nominations-closed", lambda log: log.close(_now(), seed))


def outcome(period: NominationsPeriod) -> Outcome | None:
    return load(period).outcome


def photos(period: NominationsPeriod) -> dict[str, bytes]:
    return {p.sha256: bytes(p.data) for p in period.photos.all()}


def choices_json(period: NominationsPeriod) -> list[dict[str, str]]:
    """The manifest contest's ``choices`` (record.md §3.1) from a closed log."""
    return [{"id": c.id, "name": c.name, "address": c.address} for c in _choices(period)[1]]


def _choices(period: NominationsPeriod) -> tuple[Outcome, tuple[Choice, ...]]:
    result = outcome(period)  # replayed from the stored lines, not the row's cached head
    if result is None:
        raise ValidationError("Nominations are not closed yet.")
    try:
        return result, contest_choices(result)
    except NominationError as exc:
        raise ValidationError(str(exc)) from None


def declared_contest(period: NominationsPeriod, contest: Contest) -> Contest:
    """``contest`` with the standing candidates as its choices and the log's head as its
    ``nominations`` (record.md §3.8), so that the record holds the log and its verifier
    re-derives the choices from it."""
    result, choices = _choices(period)
    return dataclasses.replace(contest, choices=choices, nominations=result.head)


def log_lines(election_id: str, contest: str, using: str = "default") -> list[bytes] | None:
    """The closed log of ``election_id``'s ``contest``, its lines as published (without
    newlines); None when there is none (record.md §1.3)."""
    period = (
        NominationsPeriod.objects.using(using)
        .filter(election_id=election_id, contest=contest, closed=True)
        .first()
    )
    if period is None:
        return None
    return [line.encode() for line in period.events.order_by("seq").values_list("line", flat=True)]
