"""Canonical JSON: the one byte form every hash and signature is taken over (record.md §2).

Objects have their keys sorted by code point, no insignificant white space
(separators ``,`` and ``:``), strings as UTF-8 with only the escapes JSON
requires, integers in plain decimal; floats, NaN, duplicate keys and lone
surrogates (which are not text) are refused. A verifier in another language
re-serialises what it parsed and compares bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tellers.errors import EncodingError

__all__ = ["JSONValue", "dumps", "loads"]

JSONValue = Any
"""A value made of dict, list, str, int, bool and None."""


def dumps(value: JSONValue) -> bytes:
    """The canonical bytes of ``value``; floats and lone surrogates are refused."""
    _refuse_floats(value, "$")
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise EncodingError(
            "$", "a string holds a lone surrogate, which UTF-8 cannot hold"
        ) from None


# A \\u escape in the surrogate range, or a raw surrogate in text already decoded: only then
# can a parsed string hold a lone surrogate, so only then is the parsed value searched.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE_TEXT = re.compile("\\\\u[dD][89a-fA-F]|[\ud800-\udfff]")


def loads(data: bytes | str, where: str = "JSON") -> JSONValue:
    """Parse JSON, refusing floats, duplicate keys and lone surrogates; errors name ``where``."""
    value = _parse(data, where)
    suspect = (
        _SURROGATE_ESCAPE.search(data) if isinstance(data, bytes) else _SURROGATE_TEXT.search(data)
    )
    if suspect is not None:
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise EncodingError(
                where, "a string holds a lone surrogate, which is not text"
            ) from None
    return value


def _parse(data: bytes | str, where: str) -> JSONValue:
    try:
        return json.loads(
            data,
            object_pairs_hook=_no_duplicates,
            parse_float=_no_float,
            parse_constant=_no_constant,
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise EncodingError(where, f"not valid JSON ({exc})") from None
    except RecursionError:
        raise EncodingError(where, "not valid JSON (nested too deeply to read)") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_float(text: str) -> Any:
    raise ValueError(f"non-integer number {text}")


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def _refuse_floats(value: JSONValue, path: str) -> None:
    if isinstance(value, float):
        raise EncodingError(path, "floats have no canonical form; use integers or strings")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise EncodingError(path, f"object keys must be strings, found {key!r}")
            _refuse_floats(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _refuse_floats(item, f"{path}[{i}]")
