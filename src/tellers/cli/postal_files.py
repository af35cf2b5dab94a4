"""The files of ``tellers postal``: the print authority's vault, the print folder, and the
officer's inputs (manifest, ceremony, the credential authority's upload and code sheet).

The print folder (``issue --out DIR`` writes ``DIR/print/``) is private to the print
authority, its mail house and the opening house::

    election.json   the election as the papers were made for it: manifest, joint key,
                    fingerprint, look-up address and both parties' public keys
    holders.csv     number, credential, constituency, confirmation, replaces, online:
                    what the opening house needs (no reference, no online code)
    papers.csv      one row per paper for the mail house: its label, the member's mailing
                    reference, the code beside every box, the confirmation code and, on a
                    hybrid ballot, the member's online code
    papers-0001.pdf ... the papers in batches, in the order of papers.csv

Replacements are appended to holders.csv and papers.csv (``replaces`` names the paper
replaced) and printed as ``replacement-<label>.pdf``. Every file is 0600 in a 0700 folder.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from tellers import canonical
from tellers.ceremony import check_ceremony
from tellers.crypto.credentials import public_credential
from tellers.crypto.group import Point, Scalar
from tellers.election.authority import check_statement
from tellers.election.fingerprint import election_fingerprint, manifest_hash
from tellers.election.manifest import Manifest
from tellers.errors import (
    EncodingError,
    InputFileError,
    InvalidCredential,
    ManifestError,
    TellersError,
)
from tellers.parties import SigningKey
from tellers.postal.authority import Issued, PrintAuthority
from tellers.postal.content import (
    PaperContent,
    paper_label,
    parse_label,
)
from tellers.postal.printing import DEFAULT_LOOKUP, content
from tellers.record import v2_trustee as files
from tellers.record.store import credentials_hash
from tellers.record.v2 import MANIFEST_FORMATS, manifest_from_json, manifest_to_json
from tellers.record.v2_authority import UPLOAD, upload_from_json
from tellers.spreadsheet import plain_cell, safe_row
from tellers.vault import open_vault, passphrase, write_vault

__all__ = [
    "BATCH",
    "ELECTION",
    "HOLDERS",
    "PAPERS_CSV",
    "VAULT_FORMAT",
    "Holder",
    "Keys",
    "PrintElection",
    "PrintRow",
    "add_holder",
    "content_from_row",
    "fingerprint_of",
    "joint_key",
    "load_keys",
    "print_header",
    "print_row",
    "private",
    "private_binary",
    "processes",
    "read_code_sheet",
    "read_election",
    "read_holders",
    "read_manifest",
    "read_print_rows",
    "read_upload",
    "save_keys",
    "whole",
    "write_election",
]

BATCH = 1000
"""Papers per PDF of the mail house's print run."""
VAULT_FORMAT = "tellers/print-authority/v1"
ELECTION_FORMAT = "tellers/print-election/v1"
ELECTION = "election.json"
HOLDERS = "holders.csv"
PAPERS_CSV = "papers.csv"
HOLDER_COLUMNS = ["number", "credential", "constituency", "confirmation", "replaces", "online"]


def private(path: Path, *, append: bool = False) -> TextIO:
    """A text file only its owner may read (0600), in a 0700 folder."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    return os.fdopen(
        os.open(path, flags, 0o600), "a" if append else "w", newline="", encoding="utf-8"
    )


def private_binary(path: Path) -> BinaryIO:
    """A binary file only its owner may read (0600), in a 0700 folder."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")


