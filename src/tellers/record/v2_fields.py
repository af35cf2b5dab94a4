"""Record format ``v2``: reading one field (record.md §2, and the encodings of protocol.md §2).

The helpers every part of the format's mapping uses: a field of the right
JSON type (a boolean is never a number), an object with exactly its fields,
hex of exactly its length, points and scalars in their canonical encoding.
Errors are ``EncodingError`` naming the field path.
"""

from __future__ import annotations

from typing import Any

from tellers.crypto.group import Point, Scalar
from tellers.errors import EncodingError

__all__ = ["bytes_from_hex", "exact_keys", "get", "point_from_json"]

Json = Any


def get(obj: Json, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """``obj[key]`` checked to be of ``kind``; errors name ``where.key``."""
    if not isinstance(obj, dict):
        raise EncodingError(where, f"expected an object, found {_name(obj)}")
    if key not in obj:
        raise EncodingError(f"{where}.{key}", "missing")
    value = obj[key]
    # bool is an int in Python; never accept one for the other.
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise EncodingError(f"{where}.{key}", "expected a number, found a boolean")
    if not isinstance(value, kind):
        raise EncodingError(f"{where}.{key}", f"expected {_kind(kind)}, found {_name(value)}")
    return value


def _kind(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(_name(k()) if k is not type(None) else "null" for k in kinds)


def _name(value: object) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        int: "an integer",
        bool: "a boolean",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _exact_keys(obj: Json, keys: set[str], where: str) -> None:
    extra = set(obj) - keys
    if extra:
        raise EncodingError(where, f"unexpected field(s) {sorted(extra)}")


def exact_keys(obj: Json, keys: set[str] | frozenset[str], where: str) -> dict[str, Any]:
    """``obj`` with exactly ``keys``; ``EncodingError`` naming the extra or missing ones."""
    if not isinstance(obj, dict):
        raise EncodingError(where, f"expected an object, found {_name(obj)}")
    extra, missing = set(obj) - set(keys), set(keys) - set(obj)
    if extra:
        raise EncodingError(where, f"unexpected field(s) {sorted(extra)}")
    if missing:
        raise EncodingError(where, f"missing field(s) {sorted(missing)}")
    return obj


def bytes_from_hex(text: Json, size: int, where: str) -> bytes:
    if not isinstance(text, str):
        raise EncodingError(where, f"expected a hex string, found {_name(text)}")
    if len(text) != 2 * size or text != text.lower():
        raise EncodingError(where, f"expected {2 * size} lower-case hex digits, found {len(text)}")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise EncodingError(where, "not hexadecimal") from None


def point_from_json(text: Json, where: str, *, allow_infinity: bool = False) -> Point:
    if not isinstance(text, str):
        raise EncodingError(where, f"expected a hex string, found {_name(text)}")
    return Point.from_hex(text, where, allow_infinity=allow_infinity)


def _scalar(text: Json, where: str) -> Scalar:
    if not isinstance(text, str):
        raise EncodingError(where, f"expected a hex string, found {_name(text)}")
    return Scalar.from_hex(text, where)
