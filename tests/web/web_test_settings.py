"""Settings for the web tests: the site's own, on in-memory SQLite plus PostgreSQL as ``pg``.

The ``pg`` alias points at ``TELLERS_TEST_POSTGRES_URL`` (default: this
machine's PostgreSQL, database ``tellers_test``; pytest-django creates
``test_tellers_test[_gwN]`` beside it). It is present when a server answers,
or always under ``TELLERS_REQUIRE_POSTGRES=1`` so that a missing server
fails the PostgreSQL tests instead of skipping them.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("TELLERS_SECRET_KEY", "tellers-tests-only-not-secret")

from tellers.web.dburl import database_from_url, sqlite_database
from tellers.web.settings import *  # noqa: F403
from tellers.web.settings import DATABASES

__all__: list[str] = []

POSTGRES_URL = os.environ.get(
    "TELLERS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/tellers_test"
)
REQUIRE_POSTGRES = os.environ.get("TELLERS_REQUIRE_POSTGRES") == "1"


def _postgres_answers() -> str | None:
    """None if a server answers at POSTGRES_URL, else why not."""
    try:
        import psycopg

        entry = database_from_url(POSTGRES_URL)
        with psycopg.connect(
            dbname="postgres",
            user=entry["USER"] or None,
            password=entry["PASSWORD"] or None,
            host=entry["HOST"] or None,
            port=entry["PORT"] or None,
            connect_timeout=3,
        ):
            return None
    except Exception as exc:  # any failure means: no usable server
        return f"{type(exc).__name__}: {exc}".strip()


if not os.environ.get("DATABASE_URL"):
    DATABASES["default"] = sqlite_database(":memory:")
POSTGRES_PROBLEM = _postgres_answers()
if POSTGRES_PROBLEM is None or REQUIRE_POSTGRES:
    DATABASES["pg"] = database_from_url(POSTGRES_URL)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
DATA_DIR = Path(tempfile.mkdtemp(prefix="tellers-test-data-"))  # the records the site keeps
