"""The site's data directory kept private: the directory 0700, its secret files 0600.

``DATA_DIR`` holds the secret key, the embedded SQLite database, the election
records and the demo's mailing file. Whatever the umask, what is made here is
readable by the site's own user only; a directory or file that already exists
and belongs to that user is tightened to the same modes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["private_dir", "private_file", "tighten"]


def tighten(path: Path, mode: int) -> None:
    """Take the group's and others' bits off ``path`` if it is ours and has any."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) & 0o077:
        path.chmod(mode)


def private_dir(path: Path) -> Path:
    """``path`` made (with its parents) if missing, readable by this user only."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    tighten(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """``path`` created empty if missing, 0600, in a private directory; never truncated."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    tighten(path, 0o600)
    return path
