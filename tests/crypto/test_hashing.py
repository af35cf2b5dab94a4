"""H(tag; fields) and the Fiat–Shamir challenge (protocol.md §3)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import fingerprints, points, scalars
from tellers.crypto.group import Point, Scalar
from tellers.crypto.hashing import challenge, hash_fields, int_field, short_challenges

tags = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
field_lists = st.lists(st.binary(max_size=40), max_size=5)


def _layout(tag: str, fields: list[bytes]) -> bytes:
    """The byte layout of protocol.md §3.1, written out independently."""
    out = len(tag).to_bytes(4, "big") + tag.encode("ascii") + len(fields).to_bytes(4, "big")
    for f in fields:
        out += len(f).to_bytes(4, "big") + f
    return out


@given(tags, field_lists)
def test_hash_fields_is_sha256_of_the_length_prefixed_layout(tag: str, fields: list[bytes]) -> None:
    assert hash_fields(tag, fields) == hashlib.sha256(_layout(tag, fields)).digest()


@given(tags, field_lists, tags, field_lists)
def test_hash_fields_is_injective(t1: str, f1: list[bytes], t2: str, f2: list[bytes]) -> None:
    # Different (tag, fields) give different layouts; SHA-256 then separates them.
    if (t1, f1) != (t2, f2):
        assert hash_fields(t1, f1) != hash_fields(t2, f2)


def test_field_boundaries_matter() -> None:
    assert hash_fields("t", [b"ab", b"c"]) != hash_fields("t", [b"a", b"bc"])
    assert hash_fields("t", [b""]) != hash_fields("t", [])
    assert hash_fields("t", [b"x"]) != hash_fields("tx", [])


def test_hash_fields_accepts_any_iterable() -> None:
    assert hash_fields("t", iter([b"a", b"b"])) == hash_fields("t", [b"a", b"b"])


@given(tags, fingerprints(), points(allow_infinity=True), scalars(), st.binary(max_size=8))
def test_challenge_hashes_fingerprint_then_canonical_encodings(
    tag: str, fingerprint: bytes, p: Point, k: Scalar, raw: bytes
) -> None:
    expected = hash_fields(tag, [fingerprint, p.to_bytes(), k.to_bytes(), raw])
    assert challenge(tag, fingerprint, [p, k, raw]) == Scalar.from_digest(expected)


@given(fingerprints(), fingerprints())
def test_challenge_binds_the_fingerprint(f1: bytes, f2: bytes) -> None:
    if f1 != f2:
        assert challenge("t", f1, [b"x"]) != challenge("t", f2, [b"x"])


@pytest.mark.parametrize("value", [0, 1, 255, 256, 2**63, 2**64 - 1])
def test_int_field_is_eight_bytes_big_endian(value: int) -> None:
    assert int_field(value) == value.to_bytes(8, "big")


@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32), st.integers(0, 40))
def test_short_challenges_are_the_framed_hashes_cut_to_128_bits(
    fingerprint: bytes, digest: bytes, count: int
) -> None:
    """The prefix-copying shortcut hashes exactly H(tag; fp, d, u64(i)) (protocol.md §3.1)."""
    expected = [
        int.from_bytes(hash_fields("tellers/v1/test", [fingerprint, digest, int_field(i)]), "big")
        % 2**128
        for i in range(1, count + 1)
    ]
    got = short_challenges("tellers/v1/test", fingerprint, digest, count)
    assert [s.value for s in got] == expected
