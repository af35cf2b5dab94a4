"""``cluster(spec)``: a Dask client, on a cluster started here or on one already running."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from distributed import Client, LocalCluster

from tellers.distributed.versions import check_versions
from tellers.errors import ClusterError

__all__ = ["TLS_SETTINGS", "cluster", "dashboard", "local_workers"]

LOCAL = "local:"
TLS_SETTINGS = (
    "give this machine the cluster's CA certificate and a certificate and key it signed, in "
    "Dask's configuration (distributed.comm.tls.ca-file, distributed.comm.tls.client.cert, "
    "distributed.comm.tls.client.key; or the environment's DASK_DISTRIBUTED__COMM__TLS__CA_FILE, "
    "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT, DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY)"
)
"""What a client needs to reach a scheduler over ``tls://`` (README, "Verify on a cluster")."""


def local_workers(spec: str) -> int | None:
    """N for ``local:N``; None for anything else (a scheduler's address)."""
    if not spec.startswith(LOCAL):
        return None
    count = spec.removeprefix(LOCAL)
    if not count.isdigit() or int(count) < 1:
        raise ClusterError(f"expected local:N with N a number of worker processes, not {spec!r}")
    return int(count)


@contextmanager
def cluster(spec: str, *, timeout: float = 60.0) -> Iterator[Client]:
    """A client of the cluster ``spec`` names, closed (and a local cluster stopped) on leaving.

    ``local:N`` starts a scheduler and N worker processes of one thread each on
    127.0.0.1 (each under a nanny that restarts it if it dies), the dashboard
    on a free port. Anything else is the address of a running scheduler
    (``tcp://host:8786``, or ``tls://host:8786`` with Dask's TLS configuration on this
    machine, ``TLS_SETTINGS``), which must have at least one worker within
    ``timeout`` seconds. Either way, every worker must run this machine's Tellers and
    packages (``check_versions``), else ``ClusterError``.
    """
    workers = local_workers(spec)
    if workers is None:
        try:
            remote = Client(spec, timeout=timeout)
        except TypeError as exc:  # distributed's word for tls:// with no TLS configured
            if "TLS" not in str(exc):
                raise
            raise ClusterError(
                f"the scheduler at {spec} is reached over TLS: {TLS_SETTINGS}"
            ) from None
        with remote as client:
            client.wait_for_workers(1, timeout=timeout)
            check_versions(client)
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            scheduler_port=0,
            dashboard_address="127.0.0.1:0",
        ) as local,
        Client(local) as client,
    ):
        check_versions(client)
        yield client


def dashboard(client: Client) -> str | None:
    """The address of the scheduler's dashboard; None if it serves none.

    Its graphs need ``bokeh`` installed where the scheduler runs; without it the
    page says so, and the worker and task lists under ``/info`` still work.
    """
    services = client.scheduler_info().get("services", {})
    return client.dashboard_link if "dashboard" in services else None
