"""``tellers.parallel``: the mappers' contract (results in chunk order) and the contexts."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tellers.parallel import chunks, local_mapper, using_context, worker_context


def test_chunks_are_read_as_needed() -> None:
    read: list[int] = []

    def numbers() -> Iterator[int]:
        for n in range(10):
            read.append(n)
            yield n

    parts = chunks(numbers(), 4)
    assert next(parts) == [0, 1, 2, 3]
    assert read == [0, 1, 2, 3]
    assert list(parts) == [[4, 5, 6, 7], [8, 9]]


@pytest.mark.parametrize("workers", [1, 2])
def test_local_mapper_yields_each_chunk_in_order(workers: int) -> None:
    mapper = local_mapper(workers)
    got = list(mapper(sum, range(100), context=None, chunk=7))
    assert got == [sum(range(i, min(i + 7, 100))) for i in range(0, 100, 7)]


def test_a_thread_context_is_that_threads_alone() -> None:
    process = worker_context()  # whatever an earlier map in this process left
    seen: dict[str, object] = {}

    def other() -> None:
        seen["other"] = worker_context()

    with using_context("this thread's"):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        seen["this"] = worker_context()
        with using_context("inner"):
            seen["inner"] = worker_context()
        seen["after inner"] = worker_context()
    assert seen == {
        "other": process,
        "this": "this thread's",
        "inner": "inner",
        "after inner": "this thread's",
    }
    assert worker_context() is process
