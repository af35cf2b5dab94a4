"""A cluster whose workers run another Tellers is refused before it checks anything.

The workers are real ``dask worker`` processes over TCP on 127.0.0.1, each importing
Tellers from a copy of this package placed first on its ``PYTHONPATH``, as a worker
machine with its own installation would: one copy unchanged, one of another version, one
of the same version with a module edited. Only the last two may be named.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import distributed
import pytest
from dasktools import TcpCluster, start_worker, stop, tcp_cluster

import tellers
from tellers.cli import main
from tellers.distributed import cluster, dask_mapper
from tellers.distributed.versions import check_versions, identity, source_hash
from tellers.errors import ClusterError
from tellers.verify import verify_record


def _copy(to: Path, edit: tuple[str, str, str] | None = None) -> dict[str, str]:
    """A copy of the tellers package under ``to``, with one file's text replaced if given;
    the environment that makes a worker import it."""
    shutil.copytree(
        Path(tellers.__file__).parent,
        to / "tellers",
        ignore=shutil.ignore_patterns("__pycache__", "web"),
    )
    if edit is not None:
        name, old, new = edit
        path = to / "tellers" / name
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))
    return {"PYTHONPATH": str(to)}


@pytest.fixture(scope="module")
def mixed_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TcpCluster]:
    base = tmp_path_factory.mktemp("versions")
    envs = [
        _copy(base / "same"),
        _copy(base / "older", ("__init__.py", '__version__ = "', '__version__ = "0.0.1-')),
        _copy(base / "edited", ("crypto/proofs.py", "\n", "\n# an edited checkout\n")),
    ]
    (base / "logs").mkdir()
    with tcp_cluster(base / "logs", workers=3, worker_env=envs) as running:
        yield running


def test_workers_running_another_tellers_are_named(mixed_cluster: TcpCluster) -> None:
    with distributed.Client(mixed_cluster.address, timeout=30) as client:
        found = client.run(identity)
        assert len(found) == 3
        with pytest.raises(ClusterError) as refused:
            check_versions(client)
    message = str(refused.value)
    version = tellers.__version__
    assert re.search(
        rf"worker worker-2 \(tcp://127\.0\.0\.1:\d+\) runs tellers 0\.0\.1-{re.escape(version)}, "
        rf"this machine {re.escape(version)}",
        message,
    ), message
    assert re.search(
        rf"worker worker-3 \(tcp://127\.0\.0\.1:\d+\) runs tellers source [0-9a-f]{{64}}, "
        rf"this machine {source_hash()}",
        message,
    ), message
    assert "worker-1" not in message  # the unchanged copy is this machine's Tellers
    assert "worker-2 (" in message and message.count("worker-2 (") == 2  # version and source


def test_tellers_verify_refuses_the_cluster(
    mixed_cluster: TcpCluster, record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ClusterError, match="refusing a cluster"), cluster(mixed_cluster.address):
        pass
    capsys.readouterr()
    code = main(["verify", str(record), "--scheduler", mixed_cluster.address])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("tellers verify: refusing a cluster that runs other code"), err
    assert "worker worker-2 (" in err and "worker worker-3 (" in err
    assert out == ""  # no report: nothing was checked


def test_a_cluster_of_this_tellers_is_accepted(tmp_path: Path) -> None:
    env = _copy(tmp_path / "same")
    (tmp_path / "logs").mkdir()
    with (
        tcp_cluster(tmp_path / "logs", workers=1, worker_env=[env]) as running,
        cluster(running.address) as client,
    ):
        assert list(client.run(identity).values()) == [identity()]


def test_a_worker_that_joins_after_the_check_refuses_every_task(
    tmp_path: Path, record: Path
) -> None:
    """A worker of an edited Tellers joins a cluster that passed the check, and the checked
    worker leaves: every chunk now runs on it, each task finds it runs other code than the
    client and refuses, and the verification stops with ``ClusterError`` naming what
    differs; none of its findings is used."""
    (tmp_path / "logs").mkdir()
    edited = _copy(tmp_path / "edited", ("crypto/proofs.py", "\n", "\n# an edited checkout\n"))
    with (
        tcp_cluster(tmp_path / "logs", workers=1) as running,
        cluster(running.address) as client,  # checked: one worker, this machine's Tellers
    ):
        late = start_worker(running, "late", edited)
        try:
            client.wait_for_workers(2, timeout=60)
            first = [
                a for a, w in client.scheduler_info()["workers"].items() if w["name"] != "late"
            ]
            client.retire_workers(first)
            assert [w["name"] for w in client.scheduler_info()["workers"].values()] == ["late"]
            with pytest.raises(
                ClusterError,
                match=r"refused the task: it runs tellers source [0-9a-f]{64} where the client",
            ):
                verify_record(record, mapper=dask_mapper(client, retries=0))
        finally:
            stop(late)