@contextmanager
def whole(path: Path) -> Iterator[BinaryIO]:
    """A file written whole or not at all: into a temporary beside it, renamed at the end."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    try:
        with open(temporary, "wb") as handle:
            yield handle
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def processes(requested: int | None, items: int, chunk: int) -> int:
    """Worker processes for ``items`` in chunks of ``chunk``: as asked (by default one per
    core), but never more than there are chunks, so a small batch starts no pool."""
    wanted = requested or os.cpu_count() or 1
    return max(1, min(wanted, -(-items // chunk)))


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputFileError(str(path), 0, f"cannot read ({exc.strerror})") from None


# ---- the vault ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Keys:
    """The vault's secrets: the print authority's (``signing`` None in the opening house's
    copy, which can sign returns only) and the opening house's, and the master secret."""

    name: str
    signing: SigningKey | None
    public: bytes
    opening_name: str
    opening: SigningKey
    master: bytes

    @classmethod
    def of(cls, authority: PrintAuthority) -> Keys:
        return cls(
            authority.name,
            authority.signing,
            authority.signing.public,
            authority.opening_name,
            authority.opening,
            authority.master,
        )

    def authority(self, vault: Path) -> PrintAuthority:
        """The print authority, to sign voids, replacements and the audit."""
        if self.signing is None:
            raise InputFileError(
                str(vault), 0, "this is the opening house's vault: it holds no print authority key"
            )
        return PrintAuthority(self.name, self.signing, self.opening_name, self.opening, self.master)

    def to_json(self, *, opening_only: bool = False) -> dict[str, Any]:
        signing = None if opening_only or self.signing is None else self.signing.secret.hex()
        return {
            "format": VAULT_FORMAT,
            "name": self.name,
            "signing_key": signing,
            "public_key": self.public.hex(),
            "opening_house": self.opening_name,
            "opening_key": self.opening.secret.hex(),
            "master": self.master.hex(),
        }


def save_keys(path: Path, secret: bytes, keys: Keys, *, opening_only: bool = False) -> None:
    write_vault(path, secret, keys.to_json(opening_only=opening_only))


