"""``tellers trustee ...``: a trustee's side of the key ceremony and of decryption.

Runs on the trustee's own machine. The trustee's secrets (signing key,
ceremony key, polynomial, key share) stay in DIR/trustee-secrets.json,
encrypted under a passphrase (from --passphrase-file, $TELLERS_PASSPHRASE or
asked for); only the signed public files this command writes are uploaded
on the trustee's page::

    keygen  --index I --manifest manifest.json --dir DIR   -> announcement.json
    commit  --dir DIR --keys ceremony-keys.json [--expect I=FINGERPRINT ...]
                                                           -> commitment.json
    receive --dir DIR --bundle bundle.json                 -> confirmation.json
                                                              (or complaint.json, exit 1)
    answer  --dir DIR --bundle bundle.json                 -> answer-to-L.json per complaint
    decrypt --dir DIR --record RECORD                      -> decryption.json

``decrypt`` verifies the record so far (a directory or .zip from the page)
and decrypts only the totals it recomputes from its ballots. Exit 0 on
success, 1 when a check fails (a bad share, a record that does not verify),
2 when a file is unusable. Compare the fingerprints and transcripts printed
with the other trustees: the same on every screen means nobody was shown
another trustee's keys.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tellers import trustee
from tellers.ceremony import Ceremony, TrusteeSecrets
from tellers.cli.guard import guarded
from tellers.cli.progress import Progress
from tellers.errors import EncodingError, InputFileError
from tellers.parties import key_fingerprint, short_text
from tellers.record import v2_trustee as files
from tellers.record.archive import open_record
from tellers.record.v2 import MANIFEST_FORMATS, manifest_from_json, manifest_to_json
from tellers.vault import open_vault, passphrase, write_vault
from tellers.verify import verify_record

__all__ = ["register", "run"]

SECRETS = "trustee-secrets.json"


class _Dir:
    """The trustee's directory: the manifest copy, the vault and the files to upload."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.dir: Path = args.dir
        self.passphrase_file: Path | None = args.passphrase_file

    def write(self, name: str, value: Any) -> Path:
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.dir / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(value, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
        return path

    def manifest(self) -> Any:
        path = self.dir / "manifest.json"
        obj = _read(path, list(MANIFEST_FORMATS))
        return _decode(path, lambda: manifest_from_json(obj))

    def secrets(self) -> tuple[TrusteeSecrets, bytes]:
        path = self.dir / SECRETS
        secret = passphrase(self.passphrase_file)
        contents = open_vault(path, secret)
        return _decode(path, lambda: files.secrets_from_json(contents)), secret

    def keep(self, secrets: TrusteeSecrets, secret: bytes) -> None:
        write_vault(self.dir / SECRETS, secret, files.secrets_to_json(secrets))


def _read(path: Path, formats: Sequence[str]) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(str(path), 0, f"cannot read ({exc.strerror})") from None
    return files.parse_file(data, str(path), formats)


def _decode(path: Path, make: Any) -> Any:
    try:
        return make()
    except EncodingError as exc:
        raise InputFileError(str(path), 0, str(exc)) from None


def _same_election(path: Path, obj: dict[str, Any], secrets: TrusteeSecrets) -> None:
    if obj.get("manifest_hash") != secrets.manifest_hash.hex():
        raise InputFileError(
            str(path),
            0,
            f"manifest_hash: this file is for another election or manifest "
            f"(expected {secrets.manifest_hash.hex()}, found {obj.get('manifest_hash')!r})",
        )


def _say(*lines: str, err: bool = False) -> None:
    for line in lines:
        print(line, file=sys.stderr if err else sys.stdout)


# ---- commands -----------------------------------------------------------------------


def keygen(args: argparse.Namespace) -> int:
    manifest_path: Path = args.manifest
    obj = _read(manifest_path, list(MANIFEST_FORMATS))
    manifest = _decode(manifest_path, lambda: manifest_from_json(obj))
    where = _Dir(args)
    if (where.dir / SECRETS).exists() and not args.force:
        _say(f"tellers trustee keygen: {where.dir} already holds a trustee's secrets; "
             "use --force to replace them", err=True)  # fmt: skip
        return 2
    try:
        secrets, announcement = trustee.announce(manifest, args.index)
    except trustee.TrusteeError as exc:
        _say(f"tellers trustee keygen: {exc.problem}", err=True)
        return 2
    secret = passphrase(
        where.passphrase_file, confirm=True, prompt="A passphrase for your secrets: "
    )
    where.write("manifest.json", manifest_to_json(manifest))
    where.keep(secrets, secret)
    out = where.write("announcement.json", announcement)
    fingerprint = key_fingerprint(bytes.fromhex(announcement["signing_key"]))
    _say(
        f"Trustee {args.index}: your secrets are in {where.dir / SECRETS}, encrypted under your "
        "passphrase.",
        f"Your signing key's fingerprint is {fingerprint}: read it out to the scrutineer and the "
        "other trustees, and check it on the public election page.",
        f"Upload {out} on your trustee page.",
    )
    return 0


def _expectations(values: Sequence[str]) -> dict[int, str]:
    out: dict[int, str] = {}
    for value in values:
        index, _, fingerprint = value.partition("=")
        if not index.isdigit() or not fingerprint:
            raise EncodingError("--expect", f"expected TRUSTEE=FINGERPRINT, found {value!r}")
        out[int(index)] = fingerprint.strip()
    return out


def commit(args: argparse.Namespace) -> int:
    where = _Dir(args)
    manifest = where.manifest()
    secrets, secret = where.secrets()
    keys_path: Path = args.keys
    obj = _read(keys_path, [files.KEYS])
    _same_election(keys_path, obj, secrets)
    announcements = _decode(keys_path, lambda: files.ceremony_keys_from_json(obj))
    try:
        kept, message, t1 = trustee.commit(
            secrets, manifest, announcements, _expectations(args.expect)
        )
    except trustee.TrusteeError as exc:
        _say(f"tellers trustee commit: {exc.problem}", err=True)
        return 1
    where.keep(kept, secret)
    out = where.write("commitment.json", message)
    _say(f"Trustee {secrets.trustee}: the trustees' keys, as you were shown them:")
    for a in announcements:
        _say(f"  trustee {a.trustee}: {key_fingerprint(a.signing_key)}")
    _say(
        f"Keys transcript {short_text(t1)}: every trustee must see the same.",
        f"Commitments and sealed shares written; upload {out} on your trustee page.",
    )
    return 0


def _bundle(args: argparse.Namespace, secrets: TrusteeSecrets) -> Ceremony:
    """The ceremony so far, from the bundle.json the page served (this election's)."""
    bundle_path: Path = args.bundle
    obj = _read(bundle_path, [files.BUNDLE])
    _same_election(bundle_path, obj, secrets)
    ceremony: Ceremony = _decode(bundle_path, lambda: files.bundle_from_json(obj))
    return ceremony


def receive(args: argparse.Namespace) -> int:
    where = _Dir(args)
    manifest = where.manifest()
    secrets, secret = where.secrets()
    ceremony = _bundle(args, secrets)
    try:
        got = trustee.receive(secrets, manifest, ceremony)
    except trustee.TrusteeError as exc:
        _say(f"tellers trustee receive: {exc.problem}", err=True)
        return 1
    where.keep(got.secrets, secret)
    if got.message is None:
        _say(f"tellers trustee receive: you have been disqualified: {got.problem}", err=True)
        return 1
    if got.complaint_against is not None:
        out = where.write("complaint.json", got.message)
        _say(
            f"tellers trustee receive: trustee {got.complaint_against}'s share is bad: "
            f"{got.problem}",
            f"Upload the complaint {out} on your trustee page; trustee "
            f"{got.complaint_against} must answer it in public.",
            err=True,
        )
        return 1
    out = where.write("confirmation.json", got.message)
    _say(
        f"Trustee {secrets.trustee}: every share from trustees {list(got.qualified)} checks; "
        "your key share is kept (encrypted); your polynomial is destroyed.",
        f"Ceremony transcript {short_text(got.transcript)}: every trustee must see the same.",
        f"Upload {out} on your trustee page.",
    )
    return 0


def answer(args: argparse.Namespace) -> int:
    where = _Dir(args)
    manifest = where.manifest()
    secrets, _secret = where.secrets()
    ceremony = _bundle(args, secrets)
    try:
        answers = trustee.answer(secrets, manifest, ceremony)
    except trustee.TrusteeError as exc:
        _say(f"tellers trustee answer: {exc.problem}", err=True)
        return 1
    if not answers:
        _say(f"Trustee {secrets.trustee}: no complaint against you awaits an answer.")
        return 0
    for message in answers:
        out = where.write(f"answer-to-{message['complainant']}.json", message)
        _say(
            f"Your answer to trustee {message['complainant']}'s complaint opens your sealed share "
            f"to them for anyone to check. Upload {out} on your trustee page."
        )
    return 0


def decrypt(args: argparse.Namespace) -> int:
    where = _Dir(args)
    manifest = where.manifest()
    secrets, secret = where.secrets()
    progress = Progress("verifying")
    with open_record(args.record) as directory:
        report = verify_record(directory, workers=max(1, args.workers), progress=progress)
    progress.done()
    if report.tally is None:
        _say("tellers trustee decrypt: the record does not verify, so you must not decrypt it:",
             err=True)  # fmt: skip
        for failure in report.failures[:20]:
            _say(f"  {failure.check}: {failure.where}: {failure.detail}", err=True)
        return 1
    try:
        done, message = trustee.decrypt(secrets, manifest, report.tally)
        mixed = [
            (
                contest,
                trustee.decrypt_mixed(
                    secrets, manifest, report.tally, chain, contest, workers=max(1, args.workers)
                ),
            )
            for contest, chain in (report.mixes or {}).items()
        ]
    except trustee.TrusteeError as exc:
        _say(f"tellers trustee decrypt: {exc.problem}", err=True)
        return 1
    where.keep(done, secret)
    out = where.write("decryption.json", message)
    _say(
        f"Trustee {secrets.trustee}: the board verifies (record root {report.root}); "
        f"{len(message['shares'])} totals decrypted, with proofs, from the ballots it holds.",
        f"Upload {out} on your trustee page.",
    )
    for contest, body in mixed:
        path = where.write(f"mix-decryption-{contest}.json", body)
        _say(
            f"Contest {contest}: the rows of its last verified shuffle decrypted "
            f"({len(body['shares'])} shares, with proofs). Upload {path} too."
        )
    return 0


def shuffle(args: argparse.Namespace) -> int:
    """Verify the record so far and shuffle each ranked contest's rows (ranked.md §4)."""
    where = _Dir(args)
    manifest = where.manifest()
    secrets, _secret = where.secrets()
    progress = Progress("verifying")
    with open_record(args.record) as directory:
        report = verify_record(directory, workers=max(1, args.workers), progress=progress)
    progress.done()
    if report.tally is None or report.mixes is None:
        _say("tellers trustee shuffle: the record does not verify, so you must not shuffle it:",
             err=True)  # fmt: skip
        for failure in report.failures[:20]:
            _say(f"  {failure.check}: {failure.where}: {failure.detail}", err=True)
        return 1
    if not report.mixes:
        _say("tellers trustee shuffle: the record has no ranked contest with ballots", err=True)
        return 1
    try:
        made = [
            (
                contest,
                chain,
                trustee.mix(
                    secrets, manifest, report.tally, chain, contest, workers=max(1, args.workers)
                ),
            )
            for contest, chain in report.mixes.items()
        ]
    except trustee.TrusteeError as exc:
        _say(f"tellers trustee shuffle: {exc.problem}", err=True)
        return 1
    for contest, chain, body in made:
        path = where.write(f"shuffle-{contest}.json", body)
        _say(
            f"Trustee {secrets.trustee}: contest {contest}: {len(chain.rows):,} ballots, "
            f"checked through {chain.shuffles} earlier shuffle(s), shuffled again with its "
            f"proof (shuffle {chain.shuffles + 1}). Upload {path}."
        )
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "trustee",
        help="a trustee's steps in the key ceremony and decryption (on your own machine)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    steps = parser.add_subparsers(dest="step", metavar="STEP", required=True)

    def step(name: str, text: str, handler: Any) -> argparse.ArgumentParser:
        p = steps.add_parser(name, help=text)
        p.add_argument("--dir", type=Path, required=True, help="your private directory")
        p.add_argument("--passphrase-file", type=Path, help="read the passphrase from this file")
        p.set_defaults(handler=guarded("trustee", handler))
        made: argparse.ArgumentParser = p
        return made

    p = step("keygen", "make your signing key, ceremony key and secret polynomial", keygen)
    p.add_argument("--index", type=int, required=True, help="your trustee number (1..n)")
    p.add_argument("--manifest", type=Path, required=True, help="the election manifest")
    p.add_argument("--force", action="store_true", help="replace existing secrets")
    p = step("commit", "check the trustees' keys, commit and seal your shares", commit)
    p.add_argument("--keys", type=Path, required=True, help="ceremony-keys.json from your page")
    p.add_argument(
        "--expect", action="append", default=[], metavar="I=FINGERPRINT",
        help="refuse unless trustee I's key has this fingerprint (repeatable)",
    )  # fmt: skip
    p = step("receive", "open and check the shares addressed to you", receive)
    p.add_argument("--bundle", type=Path, required=True, help="bundle.json from your page")
    p = step("answer", "answer complaints against you by opening the disputed share", answer)
    p.add_argument("--bundle", type=Path, required=True, help="bundle.json from your page")
    p = step("decrypt", "verify the record so far and decrypt its tally", decrypt)
    p.add_argument("--record", type=Path, required=True, help="the record (folder or .zip)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes")
    p = step("shuffle", "verify the record so far and shuffle its ranked ballots", shuffle)
    p.add_argument("--record", type=Path, required=True, help="the record (folder or .zip)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes")


def run(argv: Sequence[str]) -> int:
    """``tellers trustee ARGS`` from Python (tests, scripts)."""
    from tellers.cli import main

    return main(["trustee", *argv])
