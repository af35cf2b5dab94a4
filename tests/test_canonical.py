"""Canonical JSON (record.md §2): the fast path gives exactly the standard library's answer.

The oracle is the form the spec names — ``json.dumps(value, sort_keys=True,
separators=(",", ":"), ensure_ascii=False)`` — and ``json.loads`` for values;
``tellers.canonical`` must agree with it byte for byte on every value it
writes, accept exactly the inputs it accepts (less floats, duplicate keys and
lone surrogates), and refuse those with the reasons it always gave.
"""

from __future__ import annotations

import enum
import json
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import json_values
from tellers import canonical
from tellers.errors import EncodingError


def oracle(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


@given(json_values())
def test_dumps_is_the_specified_form(value: Any) -> None:
    assert canonical.dumps(value) == oracle(value)


@given(json_values())
def test_loads_reads_back_canonical_and_other_forms_alike(value: Any) -> None:
    data = canonical.dumps(value)
    assert canonical.loads(data) == value
    assert canonical.loads(data.decode()) == value
    spaced = json.dumps(value, ensure_ascii=True, indent=1).encode()
    assert canonical.loads(spaced) == value


def test_every_character_as_a_string_and_as_a_key() -> None:
    text = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    strings = ["".join(text[i : i + 4096]) for i in range(0, len(text), 4096)]
    keys = text[:0x800] + text[0x800::97]  # every escape and UTF-8 length; sorting across them
    for value in (strings, dict.fromkeys(keys, 1), {k: k for k in text[:0x100]}):
        data = canonical.dumps(value)
        assert data == oracle(value)
        assert canonical.loads(data) == value
    for code in range(0xD800, 0xE000):
        with pytest.raises(EncodingError, match="lone surrogate"):
            canonical.dumps({"a": [f"x{chr(code)}"]})
        with pytest.raises(EncodingError, match="lone surrogate"):
            canonical.loads(b'{"a":"\\u%04x"}' % code)


def test_keys_sort_by_code_point() -> None:
    keys = ["b", "a", "B", "é", "\u2028", "\U0001f600", "\uffff", "", "aa", "\x00"]
    assert list(canonical.loads(canonical.dumps(dict.fromkeys(keys, 0)))) == sorted(keys)


@given(json_values(floats=True), st.floats(allow_nan=False, allow_infinity=False))
def test_a_float_anywhere_is_refused(value: Any, number: float) -> None:
    holder = {"x": [value, {"y": number}]}
    with pytest.raises(EncodingError, match="floats have no canonical form"):
        canonical.dumps(holder)
    with pytest.raises(EncodingError, match="non-integer number"):
        canonical.loads(oracle(holder))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"1.5", "non-integer number"),
        (b"[1e5]", "non-integer number"),
        (b'{"a":-0.5}', "non-integer number"),
        (b'{"a":[1,2E-3]}', "non-integer number"),
        (b'{"a":1,"a":1}', "duplicate key"),
        (b'{"a":{"b":1,"b":1}}', "duplicate key"),
        (b'["\\ud800"]', "lone surrogate"),
        (b'{"\\udfff":1}', "lone surrogate"),
        (b"[NaN]", "not valid JSON"),
        (b"[Infinity]", "not valid JSON"),
        (b'["\xff"]', "not valid JSON"),
    ],
)
def test_canonical_looking_input_is_still_refused(text: bytes, problem: str) -> None:
    with pytest.raises(EncodingError, match=problem):
        canonical.loads(text, "here")


@pytest.mark.parametrize(
    "text",
    [
        b'{"a":":1.5,"}',  # what a float looks like, inside a string
        b'[",1e5]"]',
        b'{"t":"2026-03-02T09:00:00.5+00:00"}',
        b"-0",
        b"123456789012345678901234567890",
        b'"\\u00e9"',
        b'\xef\xbb\xbf{"a":1}',
    ],
)
def test_what_the_reference_reads_is_read_alike(text: bytes) -> None:
    assert canonical.loads(text) == json.loads(text)


def test_values_orjson_would_write_differently_take_the_reference_path() -> None:
    class Label(str):
        pass

    class Count(enum.IntEnum):
        ONE = 1

    deep: Any = 0
    for _ in range(400):
        deep = [deep]
    for value in (2**64, -(2**63) - 1, {"k": Label("v")}, [Count.ONE], (1, [2, (3,)]), deep):
        assert canonical.dumps(value) == oracle(value)
    assert canonical.loads(oracle(deep)) == deep
    with pytest.raises(EncodingError, match="object keys must be strings"):
        canonical.dumps({1: "a"})
    with pytest.raises(EncodingError, match="object keys must be strings"):
        canonical.dumps({"a": {None: 1}})
    with pytest.raises(TypeError):
        canonical.dumps({"a": b"bytes"})


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_float_is_seen_in_the_bytes(number: float) -> None:
    with pytest.raises(EncodingError, match="floats"):
        canonical.dumps([number])
    with pytest.raises(EncodingError, match="floats"):
        canonical.dumps({"a": number, "b": "x"})


@given(json_values())
def test_loads_canonical_says_whether_the_bytes_are_the_canonical_form(value: Any) -> None:
    canonical_bytes = oracle(value)
    for data in (
        canonical_bytes,
        json.dumps(value).encode(),  # spaces after separators
        json.dumps(value, sort_keys=True, separators=(",", ":")).encode(),  # \u escapes
        json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode(),  # key order
    ):
        read, exact = canonical.loads_canonical(data)
        assert read == canonical.loads(data) == value
        assert exact is (canonical.dumps(read) == data) is (data == canonical_bytes)


def test_loads_canonical_refuses_what_loads_refuses() -> None:
    for data in (b'{"a":1,"a":2}', b"[1.5]", b'"\\ud800"', b"[1"):
        with pytest.raises(EncodingError):
            canonical.loads_canonical(data)
