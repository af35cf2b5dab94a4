"""Bounded discrete logarithm by baby-step giant-step (docs/spec/ceremony.md §6)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tellers.crypto import dlog
from tellers.crypto.dlog import discrete_log, table_width
from tellers.crypto.group import Point, Scalar, hash_to_point
from tellers.errors import DecryptionError, EncodingError


def times_g(m: int) -> Point:
    return Point.base_times(Scalar(m))


def test_public_api_is_pinned() -> None:
    assert set(dlog.__all__) == {"MAX_BOUND", "discrete_log", "table_width"}


@pytest.mark.parametrize("bound", [0, 1, 15, 16, 255, 256, 1000, 130_071])
def test_edges_round_trip(bound: int) -> None:
    for m in {0, 1, bound // 2, bound}:
        if m <= bound:
            assert discrete_log(times_g(m), bound) == m
    assert discrete_log(Point.infinity(), bound) == 0


@settings(max_examples=60)
@given(st.integers(0, 10**6).flatmap(lambda b: st.tuples(st.integers(0, b), st.just(b))))
def test_round_trip(mb: tuple[int, int]) -> None:
    m, bound = mb
    assert discrete_log(times_g(m), bound) == m


@pytest.mark.parametrize("bound", [0, 1, 15, 16, 17, 1000, 4095, 4096])
def test_a_value_above_the_bound_is_refused(bound: int) -> None:
    for m in (bound + 1, bound + 2, table_width(bound) ** 2):
        if m > bound:
            with pytest.raises(DecryptionError, match=f"0, {bound}"):
                discrete_log(times_g(m), bound)


def test_negative_and_unrelated_points_are_refused() -> None:
    with pytest.raises(DecryptionError):
        discrete_log(times_g(-1), 1000)
    with pytest.raises(DecryptionError):
        discrete_log(hash_to_point("tellers/test/unrelated"), 1000)


def test_bad_bounds_are_refused() -> None:
    with pytest.raises(EncodingError, match="bound"):
        discrete_log(times_g(1), -1)
    with pytest.raises(EncodingError, match="bound"):
        discrete_log(times_g(1), dlog.MAX_BOUND + 1)


def test_table_width_is_about_the_square_root() -> None:
    assert table_width(0) == 16
    assert table_width(10**7) == 4096  # 4096² > 10^7 >= 2048²
    assert table_width(10**12) == 1 << 18  # capped; more giant steps instead


def test_ten_million_is_fast() -> None:
    start = time.perf_counter()
    assert discrete_log(times_g(10**7), 10**7) == 10**7
    assert discrete_log(times_g(9_876_543), 10**7) == 9_876_543
    with pytest.raises(DecryptionError):
        discrete_log(times_g(10**7 + 1), 10**7)
    assert time.perf_counter() - start < 3.0
