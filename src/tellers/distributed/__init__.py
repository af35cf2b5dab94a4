"""The Dask task layer: checking ballots on a ``dask.distributed`` cluster (DESIGN.md "Scale").

``cluster(spec)`` gives a client — of a cluster started on this machine
(``local:N``) or of a scheduler already running (``tcp://host:port``) — and
``dask_mapper(client)`` a ``tellers.parallel.Mapper`` whose chunks are Dask
tasks, which ``verify_record(..., mapper=...)`` and ``tellers verify
--scheduler`` use.

The client reads the record; workers receive chunks from it. The board is
read once, in order and streaming, by the client, which sends each chunk of
ballots to the cluster and applies the findings in board order (record.md
§9.3). That is deliberate:

- **No shared storage.** Workers need neither the record nor a file system
  in common with the client (nor with each other): a worker machine needs
  only ``pip install tellers`` and the scheduler's address. The record may be
  a ZIP on the verifier's laptop.
- **The rest is sequential anyway.** The hash chain, the event order, the
  timetable, the re-voting rule and duplicate detection each depend on every
  line before; only the per-ballot work (signature, proofs, audits, the
  partial encrypted sums) is independent, and that is what the tasks do.
  Reading the board is cheap beside checking it, so one reader keeps many
  workers busy.
- **The same report.** Findings are applied in board order by the one
  process that read the board, exactly as on one machine, so the report is
  the single-machine one, check for check.

The workers compute, for the verifier, whether signatures and proofs hold:
a worker that lied could hide a bad ballot. Run them on machines trusted as
the verifier's own machine is (record.md §9.3).
"""

from tellers.distributed.cluster import cluster, dashboard, local_workers
from tellers.distributed.mapper import DaskMapper, dask_mapper, run_chunk, total_threads

__all__ = [
    "DaskMapper",
    "cluster",
    "dashboard",
    "dask_mapper",
    "local_workers",
    "run_chunk",
    "total_threads",
]
