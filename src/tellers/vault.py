"""Secrets kept on a party's own machine, encrypted under a passphrase (parties.md §6).

A trustee's signing key, ceremony key, polynomial and key share, and the
credential authority's signing key, live in a *vault file*: a JSON object
encrypted with XSalsa20-Poly1305 (libsodium ``secretbox``) under a key
stretched from the passphrase by Argon2id, a memory-hard KDF (libsodium
``crypto_pwhash``; both through PyNaCl). The file on disk::

    {"format": "tellers/vault/v2", "kdf": "argon2id13", "opslimit": 3,
     "memlimit": 67108864, "salt": "<16 bytes hex>", "box": "<nonce || ciphertext, hex>"}

A wrong passphrase, or a file altered by one bit, fails to open with a
clear message; nothing is written in clear, and the file is 0600 in a 0700
directory. Rewriting the vault (e.g. without the polynomial once it is no
longer needed) replaces it atomically.
"""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path
from typing import Any

import nacl.pwhash
import nacl.secret
import nacl.utils
from nacl.exceptions import CryptoError

from tellers import canonical
from tellers.errors import EncodingError, InputFileError

__all__ = [
    "FORMAT",
    "PASSPHRASE_ENV",
    "open_vault",
    "passphrase",
    "read_vault",
    "write_vault",
]

FORMAT = "tellers/vault/v2"
PASSPHRASE_ENV = "TELLERS_PASSPHRASE"
_KDF = nacl.pwhash.argon2id
OPSLIMIT = 3
MEMLIMIT = 64 * 1024 * 1024
"""Argon2id with 3 passes over 64 MiB: about a quarter of a second here."""
MIN_PASSPHRASE = 10


def passphrase(file: Path | None, *, confirm: bool = False, prompt: str = "Passphrase: ") -> bytes:
    """The passphrase: from ``file`` (first line), else $TELLERS_PASSPHRASE, else asked for."""
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8").splitlines()[0] if file.stat().st_size else ""
        except OSError as exc:
            raise InputFileError(str(file), 0, f"cannot read ({exc.strerror})") from None
    elif os.environ.get(PASSPHRASE_ENV):
        text = os.environ[PASSPHRASE_ENV]
    else:
        text = getpass.getpass(prompt)
        if confirm and getpass.getpass("The same again: ") != text:
            raise EncodingError("passphrase", "the two passphrases differ")
    if len(text) < MIN_PASSPHRASE:
        raise EncodingError(
            "passphrase", f"use at least {MIN_PASSPHRASE} characters (found {len(text)})"
        )
    return text.encode("utf-8")


def _key(secret: bytes, salt: bytes, ops: int, mem: int) -> bytes:
    return bytes(_KDF.kdf(nacl.secret.SecretBox.KEY_SIZE, secret, salt, opslimit=ops, memlimit=mem))


def write_vault(path: Path, secret: bytes, contents: dict[str, Any]) -> None:
    """Encrypt ``contents`` (a JSON object) under ``secret`` into ``path`` (0600), atomically."""
    salt = nacl.utils.random(_KDF.SALTBYTES)
    box = nacl.secret.SecretBox(_key(secret, salt, OPSLIMIT, MEMLIMIT))
    sealed = bytes(box.encrypt(canonical.dumps(contents)))
    document = {
        "format": FORMAT,
        "kdf": "argon2id13",
        "opslimit": OPSLIMIT,
        "memlimit": MEMLIMIT,
        "salt": salt.hex(),
        "box": sealed.hex(),
    }
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def read_vault(path: Path) -> dict[str, Any]:
    """The vault file's outer JSON, shape-checked (``InputFileError`` naming the file)."""
    name = str(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputFileError(name, 0, f"cannot read ({exc.strerror})") from None
    except (ValueError, UnicodeDecodeError):
        raise InputFileError(name, 0, "not a vault file (not JSON)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputFileError(name, 0, f"not a vault file (format is not {FORMAT!r})")
    try:
        if document.get("kdf") != "argon2id13":
            raise ValueError("kdf")
        for field in ("opslimit", "memlimit"):
            if not isinstance(document[field], int) or isinstance(document[field], bool):
                raise ValueError(field)
        if not 1 <= document["opslimit"] <= 20 or not 8192 <= document["memlimit"] <= 1 << 30:
            raise ValueError("opslimit/memlimit (outside what Tellers writes)")
        bytes.fromhex(document["salt"])
        bytes.fromhex(document["box"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputFileError(name, 0, f"vault file: bad or missing field {exc}") from None
    return document


def open_vault(path: Path, secret: bytes) -> dict[str, Any]:
    """Decrypt the vault at ``path``; ``InputFileError`` for a wrong passphrase or altered file."""
    document = read_vault(path)
    salt = bytes.fromhex(document["salt"])
    if len(salt) != _KDF.SALTBYTES:
        raise InputFileError(str(path), 0, "vault file: the salt has the wrong length")
    box = nacl.secret.SecretBox(_key(secret, salt, document["opslimit"], document["memlimit"]))
    try:
        plain = box.decrypt(bytes.fromhex(document["box"]))
    except CryptoError:
        raise InputFileError(
            str(path), 0, "the passphrase is wrong, or the vault file has been altered"
        ) from None
    contents = canonical.loads(plain, str(path))
    if not isinstance(contents, dict):
        raise InputFileError(str(path), 0, "vault contents are not a JSON object")
    return contents
