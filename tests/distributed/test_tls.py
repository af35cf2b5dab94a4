"""Verifying on a cluster reached over TLS (README, "Verify on a cluster"; security.md §3.21).

A worker's findings decide what the verifier reports, so on a network the verifier does
not control the client and the workers must know each other: a scheduler and workers
started with ``--tls-ca-file/--tls-cert/--tls-key`` take only connections that present a
certificate their authority signed. ``tellers verify --scheduler tls://...`` then gives
the report it gives on one machine, byte for byte; with no TLS configuration, or a
certificate from another authority, it stops with exit 2 and says why, checking nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dask
import pytest
from dasktools import QUICK, TcpCluster, Tls, make_tls, run_cli, tcp_cluster


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return make_tls(tmp_path_factory.mktemp("tls"), "cluster")


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory: pytest.TempPathFactory, tls: Tls) -> Iterator[TcpCluster]:
    with tcp_cluster(tmp_path_factory.mktemp("dask-tls"), workers=1, tls=tls) as running:
        yield running


def test_the_report_over_tls_is_the_report_on_one_machine(
    record: Path, tls: Tls, tls_cluster: TcpCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    assert tls_cluster.address.startswith("tls://127.0.0.1:")
    code, here, _ = run_cli(capsys, "verify", str(record), "--workers", "1", "--json")
    assert code == 0
    with dask.config.set(tls.config()):
        code, there, err = run_cli(
            capsys, "verify", str(record), "--scheduler", tls_cluster.address, "--json"
        )
    assert code == 0, err
    assert there == here
    assert f"Dask scheduler {tls_cluster.address}" in err


def test_no_tls_configuration_is_refused_with_what_to_set(
    record: Path, tls_cluster: TcpCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "verify", str(record), "--scheduler", tls_cluster.address)
    assert code == 2
    assert out == ""
    assert f"the scheduler at {tls_cluster.address} is reached over TLS" in err
    assert "distributed.comm.tls.ca-file" in err and "Traceback" not in err


def test_a_certificate_from_another_authority_is_refused(
    record: Path,
    tls_cluster: TcpCluster,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Someone on the network with a certificate of their own (made as the cluster's was,
    by another authority) cannot join the run as its client: the scheduler's handshake
    refuses it, and the command stops with exit 2 and no report."""
    stranger = make_tls(tmp_path, "stranger")
    with dask.config.set({**stranger.config(), **QUICK}):
        code, out, err = run_cli(capsys, "verify", str(record), "--scheduler", tls_cluster.address)
    assert code == 2
    assert out == ""
    assert err.startswith("tellers verify: ") and "Traceback" not in err, err
