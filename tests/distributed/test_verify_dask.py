"""``verify_record`` on real Dask clusters gives the single-machine report, check for check.

Every report is compared whole (``Report.to_json()``: every failure, every
check's count, every figure) with the one ``verify_record`` gives in this
process. The tampered records are the election tests' own cases
(``tests/election/test_verify_tamper.py``), each re-sealed so that the deep
check, run on the cluster, is what must catch it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import dask
import distributed
import pytest
from dasktools import QUICK, TcpCluster, context_and_chunk, run_cli, slow_sum
from recordtools import SmallElection
from test_verify_tamper import CASES

from tellers.distributed import cluster, dask_mapper, local_workers
from tellers.errors import ClusterError
from tellers.verify import verify_record

# Every case runs on the LocalCluster; on the separate-process cluster, one of each kind of
# failure: a ballot's proof, its signature, the chain, the tally, a decryption, the result.
TCP_CASES = (
    "altered-proof",
    "altered-signature",
    "reordered-events",
    "altered-tally",
    "wrong-decryption-share",
    "altered-result-figure",
)


def _tamper(kind: str, record: Path, small: SmallElection, other: SmallElection) -> None:
    tamper, _, _ = CASES[kind]
    tamper(record, small, other)


def _names_the_place(kind: str, report: dict[str, Any]) -> bool:
    """Whether the report fails the case's check at its place (a ballot's line, a trustee...)."""
    _, check, where = CASES[kind]
    return any(f["check"] == check and f["where"].startswith(where) for f in report["failures"])


def _checked_on(client: distributed.Client, record: Path, **options: Any) -> dict[str, Any]:
    """The report of ``record`` verified on ``client``'s cluster; asserts the work went there."""
    with distributed.get_task_stream(client=client) as stream:
        report = verify_record(record, mapper=dask_mapper(client, **options)).to_json()
    assert any(str(t["key"]).startswith("check_chunk-") for t in stream.data), "not on the cluster"
    return report


# A LocalCluster of worker processes ------------------------------------------------------


def test_local_cluster_valid_record(record: Path, local_client: distributed.Client) -> None:
    expected = verify_record(record).to_json()
    assert expected["valid"], expected["failures"]
    assert _checked_on(local_client, record) == expected


@pytest.mark.parametrize("kind", sorted(CASES))
def test_local_cluster_tampered_record(
    kind: str,
    record: Path,
    small_election: SmallElection,
    other_election: SmallElection,
    local_client: distributed.Client,
) -> None:
    _tamper(kind, record, small_election, other_election)
    expected = verify_record(record).to_json()
    assert not expected["valid"]
    assert _names_the_place(kind, expected)
    assert _checked_on(local_client, record) == expected


def test_local_cluster_larger_record_in_small_chunks(
    hustings_record: Path, local_client: distributed.Client
) -> None:
    """Many chunks in flight, a window of three: the findings still land in board order."""
    expected = verify_record(hustings_record).to_json()
    assert expected["valid"], expected["failures"]
    assert _checked_on(local_client, hustings_record, window=3) == expected


# A scheduler and two workers, each its own process, over TCP -----------------------------


def test_tcp_cluster_valid_record(record: Path, tcp_cluster: TcpCluster) -> None:
    expected = verify_record(record).to_json()
    with distributed.Client(tcp_cluster.address) as client:
        assert _checked_on(client, record) == expected


@pytest.mark.parametrize("kind", TCP_CASES)
def test_tcp_cluster_tampered_record(
    kind: str,
    record: Path,
    small_election: SmallElection,
    other_election: SmallElection,
    tcp_cluster: TcpCluster,
) -> None:
    _tamper(kind, record, small_election, other_election)
    expected = verify_record(record).to_json()
    assert not expected["valid"]
    assert _names_the_place(kind, expected)
    with distributed.Client(tcp_cluster.address) as client:
        assert _checked_on(client, record) == expected


