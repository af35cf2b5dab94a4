"""The load generator's client: many members casting at once, from one asyncio loop.

Each cast is one HTTP/1.1 request on a connection of its own (the production
server's synchronous workers close every connection after answering), built in
full before the clock starts: the member's session and CSRF cookies, the CSRF
header and the ballot. A plain event loop on raw sockets costs the machine far less
per request than threads with ``http.client``, so the server under test gets the
CPU (the benchmark shares two cores with it and with PostgreSQL).

``run`` keeps ``clients`` casts in flight (closed loop); with ``rate`` each cast
also waits for its slot in a fixed schedule of ``rate`` per second, and its latency
counts from that slot, so a server that falls behind shows it in the latencies
instead of slowing the schedule down.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["Cast", "cast_request", "percentile", "run", "send"]


@dataclass(frozen=True, slots=True)
class Cast:
    """One request's outcome. ``status`` 0: no answer (refused, reset or timed out)."""

    index: int
    status: int
    body: bytes
    at: float
    """``time.perf_counter()`` when it was sent (its slot, with a rate)."""
    took: float
    """Seconds from ``at`` to the whole answer."""
    error: str = ""


def cast_request(slug: str, session_key: str, csrf: str, ballot: bytes) -> bytes:
    """The bytes a browser sends to cast ``ballot`` in the signed-in session ``session_key``."""
    head = (
        f"POST /vote/{slug}/cast/ HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(ballot)}\r\n"
        f"Cookie: sessionid={session_key}; csrftoken={csrf}\r\n"
        f"X-CSRFToken: {csrf}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + ballot


async def send(port: int, request: bytes, timeout: float) -> tuple[int, bytes]:
    """Send ``request`` to 127.0.0.1:``port``; (status, body) once the server closes."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        writer.write(request)
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.") or len(head) < 12:
        raise ConnectionError(f"not an HTTP answer: {data[:60]!r}")
    return int(head[9:12]), body


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q`` quantile (0 < q <= 1) of already sorted values; 0 if none."""
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values), max(1, math.ceil(q * len(sorted_values)))) - 1]


async def _run(
    port: int,
    requests: Sequence[bytes],
    clients: int,
    duration: float | None,
    rate: float | None,
    timeout: float,
    stop: Callable[[], bool] | None,
    done: list[Cast],
) -> None:
    start = time.perf_counter()
    ends = start + duration if duration is not None else math.inf
    taken = iter(range(len(requests)))

    async def client() -> None:
        for index in taken:
            slot = start + index / rate if rate else time.perf_counter()
            if slot >= ends or (stop is not None and stop()):
                return
            if rate:
                await asyncio.sleep(max(0.0, slot - time.perf_counter()))
            try:
                status, body = await send(port, requests[index], timeout)
                error = ""
            except (OSError, TimeoutError, ConnectionError) as exc:
                status, body, error = 0, b"", f"{type(exc).__name__}: {exc}"
            done.append(Cast(index, status, body, slot, time.perf_counter() - slot, error))

    await asyncio.gather(*(client() for _ in range(clients)))


def run(
    port: int,
    requests: Sequence[bytes],
    *,
    clients: int,
    duration: float | None = None,
    rate: float | None = None,
    timeout: float = 30,
    stop: Callable[[], bool] | None = None,
    done: list[Cast] | None = None,
) -> list[Cast]:
    """Send ``requests`` in order, ``clients`` at a time, until all are sent, ``duration``
    seconds have passed or ``stop()`` says so; every outcome, in the order they ended
    (appended to ``done`` as they end, when given, for a caller watching from a thread)."""
    outcomes: list[Cast] = [] if done is None else done
    asyncio.run(_run(port, requests, clients, duration, rate, timeout, stop, outcomes))
    return outcomes
