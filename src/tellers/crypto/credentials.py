"""Voter credentials, Belenios-style (credentials.md).

The credential authority prints each member a *code*: 23 random characters
(115 bits) and one check character from a 32-letter alphabet, in six groups
of four, e.g. ``7KQ2-XM4D-91TB-ZZ0C-H3RW-NE5P``. From the code and the
election id anyone holding the code derives a secp256k1 signing key; only the
BIP340 x-only public key (the *public credential*) is published, unlinked to
names. The ballot is signed with the key, so the board accepts ballots only
from codes that were issued.

Check character (credentials.md §3). Characters are read as their index
v in ALPHABET, an element of GF(32) = GF(2)[x]/(x^5 + x^2 + 1). Position p
(0-based, p = 0..23, the check character last) has weight α^p where α = x
is primitive (order 31), so the 24 weights are distinct and non-zero. A code
is valid when the syndrome S = Σ_p α^p·v_p is 0; the check character is
v_23 = α^(-23)·Σ_{p<23} α^p·v_p.

* Any single substitution v_p -> v_p' changes S by α^p·(v_p + v_p'): the
  product of two non-zero field elements, never 0. So S != 0 and it is caught.
* Any transposition of positions p < q with v_p != v_q changes S by
  α^p·v_p + α^q·v_q + α^p·v_q + α^q·v_p = (α^p + α^q)·(v_p + v_q): non-zero,
  since the weights are distinct and the values differ. Adjacent
  transpositions (q = p + 1) are a special case.

Look-alike letters are folded before the check (O -> 0, I and L -> 1), so
those are not errors at all; U is not in the alphabet and is refused.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from tellers.crypto.group import Scalar, bip340_public_key, bip340_sign, bip340_verify
from tellers.errors import EncodingError, InvalidCredential

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "DATA_LENGTH",
    "TAG_CREDENTIAL",
    "IssuedCredential",
    "check_character",
    "check_signature",
    "derive_signing_key",
    "format_code",
    "generate_code",
    "issue_credential",
    "normalise_code",
    "public_credential",
    "sign",
]

ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base32 digits: 0-9 and A-Z without I, L, O, U; index = value in GF(32)."""
DATA_LENGTH: Final = 23
"""Random characters in a code: 23 × 5 = 115 bits of entropy."""
CODE_LENGTH: Final = DATA_LENGTH + 1
"""Characters in a normalised code: the data then the check character."""
GROUP: Final = 4
"""Characters per hyphen-separated group when a code is printed."""
TAG_CREDENTIAL: Final = "tellers/v1/credential"

_POLY: Final = 0b100101  # x^5 + x^2 + 1
_VALUE: Final = {c: i for i, c in enumerate(ALPHABET)}
# Typed input: case-folded, separators dropped, look-alikes folded onto digits.
_FOLD: Final = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None})


def _gf_mul(a: int, b: int) -> int:
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & 0b100000:
            a ^= _POLY
    return product


def _power(p: int) -> int:
    result = 1
    for _ in range(p % 31):
        result = _gf_mul(result, 2)
    return result


# _WEIGHTED[p][v] = α^p·v: the syndrome is then 24 table look-ups and XORs.
_WEIGHTED: Final = tuple(
    tuple(_gf_mul(_power(p), v) for v in range(32)) for p in range(CODE_LENGTH)
)
_CHECK_FACTOR: Final = tuple(_gf_mul(_power(31 - DATA_LENGTH), v) for v in range(32))
"""v -> α^(-23)·v (α^31 = 1, so α^(-23) = α^8)."""


def _syndrome(values: list[int]) -> int:
    s = 0
    for p, v in enumerate(values):
        s ^= _WEIGHTED[p][v]
    return s


def check_character(data: str) -> str:
    """The check character of 23 normalised data characters (credentials.md §3)."""
    if len(data) != DATA_LENGTH or any(c not in _VALUE for c in data):
        raise InvalidCredential(
            f"credential code: expected {DATA_LENGTH} characters of {ALPHABET}, found {data!r}"
        )
    return ALPHABET[_CHECK_FACTOR[_syndrome([_VALUE[c] for c in data])]]


