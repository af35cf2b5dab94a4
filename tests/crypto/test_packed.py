"""The mixnet's compact row list (``tellers.crypto.packed``): the rows' encodings, row-major.

Packing and decoding are each other's inverse; a range's bytes are the rows' own
encodings; a point that is not one is named by its field as reading the rows from JSON
names it; and a shuffle proved on the compact list is byte-identical to one proved on
``Row`` values, however the rows are cut into chunks.
"""

from __future__ import annotations

import hashlib
import itertools
import pickle
from collections.abc import Callable

import pytest
from hypothesis import given, settings

from strategies import ciphertext_rows
from tellers.crypto.elgamal import KeyPair, encrypt
from tellers.crypto.group import Scalar
from tellers.crypto.packed import CIPHERTEXT_BYTES, PackedRows, Row
from tellers.crypto.shuffle import check_shuffle, shuffle
from tellers.crypto.shuffle_proof import SPLIT_FLOOR, chunk_rows_for, row_ranges
from tellers.errors import EncodingError
from tellers.record.v2_shuffle import rows_from_json, rows_to_json, shuffle_proof_to_json

KEYS = KeyPair.from_secret(Scalar.from_digest(hashlib.sha256(b"packed-test-key").digest()))
FP = hashlib.sha256(b"packed-test-fingerprint").digest()
CTX = b"trustee-1/shuffle-1"
OFF_CURVE = bytes.fromhex("02" + "ff" * 32)  # x ≥ p: the x-coordinate of no point


def _rand(seed: bytes) -> Callable[[], Scalar]:
    counter = itertools.count()
    return lambda: Scalar.from_digest(
        hashlib.sha256(seed + next(counter).to_bytes(4, "big")).digest()
    )


def _rows(count: int, width: int) -> tuple[Row, ...]:
    draw = _rand(b"packed-rows")
    return tuple(
        tuple(encrypt(KEYS.public, (i + k) % 5, draw()) for k in range(width)) for i in range(count)
    )


@settings(max_examples=40, deadline=None)
@given(ciphertext_rows())
def test_packing_then_decoding_any_rows_is_the_identity(rows: tuple[Row, ...]) -> None:
    compact = PackedRows.from_rows(rows)
    assert compact.decode() == rows and tuple(compact) == rows
    assert len(compact) == len(rows) and compact.width == len(rows[0])
    assert PackedRows(compact.width, compact.data) == compact == rows
    assert pickle.loads(pickle.dumps(compact)) == compact
    assert rows_from_json(rows_to_json(compact)) == compact


def test_a_range_s_bytes_are_its_rows_encodings_in_order() -> None:
    rows = _rows(7, 3)
    compact = PackedRows.from_rows(rows)
    expected = b"".join(p.to_bytes() for row in rows[2:5] for c in row for p in (c.alpha, c.beta))
    assert compact.row_bytes(2, 5) == expected
    assert len(compact.data) == 7 * 3 * CIPHERTEXT_BYTES
    assert compact.cut(2, 5).decode() == rows[2:5] == compact[2:5].decode()
    assert compact[-1] == rows[-1] and compact.taken([4, 0]) == compact.row_bytes(4, 5) + (
        compact.row_bytes(0, 1)
    )
    assert compact.alphas(1, 3) == rows[0][1].alpha.to_bytes() + rows[0][2].alpha.to_bytes()
    assert compact.betas(3, 4) == rows[1][0].beta.to_bytes()
    assert PackedRows.join([compact.cut(0, 3), compact.cut(3)], 3) == compact
    with pytest.raises(EncodingError, match="whole rows of 3 ciphertexts"):
        PackedRows(3, compact.data[:-1])


def test_a_point_that_is_none_is_named_by_its_field_as_the_json_reading_names_it() -> None:
    rows = _rows(4, 2)
    data = bytearray(PackedRows.from_rows(rows).data)
    at = (2 * 2 + 1) * CIPHERTEXT_BYTES + 33  # row 2, ciphertext 1, beta
    data[at : at + 33] = OFF_CURVE
    compact = PackedRows(2, bytes(data), "mix.rows")
    with pytest.raises(EncodingError) as found:
        compact.decode()
    assert str(found.value) == "mix.rows[2][1].beta: not the x-coordinate of a point on secp256k1"
    # A chunk cut from the list names the row by its place in the whole list.
    with pytest.raises(EncodingError, match=r"^mix\.rows\[2\]\[1\]\.beta: "):
        compact.cut(2, 4).decode()
    assert compact.cut(0, 2).decode() == rows[:2]
    # The point at infinity is refused as the JSON reading refuses it.
    data[0:33] = bytes(33)
    with pytest.raises(EncodingError, match=r"mix\.rows\[0\]\[0\]\.alpha: the point at infinity"):
        PackedRows(2, bytes(data), "mix.rows").decode()
    encoded = rows_to_json(rows)
    encoded[2][1]["beta"] = OFF_CURVE.hex()
    with pytest.raises(EncodingError, match=r"^mix\.rows\[2\]\[1\]\.beta: not the x-coordinate"):
        rows_from_json(encoded, "mix.rows").decode()


@pytest.mark.parametrize("chunk_rows", [1, 4, 7, 64])
def test_a_shuffle_proved_on_the_compact_list_is_the_one_proved_on_rows(chunk_rows: int) -> None:
    rows = _rows(9, 3)
    on_rows = shuffle(FP, KEYS.public, rows, context=CTX, rand=_rand(b"same"))
    compact = PackedRows.from_rows(rows)
    on_packed = shuffle(
        FP, KEYS.public, compact, context=CTX, rand=_rand(b"same"), chunk_rows=chunk_rows
    )
    assert on_packed[0].data == on_rows[0].data
    assert shuffle_proof_to_json(on_packed[1]) == shuffle_proof_to_json(on_rows[1])
    check_shuffle(FP, KEYS.public, compact, on_packed[0], on_packed[1], context=CTX)
    check_shuffle(
        FP, KEYS.public, rows, tuple(on_packed[0]), on_packed[1], context=CTX, chunk_rows=2
    )


@pytest.mark.parametrize("workers", [2, 3, 4])
@pytest.mark.parametrize("count", [1, SPLIT_FLOOR - 1, SPLIT_FLOOR, 1000, 8192 * 3 + 5, 130_071])
def test_two_or_more_workers_each_get_chunks_from_the_floor_on(count: int, workers: int) -> None:
    chunks = row_ranges(count, chunk_rows_for(count, workers))
    assert sum(end - first for first, end in chunks) == count
    assert max(end - first for first, end in chunks) <= 8192 or len(chunks) == 1
    if count >= SPLIT_FLOOR:
        assert len(chunks) >= workers
    else:
        assert len(chunks) == 1
    assert chunk_rows_for(count, 1) == 8192
