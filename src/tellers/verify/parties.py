"""What the parties signed before voting opened: the ceremony and the credential list.

``check_ceremony_file`` re-runs the whole key ceremony from ``ceremony.json``
(every announcement, commitment, complaint, answer and confirmation, each
signed by its trustee; complaints judged; the qualified trustees' joint
key); ``read_credential_list`` checks the list line by line; ``check_opened``
compares the board's opening with what was recomputed, the credential
authority's signed statement included.
"""

from __future__ import annotations

import hashlib
from operator import lt
from pathlib import Path
from typing import Any

from tellers.ceremony import Ceremony, Outcome, check_ceremony
from tellers.crypto.group import check_x_only, x_only_faults
from tellers.election.authority import check_statement
from tellers.election.manifest import Manifest
from tellers.errors import EncodingError, InvalidShare, InvalidSignature, RecordError
from tellers.record.store import read_credential_blocks, read_json
from tellers.record.v2_authority import statement_from_json
from tellers.record.v2_trustee import ceremony_from_json, check_header
from tellers.verify.report import Report

__all__ = ["check_ceremony_file", "check_opened", "read_ceremony", "read_credential_list"]


def read_ceremony(path: Path) -> Ceremony:
    try:
        return ceremony_from_json(read_json(path))
    except EncodingError as exc:
        raise RecordError(str(path), 1, str(exc)) from None


def check_ceremony_file(
    report: Report, manifest: Manifest, digest: bytes, ceremony: Ceremony
) -> Outcome | None:
    """The ceremony re-run from its messages; None (and a ``ceremony`` failure) if it fails."""
    report.ran("ceremony")
    messages = [
        *(a.signed for a in ceremony.announcements),
        *(m.signed for m in ceremony.commitments),
        *(c.signed for c in ceremony.complaints),
        *(a.signed for a in ceremony.answers),
        *(c.signed for c in ceremony.confirmations),
    ]
    try:
        for i, message in enumerate(messages):
            check_header(message, manifest.election_id, digest, f"message {i + 1}")
        return check_ceremony(digest, ceremony, manifest.quorum, manifest.trustees)
    except InvalidShare as exc:
        report.fail("ceremony", f"trustee {exc.sender}", exc.problem)
    except (EncodingError, InvalidSignature) as exc:
        report.fail("ceremony", "ceremony.json", str(exc))
    return None


def read_credential_list(
    path: Path, manifest: Manifest, report: Report
) -> tuple[dict[bytes, str], bytes]:
    """credential -> constituency, and the file's SHA-256; a bad line fails ``credentials``.

    The list is read a block of lines at a time (``read_credential_blocks``) and each
    block's three checks — sorted, x-only, a constituency of the manifest's — made over the
    whole block, its failures then given line by line in the order reading each line would
    give them: a million-member list is a million lines."""
    table: dict[bytes, str] = {}
    previous = b""
    known = set(manifest.constituencies)
    lines = 0
    digest = hashlib.sha256()
    for first, credentials, constituencies in read_credential_blocks(path, digest):
        count = len(credentials)
        lines += count
        faults: list[tuple[int, int, str]] = []  # (index, order within the line, detail)
        if not (previous < credentials[0] and all(map(lt, credentials, credentials[1:]))):
            before = [previous, *credentials]
            faults += [
                (i, 0, "not sorted or repeated")
                for i in range(count)
                if not before[i] < before[i + 1]
            ]
        previous = credentials[-1]
        for i in x_only_faults(credentials):
            try:
                check_x_only(credentials[i], "credential")
            except EncodingError as exc:  # says why
                faults.append((i, 1, str(exc)))
        if not known.issuperset(constituencies):
            faults += [
                (i, 2, f"constituency {c!r} is not the manifest's")
                for i, c in enumerate(constituencies)
                if c not in known
            ]
        for i, _, detail in sorted(faults):
            report.fail("credentials", f"credentials.jsonl:{first + i}", detail)
        table.update(zip(credentials, constituencies, strict=True))
    if lines:
        report.ran("credentials", lines)  # once a line, as each line's checks are one
    return table, digest.digest()


def check_opened(
    report: Report,
    manifest: Manifest,
    opened: dict[str, Any],
    recomputed: dict[str, tuple[str, Any]],
    listed: tuple[bytes, int],
) -> None:
    """``election-opened`` against what was recomputed; the authority's statement of the list.

    ``recomputed`` maps each field to (the check it belongs to, its value);
    ``listed`` is (credentials hash, count).
    """
    for field, (check, value) in recomputed.items():
        report.ran(check)
        if opened.get(field) != value:
            report.fail(
                check,
                f"election-opened.{field}",
                f"recomputed {value}, published {opened.get(field)!r}",
            )
    report.ran("authority")
    try:
        stated = statement_from_json(opened.get("authority"), "election-opened.authority")
        digest = bytes.fromhex(recomputed["manifest_hash"][1])
        check_statement(stated, digest, manifest.election_id, *listed)
    except (EncodingError, InvalidSignature) as exc:
        report.fail("authority", "election-opened.authority", str(exc))