def generate_code(random: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """A fresh printed code: 115 random bits, check character, six groups of four."""
    entropy = random(15)
    if len(entropy) != 15:
        raise EncodingError("random", f"expected 15 bytes, found {len(entropy)}")
    bits = int.from_bytes(entropy, "big") >> 5  # the top 115 of 120 bits
    data = "".join(ALPHABET[(bits >> (5 * (DATA_LENGTH - 1 - p))) & 31] for p in range(DATA_LENGTH))
    return format_code(data + check_character(data))


def normalise_code(text: str) -> str:
    """The 24-character canonical form of a typed code, or ``InvalidCredential`` (§4).

    Case is ignored, white space and hyphens are dropped, O reads as 0 and I, L as 1.
    """
    if not isinstance(text, str):
        raise InvalidCredential(f"credential code: expected text, found {type(text).__name__}")
    code = "".join(text.split()).upper().translate(_FOLD)
    if len(code) == CODE_LENGTH and all(c in _VALUE for c in code):
        values = [_VALUE[c] for c in code]
    else:
        for position, char in enumerate(text, start=1):
            if char.isspace() or char == "-":
                continue
            if char.upper().translate(_FOLD) not in _VALUE:
                raise InvalidCredential(
                    f"credential code: character {char!r} at position {position} is not "
                    f"used in codes (allowed: {ALPHABET}, spaces and hyphens)"
                )
        raise InvalidCredential(
            f"credential code: expected {CODE_LENGTH} characters (ignoring spaces and "
            f"hyphens), found {len(code)}"
        )
    if _syndrome(values) != 0:
        raise InvalidCredential(
            "credential code: check character does not match — probably a typo; "
            "please compare it with the letter again"
        )
    return code


def format_code(code: str) -> str:
    """A code as printed: normalised, in groups of four joined by hyphens."""
    canonical = normalise_code(code)
    return "-".join(canonical[i : i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def derive_signing_key(election_id: bytes, code: str) -> Scalar:
    """sk = H("tellers/v1/credential"; election_id, normalised code) mod n (credentials.md §5).

    One SHA-256 of a fixed layout; the code enters as its 24 ASCII characters.
    """
    if not isinstance(election_id, bytes) or not 1 <= len(election_id) <= 255:
        raise EncodingError(
            "election_id", f"expected 1 to 255 bytes, found {_describe(election_id)}"
        )
    normalised = normalise_code(code).encode("ascii")
    tag = TAG_CREDENTIAL.encode("ascii")
    # Inlined hashing.hash_fields: the same bytes, without its per-call list building,
    # because a million-member roll derives a million keys.
    digest = hashlib.sha256(
        len(tag).to_bytes(4, "big")
        + tag
        + b"\x00\x00\x00\x02"
        + len(election_id).to_bytes(4, "big")
        + election_id
        + len(normalised).to_bytes(4, "big")
        + normalised
    ).digest()
    key = Scalar.from_digest(digest)
    if key.is_zero():  # probability 2^-256; the authority would issue another code
        raise InvalidCredential("credential code: derives the zero key; issue another code")
    return key


def public_credential(election_id: bytes, code: str) -> bytes:
    """The 32-byte BIP340 x-only public key of the code's signing key: what is published."""
    return bip340_public_key(derive_signing_key(election_id, code))


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    """One member's credential as the authority issues it (credentials.md §2, §5)."""

    code: str
    """The printed code, in groups (secret; goes only into the member's letter)."""
    public: bytes
    """The public credential: x-only BIP340 key, 32 bytes (published on the roll of credentials)."""


def issue_credential(
    election_id: bytes, random: Callable[[int], bytes] = secrets.token_bytes
) -> IssuedCredential:
    """A fresh code and its public credential."""
    code = generate_code(random)
    return IssuedCredential(code, public_credential(election_id, code))


def sign(signing_key: Scalar, message: bytes, *, aux_randomness: bytes | None = None) -> bytes:
    """BIP340 signature (64 bytes) over a 32-byte message; fresh aux randomness by default."""
    aux = secrets.token_bytes(32) if aux_randomness is None else aux_randomness
    return bip340_sign(signing_key, message, aux)


def check_signature(public: bytes, message: bytes, signature: bytes) -> None:
    """Check a credential signature: None, or ``InvalidSignature`` saying why."""
    bip340_verify(public, message, signature)


def _describe(value: object) -> str:
    if isinstance(value, bytes):
        return f"{len(value)} bytes"
    return type(value).__name__