def _kill_a_busy_worker(
    client: distributed.Client, stop: threading.Event, notes: Path
) -> list[Any]:
    """SIGKILL the first worker found running a task: [its address, the tasks it was running].

    The worker kills itself from its event loop while its thread runs the task,
    so the task is running at the moment it dies, not merely assigned to it;
    it leaves what it was running in the file ``notes`` first.
    """

    def die_if_running(notes: str, dask_worker: Any) -> None:  # sent to the worker by value
        running = sorted(str(task.key) for task in dask_worker.state.executing)
        if running:
            Path(notes).write_text(json.dumps([dask_worker.address, running]))
            os.kill(os.getpid(), signal.SIGKILL)

    while not stop.is_set():
        for address in client.nthreads():
            with contextlib.suppress(OSError):  # the worker died before answering
                client.run(die_if_running, str(notes), workers=[address])
            if notes.exists():
                found: list[Any] = json.loads(notes.read_text())
                return found
        time.sleep(0.002)
    return []


def test_worker_killed_mid_run_is_retried(
    hustings_record: Path, tcp_cluster: TcpCluster, tmp_path: Path
) -> None:
    """A worker dies (SIGKILL) with tasks on it: Dask runs them again, the report is unchanged."""
    expected = verify_record(hustings_record).to_json()
    stop = threading.Event()
    with (
        dask.config.set(QUICK),
        distributed.Client(tcp_cluster.address) as client,
        ThreadPoolExecutor(1) as killer,
    ):
        inner = dask_mapper(client, window=6)
        killed: list[Future[list[Any]]] = []

        def killing(
            func: Callable[[list[Any]], Any], items: Iterable[Any], *, context: Any, chunk: int
        ) -> Iterator[Any]:
            # Chunks of 8 ballots, so tasks are always running while the board is read.
            killed.append(
                killer.submit(_kill_a_busy_worker, client, stop, tmp_path / "killed.json")
            )
            yield from inner(func, items, context=context, chunk=8)

        with distributed.get_task_stream(client=client) as stream:
            report = verify_record(hustings_record, mapper=killing).to_json()
        stop.set()
        found = killed[0].result()
    assert report == expected
    assert found, "no worker was seen with a task on it"
    dead, keys = found
    for key in keys:  # each task running on the dead worker finished on another
        assert any(
            str(t["key"]) in (key, f"{key}-again-1") and t["worker"] != dead for t in stream.data
        ), key


def test_every_worker_killed_at_once_loses_nothing(
    hustings_record: Path, tcp_cluster: TcpCluster
) -> None:
    """Both workers die together, and the context with them: it is scattered again to the
    restarted workers and the chunks that were lost are submitted again."""
    expected = verify_record(hustings_record).to_json()
    with dask.config.set(QUICK), distributed.Client(tcp_cluster.address) as client:
        client.wait_for_workers(2, timeout=60)
        inner = dask_mapper(client, window=6)

        def killing(
            func: Callable[[list[Any]], Any], items: Iterable[Any], *, context: Any, chunk: int
        ) -> Iterator[Any]:
            for index, result in enumerate(inner(func, items, context=context, chunk=8)):
                if index == 1:
                    for pid in client.run(os.getpid).values():
                        os.kill(pid, signal.SIGKILL)
                yield result

        with distributed.get_task_stream(client=client) as stream:
            report = verify_record(hustings_record, mapper=killing).to_json()
    assert report == expected
    assert any("-again-" in str(t["key"]) for t in stream.data)


# The mapper's contract -------------------------------------------------------------------


def test_results_come_in_order_and_the_input_is_streamed(local_client: distributed.Client) -> None:
    read: list[int] = []

    def numbers() -> Iterator[int]:
        for n in range(200):
            read.append(n)
            yield n

    mapper = dask_mapper(local_client, window=3)
    results = mapper(sum, numbers(), context=None, chunk=10)
    assert next(results) == sum(range(10))
    assert len(read) <= 3 * 10  # the window: never more than three chunks in flight
    assert list(results) == [sum(range(start, start + 10)) for start in range(10, 200, 10)]


