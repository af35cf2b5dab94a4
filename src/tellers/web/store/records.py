"""The election record as files the site serves: built once, then served as they are.

At the close of a ballot with papers the site writes the record at the close,
from which the print authority finds the unused papers to open. When the tally
is published the site writes the record *so far* (no result yet) as a ZIP,
which each trustee downloads and verifies with ``tellers trustee decrypt``
before decrypting; once the result is declared, the record as publishing it
will make it, from which the draft s.52 report and notices are made; when the
result is published, the whole record. All live
in ``DATA_DIR/records/`` and are served from there: a download never rebuilds
a record.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings

from tellers.record.archive import write_archive
from tellers.web.store.board import export_record
from tellers.web.store.models import Election

__all__ = ["archive_path", "write_archive_for"]


def archive_path(election: Election, stage: str) -> Path:
    """Where the record's ZIP is kept: ``stage`` is ``closed`` (at the close, for the print
    authority's audit of unused papers), ``tally`` (in progress), ``draft`` (the record as
    publishing the declared result will make it, for the draft documents) or ``result``."""
    return Path(settings.DATA_DIR) / "records" / f"{election.slug}-{stage}.zip"


def write_archive_for(election: Election, stage: str) -> bytes:
    """Export the record from the database and keep it as a ZIP; return its root."""
    target = archive_path(election, stage)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="tellers-record-", dir=target.parent))
    try:
        folder = work / f"{election.slug}-record"
        root = export_record(
            election, folder, after_close=stage == "closed", declared=stage == "draft"
        )
        temporary = work / "record.zip"
        write_archive(folder, temporary)
        os.replace(temporary, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return root
