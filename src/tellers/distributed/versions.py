"""``check_versions``: refuse a cluster whose workers run other code than this client.

A worker checks signatures and proofs for the verifier (record.md §9.3), so it
must run the Tellers the verifier runs, on the same libraries. Before any
task is sent, the client compares with its own, worker by worker:

- the Python packages Dask reports (``Client.get_versions(check=True)``: Python,
  dask, distributed, msgpack, cloudpickle, tornado, toolz, numpy, …), with the
  group arithmetic's and the JSON reader's (coincurve, cffi, orjson) added, and
  the scheduler's for those Dask says the scheduler must share;
- on each worker, the version of the ``tellers`` it imports (``__version__``) and
  a SHA-256 of that package's source, every module but the web site's
  (``tellers.web``, which no task runs): the same version with other code, an
  edited checkout say, is refused too.

A difference raises ``ClusterError`` naming each worker and what it runs beside
what this machine runs. A worker that joins after that check is checked by the tasks
themselves: each carries this machine's ``task_identity`` (its Tellers, its source's
hash, Python's version and ``PACKAGES``'), and a worker that runs other code refuses to
run it (``refuse_other_code``), so no finding of such a worker is ever used.
"""

from __future__ import annotations

import functools
import hashlib
import platform
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

from distributed import Client
from distributed.versions import scheduler_relevant_packages

import tellers
from tellers.errors import ClusterError

__all__ = [
    "PACKAGES",
    "check_versions",
    "identity",
    "refuse_other_code",
    "source_hash",
    "task_identity",
]

PACKAGES = ("coincurve", "cffi", "orjson", "numpy")
"""Packages the tasks' checks run on, compared with those Dask compares itself."""


@functools.cache
def source_hash() -> str:
    """SHA-256 over the source of the ``tellers`` package this process imports, every module
    outside ``tellers.web``: each file's path in the package, then its bytes, each length-
    prefixed, in the order of their paths."""
    root = Path(tellers.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root).as_posix()
        if name.startswith("web/"):
            continue
        data = path.read_bytes()
        for field in (name.encode(), data):
            digest.update(len(field).to_bytes(8, "big"))
            digest.update(field)
    return digest.hexdigest()


def identity() -> dict[str, str]:
    """The Tellers this process runs: its version and its source's hash (run on each worker)."""
    return {"tellers": tellers.__version__, "tellers source": source_hash()}


@functools.cache
def task_identity() -> tuple[tuple[str, str], ...]:
    """``identity()`` with Python's version and those of ``PACKAGES``: what each task checks
    its worker runs, against the client's (computed once a process)."""
    found = {**identity(), "python": platform.python_version()}
    for package in PACKAGES:
        found[package] = metadata.version(package)
    return tuple(sorted(found.items()))


def refuse_other_code(expected: tuple[tuple[str, str], ...]) -> None:
    """On a worker, before a task: ``ClusterError`` unless it runs the client's ``expected``
    code, saying what differs."""
    found = task_identity()
    if found != expected:
        mine, theirs = dict(found), dict(expected)
        differs = [
            f"{key} {mine.get(key, 'MISSING')} where the client runs {theirs.get(key, 'MISSING')}"
            for key in sorted(set(mine) | set(theirs))
            if mine.get(key) != theirs.get(key)
        ]
        raise ClusterError(
            "a worker that runs other code than the client refused the task: it runs "
            + "; ".join(differs)
        )


def check_versions(client: Client) -> None:
    """``ClusterError`` unless every worker (and the scheduler, for what Dask says it must
    share) runs this process's packages and Tellers; see the module docstring."""
    with warnings.catch_warnings():  # Dask warns of a difference; each is refused below
        warnings.simplefilter("ignore")
        try:
            versions: Any = client.get_versions(check=True, packages=list(PACKAGES))
        except ValueError as exc:  # older Dask raises where this one warns
            raise ClusterError(
                f"the cluster's packages differ from this machine's: {exc}"
            ) from None
    ours: dict[str, Any] = versions["client"]["packages"]
    names = {
        address: str(worker.get("name", address))
        for address, worker in client.scheduler_info()["workers"].items()
    }
    found: Any = client.run(identity, on_error="return")
    problems = []
    scheduler = versions["scheduler"]["packages"]
    for package in sorted(set(ours) & set(scheduler) & scheduler_relevant_packages):
        if scheduler[package] != ours[package]:
            problems.append(
                f"the scheduler runs {package} {scheduler[package]}, this machine {ours[package]}"
            )
    mine = identity()
    for address, worker in sorted(versions["workers"].items()):
        who = f"worker {names.get(address, address)} ({address})"
        theirs = worker.get("packages", {})
        for package in sorted(ours):
            if theirs.get(package) != ours[package]:
                problems.append(
                    f"{who} runs {package} {theirs.get(package, 'MISSING')}, "
                    f"this machine {ours[package]}"
                )
        answer = found.get(address)
        if not isinstance(answer, dict):
            problems.append(f"{who} could not report its Tellers: {answer!r}")
            continue
        for key, value in mine.items():
            if answer.get(key) != value:
                problems.append(f"{who} runs {key} {answer.get(key)}, this machine {value}")
    if problems:
        raise ClusterError(
            "refusing a cluster that runs other code than this machine: " + "; ".join(problems)
        )
