"""Helpers the web tests import (a plain module: two conftest.py files cannot both be imported
as ``conftest``). Django is configured by ``tests/web/conftest.py`` before any test imports this.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

__all__ = ["PASSWORD", "authority_codes", "csrf_client", "postgres_param"]

PASSWORD = "correct horse battery staple"


def postgres_param() -> Any:
    """``pytest.param("pg")``, skipped with the reason when no PostgreSQL answers."""
    from django.conf import settings

    present = "pg" in settings.DATABASES
    reason = (
        "no PostgreSQL answers at "
        f"{settings.POSTGRES_URL} ({settings.POSTGRES_PROBLEM}); "
        "set TELLERS_REQUIRE_POSTGRES=1 to make this a failure"
    )
    return pytest.param("pg", marks=pytest.mark.skipif(not present, reason=reason), id="postgres")


def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def authority_codes(election: Any, work: Path) -> dict[str, str]:
    """Play the credential authority (``tellers credentials issue`` and the upload); return each
    member's code by membership number, as the member's own letter would join them."""
    from tellers.web.demo import issue_credentials

    mailing = issue_credentials(election, work)
    numbers = dict(election.members.values_list("reference", "member_number"))
    with mailing.open(newline="", encoding="utf-8") as handle:
        return {numbers[row["reference"]]: row["code"] for row in csv.DictReader(handle)}
