"""``DATABASE_URL`` to Django's ``DATABASES`` entry, with the standard library only.

``postgres://user:password@host:port/name?sslmode=...`` (also ``postgresql://``)
selects PostgreSQL through psycopg 3; ``sqlite:///absolute/path`` or
``sqlite://:memory:`` selects SQLite. No URL: SQLite in the data directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["database_from_url", "sqlite_database"]


def sqlite_database(path: Path | str) -> dict[str, Any]:
    """SQLite with writers serialised by ``BEGIN IMMEDIATE`` and a patient lock wait."""
    return {
        # On disk: Django's SQLite with the file made 0600 before SQLite opens it
        # (tellers.web.sqlite). In memory: Django's own, as test runners expect.
        "ENGINE": "django.db.backends.sqlite3" if str(path) == ":memory:" else "tellers.web.sqlite",
        "NAME": str(path),
        "OPTIONS": {
            # Writers take the lock at BEGIN, so two concurrent board appends wait
            # for each other instead of one failing on lock upgrade.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


def database_from_url(url: str) -> dict[str, Any]:
    """One ``DATABASES`` entry; ``ValueError`` names what is wrong with the URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("postgres", "postgresql", "pgsql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ValueError(f"DATABASE_URL: expected a database name after the host in {url!r}")
        options = dict(parse_qsl(parts.query))
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": unquote(parts.hostname or ""),
            "PORT": str(parts.port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": 0,
        }
    if scheme == "sqlite":
        path = parts.netloc + parts.path if parts.netloc == ":memory:" else parts.path
        if not path:
            raise ValueError(f"DATABASE_URL: expected sqlite:///absolute/path, found {url!r}")
        return sqlite_database(":memory:" if path == ":memory:" else unquote(path))
    raise ValueError(f"DATABASE_URL: expected postgres:// or sqlite://, found {scheme or url!r}")