def load_keys(path: Path, passphrase_file: Path | None) -> Keys:
    contents = open_vault(path, passphrase(passphrase_file))
    try:
        if contents.get("format") != VAULT_FORMAT:
            raise EncodingError("format", f"expected {VAULT_FORMAT!r}")
        signing = contents["signing_key"]
        keys = Keys(
            contents["name"],
            None if signing is None else SigningKey.from_secret(Scalar.from_hex(signing)),
            bytes.fromhex(contents["public_key"]),
            contents["opening_house"],
            SigningKey.from_secret(Scalar.from_hex(contents["opening_key"], nonzero=True)),
            bytes.fromhex(contents["master"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputFileError(str(path), 0, f"not a print authority's vault ({exc})") from None
    if (keys.signing is not None and keys.signing.public != keys.public) or len(keys.master) != 32:
        raise InputFileError(str(path), 0, "the vault's keys do not belong together")
    return keys


# ---- the officer's inputs ---------------------------------------------------------------


def read_manifest(path: Path) -> Manifest:
    obj = files.parse_file(_read_bytes(path), str(path), list(MANIFEST_FORMATS))
    try:
        manifest = manifest_from_json(obj)
    except (EncodingError, ManifestError) as exc:
        raise InputFileError(str(path), 0, str(exc)) from None
    if manifest.postal is None:
        raise InputFileError(str(path), 0, "this manifest has no postal channel: no papers")
    return manifest


def joint_key(manifest: Manifest, ceremony: Path | None, key_hex: str | None) -> Point:
    """The election's joint key: from the key ceremony's file (``ceremony.json`` or a trustee's
    ``bundle.json``), re-checked, or as given in hex."""
    if key_hex is not None:
        try:
            return Point.from_hex(key_hex.strip(), "--election-key")
        except EncodingError as exc:
            raise InputFileError("--election-key", 0, exc.problem) from None
    assert ceremony is not None
    try:
        obj = json.loads(_read_bytes(ceremony).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise InputFileError(str(ceremony), 0, "not JSON") from None
    try:
        if isinstance(obj, dict) and obj.get("format") == files.BUNDLE:
            held = files.bundle_from_json(obj)
        else:
            held = files.ceremony_from_json(obj)
        outcome = check_ceremony(manifest_hash(manifest), held, manifest.quorum, manifest.trustees)
    except TellersError as exc:
        problem = f"not this election's complete ceremony: {exc}"
        raise InputFileError(str(ceremony), 0, problem) from None
    return outcome.joint_key


def read_upload(path: Path, manifest: Manifest) -> tuple[list[tuple[bytes, str, str]], bytes]:
    """The credential authority's upload: (credential, constituency, reference) per member,
    its statement checked against this manifest; and the hash of the public list."""
    obj = files.parse_file(_read_bytes(path), str(path), [UPLOAD])
    try:
        upload = upload_from_json(obj)
        entries = list(upload.credentials)
        listed = credentials_hash((c, k) for c, k, _ in entries)
        check_statement(
            upload.statement, manifest_hash(manifest), manifest.election_id, listed, len(entries)
        )
    except TellersError as exc:
        raise InputFileError(str(path), 0, str(exc)) from None
    known = set(manifest.constituencies)
    for i, (_, constituency, _) in enumerate(entries):
        if constituency not in known:
            raise InputFileError(
                str(path), 0, f"credentials[{i}]: no constituency {constituency!r} in the manifest"
            )
    return entries, listed


def read_code_sheet(
    path: Path, manifest: Manifest, entries: Sequence[tuple[bytes, str, str]]
) -> dict[str, str]:
    """reference -> online code from the credential authority's ``mailing.csv``; each code
    must make its reference's published credential (so a sheet of another issue is refused)."""
    wanted = {r: c for c, _, r in entries}
    election_id = manifest.election_id.encode("utf-8")
    codes: dict[str, str] = {}
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            if "reference" not in header or "code" not in header:
                raise InputFileError(str(path), 1, "expected columns 'reference' and 'code'")
            at, code_at = header.index("reference"), header.index("code")
            for row in reader:
                line = reader.line_num
                if not any(c.strip() for c in row):
                    continue
                if len(row) != len(header):
                    raise InputFileError(str(path), line, f"expected {len(header)} cells")
                reference, code = plain_cell(row[at]).strip(), plain_cell(row[code_at]).strip()
                if reference not in wanted:
                    raise InputFileError(
                        str(path), line, f"reference {reference!r} is not in the credential upload"
                    )
                if reference in codes:
                    raise InputFileError(str(path), line, f"reference {reference!r} repeated")
                try:
                    made = public_credential(election_id, code)
                except InvalidCredential as exc:
                    raise InputFileError(str(path), line, str(exc)) from None
                if made != wanted[reference]:
                    raise InputFileError(
                        str(path),
                        line,
                        "this code does not make the credential the upload lists for its reference",
                    )
                codes[reference] = code
    except OSError as exc:
        raise InputFileError(str(path), 0, f"cannot read ({exc.strerror})") from None
    except csv.Error as exc:
        raise InputFileError(str(path), 0, f"unreadable CSV ({exc})") from None
    missing = len(wanted) - len(codes)
    if missing:
        raise InputFileError(str(path), 0, f"{missing} member(s) of the upload have no code")
    return codes


# ---- election.json ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrintElection:
    manifest: Manifest
    key: Point
    fingerprint: bytes
    lookup_url: str
    print_authority: bytes
    opening_house: bytes

    @property
    def hybrid(self) -> bool:
        assert self.manifest.postal is not None
        return self.manifest.postal.channels == "hybrid"


def write_election(folder: Path, election: PrintElection) -> None:
    with private(folder / ELECTION) as handle:
        body = {
            "format": ELECTION_FORMAT,
            "manifest": manifest_to_json(election.manifest),
            "joint_key": election.key.hex(),
            "fingerprint": election.fingerprint.hex(),
            "lookup_url": election.lookup_url,
            "print_authority": election.print_authority.hex(),
            "opening_house": election.opening_house.hex(),
        }
        handle.write(canonical.dumps(body).decode("utf-8") + "\n")


def read_election(folder: Path) -> PrintElection:
    path = folder / ELECTION
    obj = files.parse_file(_read_bytes(path), str(path), [ELECTION_FORMAT])
    try:
        return PrintElection(
            manifest_from_json(obj["manifest"]),
            Point.from_hex(obj["joint_key"], "joint_key"),
            bytes.fromhex(obj["fingerprint"]),
            str(obj.get("lookup_url", DEFAULT_LOOKUP)),
            bytes.fromhex(obj["print_authority"]),
            bytes.fromhex(obj["opening_house"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputFileError(str(path), 0, f"not a print folder's election file ({exc})") from None


# ---- holders.csv ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Holder:
    number: int
    credential: bytes
    constituency: str
    confirmation: str
    """The confirmation code as printed (short text)."""
    replaces: int | None
    online: bool
    """Whether the paper prints an online code (a hybrid ballot)."""


def add_holder(handle: TextIO, holder: Holder) -> None:
    csv.writer(handle).writerow(
        [
            f"{holder.number}",
            holder.credential.hex(),
            holder.constituency,
            holder.confirmation,
            "" if holder.replaces is None else f"{holder.replaces}",
            "yes" if holder.online else "no",
        ]
    )


def read_holders(folder: Path) -> dict[int, Holder]:
    """Every paper made so far, numbered 1..N; ``InputFileError`` naming a bad line."""
    path = folder / HOLDERS
    out: dict[int, Holder] = {}
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            if next(reader, None) != HOLDER_COLUMNS:
                raise InputFileError(str(path), 1, f"expected the header {HOLDER_COLUMNS}")
            for row in reader:
                line = reader.line_num
                try:
                    number, credential, constituency, confirmation, replaces, online = row
                    holder = Holder(
                        int(number),
                        bytes.fromhex(credential),
                        constituency,
                        confirmation,
                        int(replaces) if replaces else None,
                        online == "yes",
                    )
                except ValueError:
                    raise InputFileError(str(path), line, "not a holder's row") from None
                if holder.number != len(out) + 1:
                    raise InputFileError(str(path), line, f"expected paper {len(out) + 1}")
                out[holder.number] = holder
    except OSError as exc:
        raise InputFileError(str(path), 0, f"cannot read ({exc.strerror})") from None
    return out


# ---- papers.csv: what the mail house prints ------------------------------------------------


def print_header(manifest: Manifest, hybrid: bool) -> list[str]:
    boxes = [f"{c.id}/{x.id}" for c in manifest.contests for x in c.choices]
    return [
        "paper",
        "replaces",
        "reference",
        "constituency",
        *boxes,
        "confirmation",
        *(["online_code"] if hybrid else []),
    ]


def print_row(
    manifest: Manifest,
    issued: Issued,
    reference: str,
    confirmation: str,
    online: str | None,
    replaces: str = "",
) -> list[str]:
    """The paper's row: the code beside each box of its contests (blank for the contests
    its holder is not entitled to)."""
    codes: dict[str, tuple[str, ...]] = {pc.contest_id: pc.codes for pc in issued.paper.contests}
    boxes = [
        codes[c.id][i] if c.id in codes else ""
        for c in manifest.contests
        for i in range(len(c.choices))
    ]
    label = paper_label(issued.paper.number)
    tail = [] if online is None else [online]
    return safe_row([label, replaces, reference, issued.constituency, *boxes, confirmation, *tail])


@dataclass(frozen=True, slots=True)
class PrintRow:
    line: int
    number: int
    cells: dict[str, str]


def read_print_rows(folder: Path, manifest: Manifest, hybrid: bool) -> Iterator[PrintRow]:
    path = folder / PAPERS_CSV
    header = print_header(manifest, hybrid)
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            if next(reader, None) != header:
                raise InputFileError(
                    str(path), 1, "not this election's print file (its header differs)"
                )
            for row in reader:
                line = reader.line_num
                if len(row) != len(header):
                    raise InputFileError(str(path), line, f"expected {len(header)} cells")
                cells = dict(zip(header, (plain_cell(c) for c in row), strict=True))
                try:
                    number = parse_label(cells["paper"])
                except EncodingError as exc:
                    raise InputFileError(str(path), line, str(exc)) from None
                yield PrintRow(line, number, cells)
    except OSError as exc:
        raise InputFileError(str(path), 0, f"cannot read ({exc.strerror})") from None


def content_from_row(manifest: Manifest, row: PrintRow, lookup_url: str) -> PaperContent:
    """The printed paper of a print file's row: what the PDF shows is what the row says."""
    cells = row.cells
    entitled = (manifest.contests[i] for i in manifest.contests_for(cells["constituency"]))
    return content(
        manifest,
        row.number,
        {c.id: [cells[f"{c.id}/{x.id}"] for x in c.choices] for c in entitled},
        cells["confirmation"],
        lookup_url=lookup_url,
        credential_code=cells.get("online_code"),
        replaces=parse_label(cells["replaces"]) if cells["replaces"] else None,
    )


def fingerprint_of(manifest: Manifest, key: Point, listed_hash: bytes) -> bytes:
    return election_fingerprint(manifest_hash(manifest), key, listed_hash)
