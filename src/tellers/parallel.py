"""Work spread over processes on one machine, or over a cluster (DESIGN.md "Scale").

A ``Mapper`` runs ``func(chunk)`` over chunks of items and yields the results
in order; ``func`` is a module-level function that reads the shared context
with ``worker_context()``. ``local_mapper`` is this machine's: ``chunked_map``
sends chunks to a pool whose workers were given the context once, at
start-up; with one worker it runs in this process, which keeps tests and
small runs simple. ``tellers.distributed.dask_mapper`` is the same contract
over a Dask cluster.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from multiprocessing.pool import AsyncResult
from typing import Any, Protocol, TypeVar

__all__ = [
    "LocalMapper",
    "Mapper",
    "chunked_map",
    "chunks",
    "local_mapper",
    "process_map",
    "using_context",
    "worker_context",
]

T = TypeVar("T")
R = TypeVar("R")

_CONTEXT: Any = None
_THREAD = threading.local()
"""A context set for this thread only (``using_context``): a Dask worker runs the tasks of
several maps, each with its own context, on its threads."""


class Mapper(Protocol):
    """``func(chunk)`` for each chunk of ``items``, in order; ``func`` reads ``worker_context()``.

    ``func`` must be a module-level function so that it can be sent to workers,
    and pure (its result depends only on the chunk and the context), so that a
    chunk may be run again where a worker is lost.
    """

    def __call__(
        self, func: Callable[[list[T]], R], items: Iterable[T], *, context: Any, chunk: int
    ) -> Iterator[R]: ...


def worker_context() -> Any:
    """The context given to the mapper, inside a worker."""
    return getattr(_THREAD, "context", _CONTEXT)


@contextmanager
def using_context(context: Any) -> Iterator[None]:
    """Make ``context`` this thread's ``worker_context()`` for the duration."""
    missing = object()
    before = getattr(_THREAD, "context", missing)
    _THREAD.context = context
    try:
        yield
    finally:
        if before is missing:
            del _THREAD.context
        else:
            _THREAD.context = before


def _init(context: Any) -> None:
    global _CONTEXT
    _CONTEXT = context


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter), read as they are needed."""
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
        for part in chunks(items, chunk):
            yield func(part)
        return
    # forkserver: workers start from a small server process, not from this one, so they
    # neither copy nor share whatever this process holds (a demo's million-member roll);
    # the context is sent once to each. At most ``2 * workers`` chunks are in flight, so a
    # large input is never read far ahead.
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(workers, initializer=_init, initargs=(context,)) as pool:
        pending: deque[AsyncResult[R]] = deque()
        for part in chunks(items, chunk):
            pending.append(pool.apply_async(func, (part,)))
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


@contextmanager
def process_map(workers: int) -> Iterator[Callable[..., Iterator[Any]]]:
    """``map`` where ``workers`` is 1, else the ``map`` of a pool of that many forkserver
    processes (for work split into a few large chunks, such as a shuffle's rows), shut down
    on leaving."""
    if workers <= 1:
        yield map
        return
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        yield pool.map


@dataclass(frozen=True, slots=True)
class LocalMapper:
    """``chunked_map`` over ``workers`` processes of this machine (1: in this process)."""

    workers: int

    def __call__(
        self, func: Callable[[list[T]], R], items: Iterable[T], *, context: Any, chunk: int
    ) -> Iterator[R]:
        return chunked_map(func, items, context=context, workers=self.workers, chunk=chunk)


def local_mapper(workers: int) -> Mapper:
    """The ``Mapper`` of this machine: ``workers`` processes (1 = in this process)."""
    return LocalMapper(workers)
