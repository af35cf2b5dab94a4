"""``dask_mapper``: the ``tellers.parallel.Mapper`` contract over a Dask cluster.

The context (for the verifier, the election's manifest, fingerprint and key)
is scattered to every worker once and handed to each task by reference, so
a chunk travels with nothing but its own items; should every worker holding
it die, it is scattered again. Each chunk is one task,
named after its function (``check_chunk-…`` on the dashboard), submitted
with ``retries`` for a task that raises. A task whose worker dies is run
again elsewhere by the scheduler itself, up to its
``distributed.scheduler.allowed-failures`` (3 by default), and a result
lost with its worker is computed again; should the scheduler drop a chunk
instead (a lost result can come back cancelled), the mapper submits it
again, ``retries`` times at most. All of this is safe because the functions
mapped are pure. At most ``window`` chunks are in flight, so the input is
read as the cluster keeps up and no process, the client included, holds it
all.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from distributed import Client, Future, KilledWorker

from tellers.distributed.versions import refuse_other_code, task_identity
from tellers.errors import ClusterError
from tellers.parallel import Mapper, chunks, using_context

__all__ = ["DaskMapper", "dask_mapper", "run_chunk", "total_threads"]

T = TypeVar("T")
R = TypeVar("R")


def run_chunk(
    func: Callable[[list[T]], R],
    expected: tuple[tuple[str, str], ...],
    context: Any,
    part: list[T],
) -> R:
    """On a worker: ``func(part)``, with ``context`` as ``worker_context()`` for this thread,
    if the worker runs the client's code (``expected``, its ``task_identity``): a worker
    that joined the cluster after the client checked it may not."""
    refuse_other_code(expected)
    with using_context(context):
        return func(part)


def total_threads(client: Client) -> int:
    """The threads of all the workers connected to the client's scheduler now."""
    return sum(client.nthreads().values())


@dataclass(frozen=True)
class DaskMapper:
    """A ``Mapper`` whose chunks are tasks on the Dask cluster behind ``client``."""

    client: Client
    retries: int = 3
    """Times a chunk is run again when its task raises, or when the cluster loses it."""
    window: int | None = None
    """Chunks in flight at once; None: twice the cluster's threads when a map starts."""

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError(f"retries must be 0 or more, not {self.retries}")
        if self.window is not None and self.window < 1:
            raise ValueError(f"window must be 1 or more, not {self.window}")

    def __call__(
        self, func: Callable[[list[T]], R], items: Iterable[T], *, context: Any, chunk: int
    ) -> Iterator[R]:
        window = self.window or max(2, 2 * total_threads(self.client))
        tasks = _Tasks(self.client, func, context, self.retries)
        pending: deque[tuple[int, list[T], Future[R]]] = deque()
        try:
            for index, part in enumerate(chunks(items, chunk)):
                pending.append((index, part, tasks.submit(index, part)))
                if len(pending) >= window:
                    yield tasks.result(*pending.popleft())
            while pending:
                yield tasks.result(*pending.popleft())
        finally:
            if pending:
                self.client.cancel([future for _, _, future in pending])
            tasks.close()


class _Tasks(Generic[T, R]):
    """The tasks of one map: the context scattered once, each chunk submitted under its key."""

    def __init__(self, client: Client, func: Callable[[list[T]], R], context: Any, retries: int):
        self.client = client
        self.func = func
        self.retries = retries
        self.name = f"{getattr(func, '__name__', 'chunk')}-{uuid.uuid4().hex[:12]}"
        self.context = context
        self.expected = task_identity()
        self.shared = self._scatter()

    def _scatter(self) -> Future[Any]:
        for attempt in range(self.retries + 1):
            try:
                # In a list, so that a dict is scattered whole, not value by value.
                [shared] = self.client.scatter([self.context], broadcast=True, hash=False)
                return shared  # type: ignore[no-any-return]
            except OSError as exc:  # a worker it went to has died (the scheduler will know)
                if attempt == self.retries:
                    raise ClusterError(f"could not send the context to the workers: {exc}") from exc
                time.sleep(1)
                self.client.wait_for_workers(1, timeout=60)
        raise AssertionError("unreachable")

    def submit(self, index: int, part: list[T], again: int = 0) -> Future[R]:
        return self.client.submit(
            run_chunk,
            self.func,
            self.expected,
            self.shared,
            part,
            key=f"{self.name}-{index}" + (f"-again-{again}" if again else ""),
            retries=self.retries,
            pure=True,
        )

    def result(self, index: int, part: list[T], future: Future[R]) -> R:
        """The chunk's result; a chunk the cluster lost (cancelled under us) is submitted again."""
        for again in range(1, self.retries + 2):
            try:
                return future.result()
            except KilledWorker as exc:
                raise ClusterError(
                    f"the workers running task {future.key} died more often than the scheduler "
                    f"allows (distributed.scheduler.allowed-failures), so it gave up: {exc}"
                ) from exc
            except CancelledError as exc:
                if again > self.retries:
                    raise ClusterError(f"the cluster lost task {future.key} each time") from exc
                if self.shared.cancelled():  # every worker holding the context died
                    self.shared = self._scatter()
                future = self.submit(index, part, again)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.shared.release()


def dask_mapper(client: Client, *, retries: int = 3, window: int | None = None) -> Mapper:
    """The ``Mapper`` of the Dask cluster behind ``client`` (see the module docstring)."""
    return DaskMapper(client, retries, window)
