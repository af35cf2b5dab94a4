"""Canonical JSON: the one byte form every hash and signature is taken over (record.md §2).

Objects have their keys sorted by code point, no insignificant white space
(separators ``,`` and ``:``), strings as UTF-8 with only the escapes JSON
requires, integers in plain decimal; floats, NaN, duplicate keys and lone
surrogates (which are not text) are refused. A verifier in another language
re-serialises what it parsed and compares bytes.

Two ways to the same answer. The *reference* path is the standard library's
``json`` with hooks that refuse what the spec refuses, and names where. The
*fast* path is orjson, taken only where its answer is provably the
reference's: ``dumps`` keeps orjson's bytes unless the value holds something
orjson would write differently (a float, an integer beyond 64 bits, a key
that is not a string, a subclass, a string that is not text: orjson raises
for each but the float, and a float is seen in the bytes it wrote), and
``loads`` keeps orjson's value only when the input is exactly the canonical
form of that value — then it has no duplicate key (that would make the
canonical form shorter), no white space, no escape the reference would
decode differently, and no float (seen in the bytes). Any other input, valid
or not, takes the reference path, so what is accepted, what is refused and
every error message are the reference's. Record files are canonical, so
the verifier's reading takes the fast path line after line.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from tellers.errors import EncodingError

__all__ = ["JSONValue", "dumps", "fragment", "loads", "loads_canonical", "loads_fast"]

JSONValue = Any
"""A value made of dict, list, str, int, bool and None."""

# Subclasses, dataclasses and date-times go to ``default``, which is absent, so orjson raises
# TypeError for them as for every other value it will not write: the reference path decides.
_ORJSON_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
)

# Where a float can show in compact JSON as orjson writes it: every float it writes holds a '.'
# or a signed exponent ('e+', 'e-'; tests/test_canonical.py checks this). Outside a string
# those occur in nothing else: true, false and null hold no '.', '+' or '-', and a '-' that
# is not after an 'e' is an integer's sign. Whether a mark is inside a string is the parity of
# the quotes before it, as long as no backslash can escape a quote. Each search is a C pass
# over the bytes (single bytes, which find() looks for fastest), so the whole is linear.
_FLOAT_MARKS = ((b".", b""), (b"+", b"eE"), (b"-", b"eE"))


def _may_hold_float(data: bytes) -> bool:
    """True if ``data`` (compact JSON, as orjson writes it) may hold a float; False only if not."""
    if b"\\" in data:
        return True
    for mark, after in _FLOAT_MARKS:
        quotes, counted = 0, 0
        at = data.find(mark)
        while at != -1:
            if not after or (at and data[at - 1] in after):
                quotes += data.count(b'"', counted, at)
                counted = at
                if not quotes & 1:  # outside every string
                    return True
            at = data.find(mark, at + 1)
    return False


def dumps(value: JSONValue) -> bytes:
    """The canonical bytes of ``value``; floats and lone surrogates are refused."""
    try:
        data = orjson.dumps(value, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return _reference_dumps(value)
    if _may_hold_float(data):
        return _reference_dumps(value)
    return data


def loads(data: bytes | str, where: str = "JSON") -> JSONValue:
    """Parse JSON, refusing floats, duplicate keys and lone surrogates; errors name ``where``."""
    if isinstance(data, bytes):
        try:
            value = orjson.loads(data)
            if orjson.dumps(value, option=_ORJSON_OPTIONS) == data and not _may_hold_float(data):
                return value
        except (ValueError, TypeError):  # JSONDecodeError is a ValueError; JSONEncodeError not
            pass
    return _reference_loads(data, where)


def loads_fast(data: bytes) -> JSONValue | None:
    """The value of ``data`` if the fast path takes it — ``data`` is then the canonical form
    of that value, and ``dumps`` of it takes the fast path too — else None."""
    try:
        value = orjson.loads(data)
        if orjson.dumps(value, option=_ORJSON_OPTIONS) == data and not _may_hold_float(data):
            return value
    except (ValueError, TypeError):
        pass
    return None


def fragment(data: bytes) -> JSONValue:
    """A value that ``dumps`` writes as ``data``, which must be canonical JSON holding no
    float and no backslash (it is not checked): a large part of a line already read, put
    back as it was. Only the fast path knows it, so it belongs only in values whose every
    other part the fast path takes (as ``loads_fast`` found them)."""
    return orjson.Fragment(data)


def loads_canonical(data: bytes, where: str = "JSON") -> tuple[JSONValue, bool]:
    """``loads(data, where)`` and whether ``data`` is the canonical form of what it holds,
    that is ``dumps(value) == data``: the fast path has answered that already (it takes
    orjson's value only then), so a canonical line is not written out again to compare."""
    try:
        value = orjson.loads(data)
        if orjson.dumps(value, option=_ORJSON_OPTIONS) == data and not _may_hold_float(data):
            return value, True
    except (ValueError, TypeError):
        pass
    value = _reference_loads(data, where)
    return value, dumps(value) == data


# The reference path -------------------------------------------------------------------------


def _reference_dumps(value: JSONValue) -> bytes:
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


def _reference_loads(data: bytes | str, where: str) -> JSONValue:
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