def test_the_context_reaches_the_worker_whole(local_client: distributed.Client) -> None:
    context = {"election": "small-2026", "chunks": [1, 2]}  # a dict is scattered as one value
    results = dask_mapper(local_client)(context_and_chunk, range(5), context=context, chunk=2)
    assert list(results) == [(context, [0, 1]), (context, [2, 3]), (context, [4])]


def test_a_chunk_the_cluster_drops_is_submitted_again(local_client: distributed.Client) -> None:
    with distributed.get_task_stream(client=local_client) as stream:
        results = dask_mapper(local_client, window=4)(sum, range(40), context=None, chunk=4)
        assert next(results) == sum(range(4))
        [third] = [k for k in local_client.futures if str(k).endswith("-2")]
        distributed.Future(third, local_client).cancel()  # as the scheduler may a lost result
        assert list(results) == [sum(range(i, i + 4)) for i in range(4, 40, 4)]
    assert any(t["key"] == f"{third}-again-1" for t in stream.data)


def test_a_chunk_whose_worker_keeps_dying_is_a_cluster_error(tmp_path: Path) -> None:
    """With no failures allowed, the scheduler gives the chunk up at its worker's first death."""
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        cluster("local:1") as client,
    ):
        results = dask_mapper(client, window=1)(slow_sum, range(4), context=None, chunk=4)
        stop = threading.Event()
        with ThreadPoolExecutor(1) as killer:
            killed = killer.submit(_kill_a_busy_worker, client, stop, tmp_path / "killed.json")
            with pytest.raises(ClusterError, match="gave up"):
                next(results)
            stop.set()
            assert killed.result()


def test_an_error_in_a_task_reaches_the_caller(local_client: distributed.Client) -> None:
    with pytest.raises(TypeError):
        list(dask_mapper(local_client, retries=1)(sum, ["a", "b"], context=None, chunk=2))


def test_cluster_specs() -> None:
    assert local_workers("local:3") == 3
    assert local_workers("tcp://10.0.0.5:8786") is None
    for bad in ("local:", "local:0", "local:two"):
        with pytest.raises(ClusterError):
            local_workers(bad)


def test_no_scheduler_at_the_address() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(OSError), cluster(f"tcp://127.0.0.1:{port}", timeout=1):
        pass


# The command line ------------------------------------------------------------------------


def test_tellers_verify_scheduler_prints_the_same_report(
    record: Path,
    small_election: SmallElection,
    other_election: SmallElection,
    tcp_cluster: TcpCluster,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _tamper("altered-proof", record, small_election, other_election)
    for form in ((), ("--json",)):
        code, here, _ = run_cli(capsys, "verify", str(record), "--workers", "1", *form)
        assert code == 1
        code, there, err = run_cli(
            capsys, "verify", str(record), "--scheduler", tcp_cluster.address, *form
        )
        assert code == 1, err
        assert there == here
        assert f"Dask scheduler {tcp_cluster.address}" in err
        assert "Dask dashboard: " in err
    failures = json.loads(there)["failures"]
    assert any(
        f["check"] == "ballot-proof" and f["where"].startswith("board.jsonl:5 ") for f in failures
    )


def test_tellers_verify_cluster_local(record: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, here, _ = run_cli(capsys, "verify", str(record), "--workers", "1")
    assert code == 0
    code, there, err = run_cli(capsys, "verify", str(record), "--cluster", "local:2")
    assert code == 0, err
    assert there == here
    assert re.search(r"^Dask dashboard: http://127\.0\.0\.1:\d+/status$", err, re.MULTILINE), err


def test_tellers_verify_rejects_a_bad_cluster(
    record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, "verify", str(record), "--cluster", "local:none")
    assert code == 2
    assert "local:N" in err
    code, _, err = run_cli(
        capsys, "verify", str(record), "--workers", "2", "--scheduler", "tcp://x:1"
    )
    assert code == 2
    assert "not allowed with" in err
