"""The secp256k1 value types: encodings, infinity, scalar laws (protocol.md §2)."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strategies import nonzero_scalars, points, scalars
from tellers.crypto.group import (
    FIELD_P,
    GROUP_ORDER,
    POINT_BYTES,
    SCALAR_BYTES,
    FixedBase,
    Point,
    Scalar,
    _unhex,
    hash_to_point,
    points_from_hex,
    scalars_from_hex,
    small_sums,
    table_of,
    times,
)
from tellers.errors import EncodingError

G = Point.generator()
INF = Point.infinity()

# The standard generator, SEC 2 §2.4.1 (compressed).
SEC2_G = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"


def test_generator_is_the_sec2_base_point() -> None:
    assert G.hex() == SEC2_G


def test_group_order_times_generator_is_infinity() -> None:
    assert (G * Scalar(GROUP_ORDER - 1)) + G == INF


# Encodings ---------------------------------------------------------------------------------


@given(scalars())
def test_scalar_bytes_round_trip(k: Scalar) -> None:
    data = k.to_bytes()
    assert len(data) == SCALAR_BYTES
    assert Scalar.from_bytes(data) == k
    assert Scalar.from_hex(k.hex()) == k
    assert k.hex() == data.hex()


@given(points(allow_infinity=True))
def test_point_bytes_round_trip(p: Point) -> None:
    data = p.to_bytes()
    assert len(data) == POINT_BYTES
    assert Point.from_bytes(data, allow_infinity=True) == p
    assert Point.from_hex(p.hex(), allow_infinity=True) == p


def test_infinity_encodes_as_33_zero_bytes() -> None:
    assert INF.to_bytes() == bytes(33)
    assert INF.is_infinity()
    assert not G.is_infinity()


@given(st.integers())
def test_scalar_reduces_modulo_n(value: int) -> None:
    assert Scalar(value).value == value % GROUP_ORDER


def test_from_digest_reduces_modulo_n() -> None:
    digest = (GROUP_ORDER + 5).to_bytes(32, "big")
    assert Scalar.from_digest(digest) == Scalar(5)


# Equality and hashing ----------------------------------------------------------------------


@given(scalars())
def test_scalar_equality_and_hash_follow_value(k: Scalar) -> None:
    twin = Scalar(k.value + GROUP_ORDER)
    assert k == twin
    assert hash(k) == hash(twin)
    assert k != k + 1
    assert k != k.value  # a Scalar never equals a bare int


@given(nonzero_scalars())
def test_point_equality_and_hash_follow_encoding(k: Scalar) -> None:
    p, q = Point.base_times(k), G * k
    assert p == q
    assert hash(p) == hash(q)
    assert len({p, q, p + G}) == 2


@given(scalars(), points(allow_infinity=True))
def test_values_survive_pickling(k: Scalar, p: Point) -> None:
    # Values cross process boundaries (parallel ballot checking) by pickle.
    assert pickle.loads(pickle.dumps(k)) == k
    assert pickle.loads(pickle.dumps(p)) == p


def test_values_are_immutable() -> None:
    with pytest.raises(AttributeError):
        Scalar(1)._value = 2
    with pytest.raises(AttributeError):
        G._encoded = bytes(33)


# The point at infinity ---------------------------------------------------------------------


@given(points(allow_infinity=True))
def test_zero_times_point_is_infinity(p: Point) -> None:
    assert p * Scalar(0) == INF
    assert Scalar(0) * p == INF


@given(scalars())
def test_scalar_times_infinity_is_infinity(k: Scalar) -> None:
    assert INF * k == INF


def test_base_times_zero_is_infinity() -> None:
    assert Point.base_times(Scalar(0)) == INF


@given(points(allow_infinity=True))
def test_point_minus_itself_is_infinity(p: Point) -> None:
    assert p - p == INF
    assert p + (-p) == INF


@given(points(allow_infinity=True))
def test_infinity_is_the_identity(p: Point) -> None:
    assert p + INF == p
    assert INF + p == p
    assert Point.sum([p, INF]) == p


def test_negating_infinity_is_infinity() -> None:
    assert -INF == INF


@given(points())
def test_negation_flips_only_the_prefix(p: Point) -> None:
    neg = -p
    assert neg != p
    assert neg.to_bytes()[1:] == p.to_bytes()[1:]
    assert -neg == p


@given(st.lists(points(allow_infinity=True), max_size=6))
def test_sum_that_cancels_is_infinity(ps: list[Point]) -> None:
    assert Point.sum(ps + [-p for p in ps]) == INF


def test_sum_of_nothing_is_infinity() -> None:
    assert Point.sum([]) == INF


@given(st.lists(points(allow_infinity=True), max_size=6))
def test_sum_agrees_with_repeated_addition(ps: list[Point]) -> None:
    total = INF
    for p in ps:
        total = total + p
    assert Point.sum(ps) == total


# Arithmetic laws ---------------------------------------------------------------------------


@given(scalars(), scalars(), scalars())
def test_scalar_ring_laws(a: Scalar, b: Scalar, c: Scalar) -> None:
    assert a + b == b + a
    assert a * b == b * a
    assert (a + b) + c == a + (b + c)
    assert (a * b) * c == a * (b * c)
    assert a * (b + c) == a * b + a * c
    assert a - b == a + (-b)
    assert a + 0 == a
    assert a * 1 == a
    assert 3 - a == Scalar(3) - a
    assert a - a == Scalar(0)


@given(nonzero_scalars())
def test_inverse(a: Scalar) -> None:
    assert a * a.inverse() == Scalar(1)


def test_zero_has_no_inverse() -> None:
    with pytest.raises(ZeroDivisionError):
        Scalar(0).inverse()


@given(scalars(), scalars())
@settings(max_examples=50)
def test_multiplication_is_a_homomorphism(a: Scalar, b: Scalar) -> None:
    assert Point.base_times(a) + Point.base_times(b) == Point.base_times(a + b)
    assert Point.base_times(a) * b == Point.base_times(a * b)


@given(scalars(), points(allow_infinity=True), points(allow_infinity=True))
@settings(max_examples=50)
def test_scalar_multiplication_distributes_over_points(k: Scalar, p: Point, q: Point) -> None:
    assert (p + q) * k == p * k + q * k


@given(scalars())
@settings(max_examples=50)
def test_fixed_and_variable_base_agree(k: Scalar) -> None:
    assert Point.base_times(k) == G * k
    assert Point.base_times(-k) == -(G * k)


# FixedBase: the table of an often-multiplied point --------------------------------------------

_KEY = Point.base_times(Scalar(0x5EC2E7))
_TABLE = FixedBase(_KEY)
# Scalars whose bytes hit every edge of the table: zero bytes, 0xff bytes, the first and last
# rows alone, n - 1.
_EDGE_SCALARS = [1, 2, 255, 256, 0xFF << 248, 1 << 248, GROUP_ORDER - 1, GROUP_ORDER - 256,
                 int("01" * 32, 16), int("ff00" * 16, 16) % GROUP_ORDER]  # fmt: skip


@pytest.mark.parametrize("k", _EDGE_SCALARS)
def test_fixed_base_table_agrees_with_multiplication_at_the_edges(k: int) -> None:
    assert _TABLE.times(Scalar(k)) == _KEY * Scalar(k)


@given(scalars(), points())
@settings(max_examples=100)
def test_fixed_base_table_agrees_with_multiplication(k: Scalar, extra: Point) -> None:
    assert _TABLE.times(k) == _KEY * k
    assert _TABLE.times_plus(k, (extra,)) == _KEY * k + extra


def test_fixed_base_sum_at_infinity_is_infinity() -> None:
    k = Scalar(0xC0FFEE)
    assert _TABLE.times_plus(k, (-(_KEY * k),)).is_infinity()
    assert _TABLE.times(Scalar(0)).is_infinity()


def test_infinity_has_no_table() -> None:
    with pytest.raises(EncodingError, match="infinity"):
        FixedBase(INF)


def test_a_point_multiplied_often_gets_a_table_with_the_same_products() -> None:
    key = Point.base_times(Scalar(0xA11CE))
    products = [times(key, Scalar(k)) for k in range(1, 200)]
    assert table_of(key) is not None
    assert products == [key * Scalar(k) for k in range(1, 200)]
    assert times(key, Scalar(GROUP_ORDER - 1)) == -key


# hash_to_point -----------------------------------------------------------------------------


@given(st.text(alphabet=st.characters(max_codepoint=126, min_codepoint=32)), st.binary())
@settings(max_examples=50)
def test_hash_to_point_is_deterministic_and_on_curve(tag: str, data: bytes) -> None:
    p = hash_to_point(tag, data)
    assert p == hash_to_point(tag, data)
    assert not p.is_infinity()
    assert p.to_bytes()[0] == 2  # the even-y point
    assert Point.from_bytes(p.to_bytes()) == p  # libsecp256k1 accepts it: on the curve
    x = int.from_bytes(p.to_bytes()[1:], "big")
    y_squared = (pow(x, 3, FIELD_P) + 7) % FIELD_P
    assert pow(y_squared, (FIELD_P - 1) // 2, FIELD_P) == 1  # x³ + 7 is a square mod p


def test_hash_to_point_separates_tag_and_data() -> None:
    assert hash_to_point("a", b"b") != hash_to_point("ab", b"")
    assert hash_to_point("a", b"") != hash_to_point("b", b"")


def test_hash_to_point_first_attempt_is_the_plain_hash() -> None:
    # Counter 0 is tried first: when it gives a valid x, that x is the point's.
    tag, data = "tellers/test", b""
    prefix = len(tag).to_bytes(4, "big") + tag.encode() + len(data).to_bytes(4, "big") + data
    for counter in range(64):
        x = hashlib.sha256(prefix + counter.to_bytes(4, "big")).digest()
        try:
            expected = Point.from_bytes(b"\x02" + x)
        except ValueError:
            continue
        break
    assert hash_to_point(tag, data) == expected


@given(scalars(), points(allow_infinity=True), scalars())
def test_base_plus_is_the_double_scalar_multiple(a: Scalar, p: Point, b: Scalar) -> None:
    assert Point.base_plus(a, p, b) == Point.base_times(a) + p * b


@given(nonzero_scalars(), scalars())
def test_base_plus_reaches_infinity_when_the_terms_cancel(k: Scalar, b: Scalar) -> None:
    # a·G + b·(k·G) is infinity for a = -b·k: recovery cannot return it, the fallback must.
    p = Point.base_times(k)
    assert Point.base_plus(-(b * k), p, b).is_infinity()


@given(nonzero_scalars())
def test_base_plus_takes_either_y_parity(k: Scalar) -> None:
    p = Point.base_times(k)
    for q in (p, -p):
        assert Point.base_plus(Scalar(5), q, Scalar(7)) == Point.base_times(Scalar(5)) + q * Scalar(
            7
        )


# Hex text near every way it can be wrong: the quick reading of well-formed text and the
# byte-by-byte one give the same value, or the same refusal.
_HEXISH = st.text(alphabet="0123456789abcdefABCDEF x", min_size=62, max_size=68)
_EDGE_SCALAR_HEX = st.sampled_from(
    [f"{v:064x}" for v in (0, 1, GROUP_ORDER - 1, GROUP_ORDER, GROUP_ORDER + 1, 2**256 - 1)]
)


def _read(call: Callable[[], object]) -> object:
    try:
        return call()
    except EncodingError as exc:
        return ("refused", str(exc))


@given(st.one_of(_HEXISH, _EDGE_SCALAR_HEX), st.booleans())
def test_scalar_hex_reads_as_its_bytes(text: str, nonzero: bool) -> None:
    by_bytes = _read(lambda: Scalar.from_bytes(_unhex(text, "s", 32), "s", nonzero=nonzero))
    assert _read(lambda: Scalar.from_hex(text, "s", nonzero=nonzero)) == by_bytes


@given(
    st.one_of(
        _HEXISH,
        st.sampled_from(["02", "03", "04", "00"]).flatmap(
            lambda prefix: st.one_of(_HEXISH, _EDGE_SCALAR_HEX).map(lambda x: prefix + x[:64])
        ),
        points(allow_infinity=True).map(Point.hex),
    ),
    st.booleans(),
)
def test_point_hex_reads_as_its_bytes(text: str, infinity: bool) -> None:
    by_bytes = _read(lambda: Point.from_bytes(_unhex(text, "p", 33), "p", allow_infinity=infinity))
    assert _read(lambda: Point.from_hex(text, "p", allow_infinity=infinity)) == by_bytes


@given(st.lists(st.one_of(_HEXISH, _EDGE_SCALAR_HEX, scalars().map(Scalar.hex)), max_size=4))
def test_scalars_from_hex_reads_each_as_from_hex(texts: list[str]) -> None:
    each = _read(lambda: tuple(Scalar.from_hex(t) for t in texts))
    assert _read(lambda: scalars_from_hex(list(texts))) == each


@given(points().map(Point.hex), st.one_of(_HEXISH, points(allow_infinity=True).map(Point.hex)))
def test_points_from_hex_reads_each_as_from_hex(first: str, second: str) -> None:
    each = _read(lambda: (Point.from_hex(first), Point.from_hex(second)))
    assert _read(lambda: points_from_hex(first, second)) == each


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, GROUP_ORDER - 1), st.integers(0, GROUP_ORDER - 1)),
        min_size=0,
        max_size=4,
    ),
    st.integers(-9, 9),
    st.integers(-9, 9),
)
def test_small_sums_are_the_weighted_sums_by_multiplication(
    logs: list[tuple[int, int]], first: int, second: int
) -> None:
    """Σ w_j·P_{j,i} by additions equals it by products, for points at infinity, weights
    of either sign or zero, and sums that cancel."""
    left = [Point.base_times(Scalar(a)) for a, _ in logs]
    right = [Point.base_times(Scalar(b)) for _, b in logs]
    got = small_sums([left, right], [first, second])
    assert got == [Point.base_times(Scalar(a * first + b * second)) for a, b in logs]


def test_small_sums_cancel_to_infinity_and_refuse_ragged_columns() -> None:
    p = Point.base_times(Scalar(5))
    assert small_sums([[p], [p * Scalar(2)]], [2, -1]) == [Point.infinity()]
    with pytest.raises(ValueError, match="a weight per column"):
        small_sums([[p]], [1, 2])
    with pytest.raises(ValueError, match="different numbers"):
        small_sums([[p], [p, p]], [1, 1])
