"""``tellers credentials issue``: the credential authority's command, on its own machine.

The authority (the scrutineer or its mail house) is given the election's
manifest and its *mailing roll* — a mailing reference, the constituency and
contact details for each member, no membership numbers — and writes::

    OUT/mailing.csv               each member's secret code beside their contact details:
                                  for printing or emailing only, never uploaded (0600)
    OUT/credentials-upload.json   the signed statement of the list, the public credentials
                                  and their references: upload this on the scrutineer's page
    OUT/credentials.jsonl         the public list as the record will publish it

The authority's signing key is kept in --key, encrypted under a passphrase
(made on first use); publish its fingerprint, printed here, with the notice
of election, so that anyone can tell the list on the board is the one it
signed. Exit 0 on success, 2 when an input is unusable (file and line named).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from pathlib import Path
from typing import Any

from tellers.cli.guard import guarded
from tellers.cli.progress import Progress
from tellers.crypto.group import Scalar
from tellers.election import authority
from tellers.election.fingerprint import manifest_hash
from tellers.election.roll import read_roll_csv
from tellers.election.statutory import require_acknowledged
from tellers.errors import EncodingError, InputFileError, ManifestError
from tellers.parties import SigningKey, key_fingerprint, short_text
from tellers.record import v2_trustee as files
from tellers.record.store import write_credentials
from tellers.record.v2 import MANIFEST_FORMATS, manifest_from_json
from tellers.record.v2_authority import upload_to_json
from tellers.spreadsheet import safe_row
from tellers.vault import open_vault, passphrase, write_vault

__all__ = ["KEY_FORMAT", "register"]

KEY_FORMAT = "tellers/authority-key/v2"


def _key(path: Path, passphrase_file: Path | None) -> SigningKey:
    if path.exists():
        contents = open_vault(path, passphrase(passphrase_file))
        if contents.get("format") != KEY_FORMAT or not isinstance(contents.get("signing_key"), str):
            raise InputFileError(str(path), 0, f"not an authority key ({KEY_FORMAT})")
        try:
            return SigningKey.from_secret(Scalar.from_hex(contents["signing_key"], nonzero=True))
        except EncodingError as exc:
            raise InputFileError(str(path), 0, str(exc)) from None
    key = SigningKey.generate()
    secret = passphrase(
        passphrase_file, confirm=True, prompt="A passphrase for the authority key: "
    )
    write_vault(path, secret, {"format": KEY_FORMAT, "signing_key": key.secret.hex()})
    return key


def _private(path: Path) -> Any:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(fd, "w", newline="", encoding="utf-8")


def issue(args: argparse.Namespace) -> int:
    manifest_path: Path = args.manifest
    try:
        obj = files.parse_file(
            manifest_path.read_bytes(), str(manifest_path), list(MANIFEST_FORMATS)
        )
    except OSError as exc:
        raise InputFileError(str(manifest_path), 0, f"cannot read ({exc.strerror})") from None
    try:
        manifest = manifest_from_json(obj)
        # No credentials for a manifest whose warnings the officer has not acknowledged.
        require_acknowledged(manifest)
    except (EncodingError, ManifestError) as exc:
        raise InputFileError(str(manifest_path), 0, str(exc)) from None
    roll = read_roll_csv(args.roll, id_column="reference")
    roll.check_against(manifest, str(args.roll))
    key = _key(args.key, args.passphrase_file)
    out: Path = args.out
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    contact = [name for name, _ in roll.members[0].contact]
    progress = Progress("issuing")
    entries: list[tuple[bytes, str, str]] = []
    with _private(out / "mailing.csv") as handle:
        writer = csv.writer(handle)
        writer.writerow(["reference", "constituency", *contact, "code"])
        pairs = ((m.member_id, m.constituency) for m in roll)
        for n, (member, issued) in enumerate(
            zip(roll, authority.issue(manifest, pairs, workers=max(1, args.workers)), strict=True),
            start=1,
        ):
            # For the mail house's spreadsheet: no cell of the roll becomes a live formula.
            writer.writerow(safe_row([issued.reference, issued.constituency,
                                      *dict(member.contact).values(), issued.code]))  # fmt: skip
            entries.append((issued.credential, issued.constituency, issued.reference))
            if n % 5000 == 0:
                progress.stage("issuing", n, len(roll))
    progress.done()
    listed = [(c, k) for c, k, _ in entries]
    statement = authority.statement(
        manifest_hash(manifest), manifest.election_id, args.name, key, listed
    )
    upload = out / "credentials-upload.json"
    with _private(upload) as handle:
        json.dump(upload_to_json(statement, entries), handle)
        handle.write("\n")
    digest = write_credentials(out / "credentials.jsonl", listed)
    print(f"{len(entries):,} credentials issued for {manifest.election_id}.")
    print(f"  codes for the mailing (keep private): {out / 'mailing.csv'}")
    print(f"  upload on the scrutineer's page: {upload}")
    print(f"  credential list hash {short_text(digest)}")
    print(f"  the authority's key fingerprint {key_fingerprint(key.public)}: publish it")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "credentials",
        help="the credential authority: issue members' codes (on its own machine)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    steps = parser.add_subparsers(dest="step", metavar="STEP", required=True)
    p = steps.add_parser("issue", help="issue a code per member of a mailing roll")
    p.add_argument("--manifest", type=Path, required=True, help="the election manifest")
    p.add_argument("--roll", type=Path, required=True, help="the mailing roll (CSV)")
    p.add_argument("--key", type=Path, required=True, help="the authority's key (made if absent)")
    p.add_argument("--name", required=True, help="the authority's name, as published")
    p.add_argument("--out", type=Path, required=True, help="a private output folder")
    p.add_argument("--passphrase-file", type=Path, help="read the passphrase from this file")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes")
    p.set_defaults(handler=guarded("credentials", issue))
