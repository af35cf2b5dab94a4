"""A record as one file: a ZIP archive of its directory (record.md §1.1).

``tellers verify`` and ``tellers trustee decrypt`` take a record as a
directory or as a ``.zip`` holding its files, either at the top of the
archive or in one folder. The archive is unpacked into a private temporary
directory and checked there exactly as a directory is; a name that climbs
out of its folder, a link or a second folder makes the archive unusable.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from tellers.errors import RecordError

__all__ = ["MAX_UNPACKED", "open_record", "write_archive"]

MAX_UNPACKED = 64 * 1024**3
"""An archive that would unpack to more than this is refused (64 GiB: a national ballot)."""


@contextmanager
def open_record(path: Path) -> Iterator[Path]:
    """The record's directory: ``path`` itself, or a ZIP's contents unpacked for the duration."""
    if path.is_dir():
        yield path
        return
    if not path.is_file():
        raise RecordError(str(path), 0, "no such record (expected a directory or a .zip file)")
    if not zipfile.is_zipfile(path):
        raise RecordError(str(path), 0, "not a record: neither a directory nor a ZIP archive")
    work = Path(tempfile.mkdtemp(prefix="tellers-record-"))
    try:
        yield _unpack(path, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _unpack(path: Path, work: Path) -> Path:
    with zipfile.ZipFile(path) as archive:
        entries = [e for e in archive.infolist() if not e.is_dir()]
        folders = {PurePosixPath(e.filename).parts[:-1] for e in entries}
        if (
            len(folders) > 1
            or any(len(f) > 1 for f in folders)
            or any(part in ("", ".", "..") or part.startswith("/") for f in folders for part in f)
        ):
            raise RecordError(
                str(path), 0, "the archive must hold the record's files in one folder"
            )
        if sum(e.file_size for e in entries) > MAX_UNPACKED:
            raise RecordError(str(path), 0, "the archive is too large to unpack")
        target = work / "record"
        target.mkdir()
        for entry in entries:
            name = PurePosixPath(entry.filename).name
            if name in ("", ".", "..") or "\\" in name or (entry.external_attr >> 28) == 0o12:
                raise RecordError(
                    str(path), 0, f"the archive holds an unusable name {entry.filename!r}"
                )
            with archive.open(entry) as source, open(target / name, "wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
    return target


def write_archive(directory: Path, archive: Path) -> None:
    """Pack a record directory as a ZIP, its files in a folder named after the directory."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(directory.iterdir()):
            zf.write(file, f"{directory.name}/{file.name}")
