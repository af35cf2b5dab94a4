"""Work spread over processes on one machine (DESIGN.md "Scale").

``chunked_map`` sends chunks of items to a pool whose workers were given a
shared context once, at start-up, and yields results in order. With one
worker it runs in this process, which keeps tests and small runs simple.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from multiprocessing.pool import AsyncResult
from typing import Any, TypeVar

__all__ = ["chunked_map", "worker_context"]

T = TypeVar("T")
R = TypeVar("R")

_CONTEXT: Any = None


def worker_context() -> Any:
    """The context given to ``chunked_map``, inside a worker."""
    return _CONTEXT


def _init(context: Any) -> None:
    global _CONTEXT
    _CONTEXT = context


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def chunked_map(
    func: Callable[[list[T]], R],
    items: Iterable[T],
    *,
    context: Any,
    workers: int = 1,
    chunk: int = 256,
) -> Iterator[R]:
    """``func(chunk)`` for each chunk of ``items``, in order; ``func`` reads ``worker_context()``.

    ``func`` must be a module-level function so that it can be sent to workers.
    """
    if workers <= 1:
        _init(context)
        for part in _chunks(items, chunk):
            yield func(part)
        return
    # forkserver: workers start from a small server process, not from this one, so they
    # neither copy nor share whatever this process holds (a demo's million-member roll);
    # the context is sent once to each. At most ``2 * workers`` chunks are in flight, so a
    # large input is never read far ahead.
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(workers, initializer=_init, initargs=(context,)) as pool:
        pending: deque[AsyncResult[R]] = deque()
        for part in _chunks(items, chunk):
            pending.append(pool.apply_async(func, (part,)))
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
