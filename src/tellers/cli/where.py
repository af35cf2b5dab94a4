"""Where a command's heavy work runs: ``--workers``, ``--scheduler`` or ``--cluster local:N``.

Shared by ``tellers verify`` and ``tellers demo``; the three options exclude one another.
``cluster_mapper`` opens the Dask cluster named (``tellers.distributed``), says where it
is and where its dashboard is, and yields its mapper; None means this machine's processes.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from tellers.parallel import Mapper

__all__ = ["add_where", "cluster_mapper", "local_spec"]


def local_spec(spec: str) -> str:
    """``local:N`` with N at least 1, else an argparse error."""
    if not spec.startswith("local:") or not spec[6:].isdigit() or int(spec[6:]) < 1:
        raise argparse.ArgumentTypeError(f"expected local:N (N worker processes), not {spec!r}")
    return spec


def add_where(parser: Any, work: str) -> None:
    """The three options, saying what ``work`` they run (e.g. "check ballots")."""
    where = parser.add_mutually_exclusive_group()
    # No default of the core count here: argparse would not see `--workers N --cluster ...`
    # as a conflict when N happened to be the default.
    where.add_argument("--workers", type=int, help=f"processes that {work} (default: one per core)")
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=f"{work} on the Dask cluster whose scheduler is at ADDRESS (tcp://HOST:8786)",
    )
    where.add_argument(
        "--cluster",
        metavar="local:N",
        type=local_spec,
        help=f"start a Dask cluster of N worker processes on this machine and {work} on it",
    )


@contextmanager
def cluster_mapper(spec: str | None, out: TextIO) -> Iterator[Mapper | None]:
    """The Dask mapper of the cluster ``spec`` names, or None for this machine's processes;
    the scheduler's and the dashboard's addresses are written to ``out``."""
    if spec is None:
        yield None
        return
    from tellers.distributed import cluster, dashboard, dask_mapper

    with cluster(spec) as client:
        link = dashboard(client) or "none (the scheduler was started without one)"
        print(f"Dask scheduler {client.scheduler_info()['address']}", file=out)
        print(f"Dask dashboard: {link}", file=out)
        yield dask_mapper(client)
