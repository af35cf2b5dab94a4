"""``tellers trustee ...``: a trustee's side of the key ceremony and of decryption.

Runs on the trustee's own machine. The trustee's secrets (ceremony key,
polynomial, key share) stay in a local directory of 0600 files; only the
public files this command writes are uploaded on the trustee's page::

    keygen  --index I --manifest manifest.json --dir DIR   -> ceremony-key-public.json
    commit  --dir DIR --keys ceremony-keys.json            -> commitment.json
    receive --dir DIR --bundle bundle.json                 -> confirmation.json
                                                              (or complaint.json, exit 1)
    decrypt --dir DIR --tally tally.json                   -> decryption.json

Exit 0 on success, 1 when a check fails (a trustee sent a bad share), 2 when
a file is unusable (named, with the line where JSON syntax is at fault).

The exchange files' JSON mapping is ``tellers.record.v1_trustee``, shared
with the web service (ceremony.md "Exchange files").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from tellers.crypto import threshold
from tellers.crypto.ceremony_messages import (
    CeremonyKey,
    DecryptionShare,
    TrusteeKey,
    TrusteePolynomial,
)
from tellers.election.fingerprint import manifest_hash
from tellers.election.manifest import Manifest
from tellers.errors import EncodingError, InputFileError, InvalidShare, TellersError
from tellers.record import v1_trustee as files
from tellers.record.v1 import MANIFEST_FORMAT, manifest_from_json, manifest_to_json
from tellers.tally import flatten

__all__ = ["register", "run"]

Json = Any
T = TypeVar("T")


# ---- the trustee's directory --------------------------------------------------------


class _State:
    """The trustee's directory: the manifest copy and the 0600 secret files."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory

    def write(self, name: str, value: Json) -> Path:
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.dir / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(value, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
        os.chmod(path, 0o600)
        return path

    def read(self, name: str, formats: Sequence[str]) -> dict[str, Any]:
        return _read(self.dir / name, formats)

    def manifest(self) -> Manifest:
        obj = self.read("manifest.json", _manifest_formats())
        return _decode(self.dir / "manifest.json", lambda: manifest_from_json(obj))

    def ceremony_key(self) -> CeremonyKey:
        path = self.dir / "ceremony-key.json"
        obj = self.read(path.name, [files.SECRET_CEREMONY_KEY])
        return _decode(path, lambda: files.ceremony_key_from_json(obj))

    def polynomial(self) -> TrusteePolynomial:
        path = self.dir / "polynomial.json"
        obj = self.read(path.name, [files.POLYNOMIAL])
        return _decode(path, lambda: files.polynomial_from_json(obj))

    def trustee_key(self) -> TrusteeKey:
        path = self.dir / "trustee-key.json"
        obj = self.read(path.name, [files.TRUSTEE_KEY])
        return _decode(path, lambda: files.trustee_key_from_json(obj))


def _manifest_formats() -> list[str]:
    return [MANIFEST_FORMAT]


def _read(path: Path, formats: Sequence[str]) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(str(path), 0, f"cannot read ({exc.strerror})") from None
    return files.parse_file(data, str(path), formats)


def _decode(path: Path, make: Callable[[], T]) -> T:
    try:
        return make()
    except EncodingError as exc:
        raise InputFileError(str(path), 0, str(exc)) from None


def _same_election(path: Path, obj: dict[str, Any], manifest: Manifest) -> None:
    digest = manifest_hash(manifest).hex()
    if obj.get("manifest_hash") != digest:
        raise InputFileError(
            str(path),
            0,
            f"manifest_hash: this file is for another election or manifest "
            f"(expected {digest}, found {obj.get('manifest_hash')!r})",
        )


# ---- commands -----------------------------------------------------------------------


def keygen(args: argparse.Namespace) -> int:
    manifest_path: Path = args.manifest
    obj = _read(manifest_path, _manifest_formats())
    manifest = _decode(manifest_path, lambda: manifest_from_json(obj))
    index: int = args.index
    if not 1 <= index <= manifest.trustees:
        print(
            f"tellers trustee keygen: --index must be 1..{manifest.trustees} "
            f"(the manifest names {manifest.trustees} trustees), found {index}",
            file=sys.stderr,
        )
        return 2
    state = _State(args.dir)
    if (state.dir / "ceremony-key.json").exists() and not args.force:
        print(
            f"tellers trustee keygen: {state.dir} already holds a ceremony key; "
            "use --force to replace it",
            file=sys.stderr,
        )
        return 2
    key = threshold.new_ceremony_key(index)
    polynomial = threshold.new_polynomial(index, manifest.quorum)
    state.write("manifest.json", manifest_to_json(manifest))
    state.write("ceremony-key.json", files.ceremony_key_to_json(key))
    state.write("polynomial.json", files.polynomial_to_json(polynomial))
    out = state.write(
        "ceremony-key-public.json", files.public_key_file_to_json(manifest, index, key.public)
    )
    print(f"Trustee {index}: your secrets are in {state.dir} (keep them private).")
    print(f"Upload {out} on your trustee page.")
    return 0


def commit(args: argparse.Namespace) -> int:
    state = _State(args.dir)
    manifest = state.manifest()
    polynomial = state.polynomial()
    keys_path: Path = args.keys
    obj = _read(keys_path, [files.KEYS])
    _same_election(keys_path, obj, manifest)
    recipients = _decode(keys_path, lambda: files.ceremony_keys_from_json(obj))
    indices = [k.trustee for k in recipients]
    if indices != list(range(1, manifest.trustees + 1)):
        raise InputFileError(
            str(keys_path), 0, f"keys: expected trustees 1..{manifest.trustees}, found {indices}"
        )
    digest = manifest_hash(manifest)
    commitment = threshold.commit(digest, polynomial)
    shares = threshold.make_shares(digest, polynomial, recipients)
    out = state.write(
        "commitment.json", files.commitment_file_to_json(manifest, commitment, shares)
    )
    print(f"Trustee {polynomial.trustee}: commitments and sealed shares written.")
    print(f"Upload {out} on your trustee page.")
    return 0


def receive(args: argparse.Namespace) -> int:
    state = _State(args.dir)
    manifest = state.manifest()
    key = state.ceremony_key()
    bundle_path: Path = args.bundle
    obj = _read(bundle_path, [files.BUNDLE])
    _same_election(bundle_path, obj, manifest)
    commitments, shares = _decode(bundle_path, lambda: files.bundle_from_json(obj))
    digest = manifest_hash(manifest)
    try:
        trustee_key = threshold.receive_shares(
            digest, key, commitments, shares, quorum=manifest.quorum, trustees=manifest.trustees
        )
    except InvalidShare as exc:
        out = state.write(
            "complaint.json",
            files.complaint_to_json(manifest, key.trustee, exc.sender, exc.problem),
        )
        print(
            f"tellers trustee receive: trustee {exc.sender} cheated or erred: {exc.problem}",
            file=sys.stderr,
        )
        print(f"Upload the complaint {out} on your trustee page.", file=sys.stderr)
        return 1
    state.write("trustee-key.json", files.trustee_key_to_json(trustee_key))
    out = state.write(
        "confirmation.json",
        files.confirmation_to_json(manifest, key.trustee, trustee_key.public),
    )
    print(f"Trustee {key.trustee}: all {len(commitments)} shares check; your key share is kept.")
    print(f"Upload {out} on your trustee page.")
    return 0


def decrypt(args: argparse.Namespace) -> int:
    state = _State(args.dir)
    manifest = state.manifest()
    key = state.trustee_key()
    tally_path: Path = args.tally
    obj = _read(tally_path, [files.TALLY])
    if obj.get("election_id") != manifest.election_id:
        raise InputFileError(
            str(tally_path),
            0,
            f"election_id: expected {manifest.election_id!r}, found {obj.get('election_id')!r}",
        )

    fingerprint, tallies = _decode(tally_path, lambda: files.tally_for_trustees_from_json(obj))
    shares: tuple[DecryptionShare, ...] = threshold.decryption_shares(
        fingerprint, key, flatten(tallies)
    )
    out = state.write(
        "decryption.json",
        files.decryption_to_file(manifest.election_id, fingerprint, key.trustee, shares),
    )
    print(f"Trustee {key.trustee}: {len(shares)} decryption shares with proofs written.")
    print(f"Upload {out} on your trustee page.")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "trustee",
        help="a trustee's steps in the key ceremony and decryption (on your own machine)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    steps = parser.add_subparsers(dest="step", metavar="STEP", required=True)
    p = steps.add_parser("keygen", help="make your ceremony key and secret polynomial")
    p.add_argument("--index", type=int, required=True, help="your trustee number (1..n)")
    p.add_argument("--manifest", type=Path, required=True, help="the election manifest")
    p.add_argument("--dir", type=Path, required=True, help="your private directory")
    p.add_argument("--force", action="store_true", help="replace an existing ceremony key")
    p.set_defaults(handler=_guard(keygen))
    p = steps.add_parser("commit", help="commit to your polynomial and seal shares")
    p.add_argument("--dir", type=Path, required=True, help="your private directory")
    p.add_argument("--keys", type=Path, required=True, help="ceremony-keys.json from your page")
    p.set_defaults(handler=_guard(commit))
    p = steps.add_parser("receive", help="open and check the shares addressed to you")
    p.add_argument("--dir", type=Path, required=True, help="your private directory")
    p.add_argument("--bundle", type=Path, required=True, help="bundle.json from your page")
    p.set_defaults(handler=_guard(receive))
    p = steps.add_parser("decrypt", help="your decryption shares of the tally, with proofs")
    p.add_argument("--dir", type=Path, required=True, help="your private directory")
    p.add_argument("--tally", type=Path, required=True, help="tally.json from your page")
    p.set_defaults(handler=_guard(decrypt))


def _guard(step: Any) -> Any:
    def run_step(args: argparse.Namespace) -> int:
        try:
            code: int = step(args)
        except TellersError as exc:
            print(f"tellers trustee {args.step}: {exc}", file=sys.stderr)
            return 2
        return code

    return run_step


def run(argv: Sequence[str]) -> int:
    """``tellers trustee ARGS`` from Python (tests, scripts)."""
    from tellers.cli import main

    return main(["trustee", *argv])
