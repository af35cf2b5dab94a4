"""Fixtures for the Dask tests: real clusters on 127.0.0.1, and the records they verify.

``local_client`` is a ``LocalCluster`` of two worker processes (``cluster("local:2")``);
``tcp_cluster`` a scheduler and two workers started as separate processes with
Dask's own commands (``dask scheduler``, ``dask worker``), reached over TCP,
as they would be on separate machines. Both are made once per test process.

The records are the election tests' (``tests/election/recordtools.py``, whose
tampering and re-sealing helpers the tests here reuse): the small election,
and a larger scenario whose ballots make enough tasks to kill a worker in
the middle of them.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import distributed
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "election"))

from dasktools import TcpCluster
from dasktools import tcp_cluster as start_tcp_cluster
from recordtools import SmallElection, build_small_record

from tellers.distributed import cluster
from tellers.simulate import build_scenario, run_scenario

__all__: list[str] = []


@pytest.fixture(scope="session")
def small_election(tmp_path_factory: pytest.TempPathFactory) -> SmallElection:
    return build_small_record(tmp_path_factory.mktemp("small") / "record")


@pytest.fixture(scope="session")
def other_election(tmp_path_factory: pytest.TempPathFactory) -> SmallElection:
    """The same manifest run again: fresh keys, so ballots from another election."""
    return build_small_record(tmp_path_factory.mktemp("other") / "record")


@pytest.fixture
def record(small_election: SmallElection, tmp_path: Path) -> Path:
    """A private copy of the small record, free to alter."""
    copy = tmp_path / "record"
    shutil.copytree(small_election.record, copy)
    return copy


@pytest.fixture(scope="session")
def hustings_record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hustings scenario at a fifth of its size: about 150 ballots, some re-votes."""
    out = tmp_path_factory.mktemp("hustings")
    run_scenario(build_scenario("ul-hustings-2020", scale=0.2), out, workers=1)
    return out / "record"


@pytest.fixture(scope="session")
def local_client() -> Iterator[distributed.Client]:
    with cluster("local:2") as client:
        yield client


@pytest.fixture(scope="session")
def tcp_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TcpCluster]:
    with start_tcp_cluster(tmp_path_factory.mktemp("dask")) as running:
        yield running
