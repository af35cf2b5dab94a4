"""Running an election in the web service, step by step (as ``election.conduct`` does on files).

    setup     create_election      from a manifest file (draft)
              import_roll          the roll CSV, all or nothing; frozen once credentials exist
              set_trustees         n trustees, each with a personal link sent by email
    ceremony  accept_trustee_file  the signed messages trustees upload (``tellers trustee``),
                                   checked as the verifier will; complaints judged
    setup     mailing_roll         references and contacts for the credential authority
              accept_credentials   the authority's signed list (``tellers credentials issue``)
    count     open_election        ``election-opened``, exactly the body
                                   ``conduct.opened_body`` makes
              close_election       ``election-closed`` at or after the closing time
              start_tally          the counted ballots summed; ``tally``; the record so far
              (trustees verify it and upload decryptions; a quorum declares, not yet public)
              sign_off             the scrutineer's s.52 statements
              publish              ``result``; status published
    due       due_step             the officer's next step, in plain words

This module holds what every step shares. Small functions over the models
and the core; no cryptography of their own. Each step writes an ``AuditLog``
row. A step that cannot be taken raises Django's ``ValidationError`` with
plain messages (a list, for the roll's row-by-row report).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from tellers.election.manifest import Manifest
from tellers.record.v2 import manifest_from_json
from tellers.web.store.models import AuditLog, Election

__all__ = ["S", "Step", "locked", "log", "manifest_of", "now", "refuse"]

S = Election.Status
Step = Callable[[Election, Any], None]
"""An officer's step: (election, acting user) -> None, or ``ValidationError``."""


def now() -> datetime:
    """The clock every step reads (one place, so tests can move time: call it as ``steps.now``)."""
    return timezone.now()


def log(election: Election | None, actor: Any, action: str, **detail: Any) -> None:
    user = actor if getattr(actor, "is_authenticated", False) else None
    AuditLog.objects.create(election=election, actor=user, action=action, detail=detail)


def locked(election: Election) -> Election:
    """The election row, locked until the surrounding transaction ends."""
    return Election.objects.select_for_update().get(pk=election.pk)


def refuse(message: str) -> ValidationError:
    return ValidationError(message)


def manifest_of(election: Election) -> Manifest:
    return manifest_from_json(election.manifest)
