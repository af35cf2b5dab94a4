"""Django's SQLite backend, the database file created 0600 in a 0700 directory.

SQLite creates its ``-wal`` and ``-shm`` files with the database file's
permissions, so making the file before SQLite opens it keeps all three
readable by the site's user only, whatever the umask. In-memory and URI
databases (the tests') are left as they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.backends.sqlite3 import base

from tellers.web.datadir import private_file, tighten

__all__ = ["DatabaseWrapper"]


def _on_disk(name: object) -> Path | None:
    if not isinstance(name, (str, Path)):
        return None
    text = str(name)
    if not text or text == ":memory:" or text.startswith("file:"):
        return None
    return Path(text)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        path = _on_disk(conn_params.get("database"))
        if path is not None:
            private_file(path)
            for suffix in ("-wal", "-shm"):  # left by an older run with looser modes
                tighten(path.with_name(path.name + suffix), 0o600)
        return super().get_new_connection(conn_params)
