"""Benchmarks of the core, each a module with ``run() -> dict[str, float]``.

``BENCHMARKS`` names every benchmark the command line knows, as
``"module:function"``; a module that does not exist yet is skipped, so later
benchmarks plug in by being written. Figure names ending ``_us`` are
microseconds; a module may give ``LABELS`` (name -> description), ``LIMITS``
(name -> largest acceptable value) and ``MINIMUMS`` (name -> smallest). Those in
``ON_REQUEST`` run only when named, never under ``all``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["BENCHMARKS", "ON_REQUEST", "Benchmark", "available", "load"]

BENCHMARKS: dict[str, str] = {
    "crypto": "tellers.bench.crypto:run",
    "counting": "tellers.bench.counting:run",
    "election": "tellers.bench.election:run",
    "fullscale": "tellers.bench.fullscale:run",
    # The national ballot at 1% on 2 workers, step by step, for docs/scale.md's model.
    "national": "tellers.bench.national:run",
    # The hybrid Unite 2017 election, papers pre-encrypted, returned, audited (--scale).
    "postal": "tellers.bench.postal:run",
    # The 1,062,049-member roll with addresses through the officer's import and its checks.
    "roll": "tellers.web.rollcheck.benchmark:run",
    "scale": "tellers.bench.scale:run",
    # One verifiable shuffle of 4,000 ranked ballots of 5 preferences (tellers.bench.shuffle).
    "shuffle": "tellers.bench.shuffle:run",
    # Members casting over HTTP at the production server on PostgreSQL (tellers.bench.web).
    "web": "tellers.bench.web:run",
    "web-sustained": "tellers.bench.web:run_sustained",
}
ON_REQUEST = frozenset({"web-sustained", "postal", "roll"})
"""Minutes each (ten of load; the whole postal election; the whole roll): run by name, not by
``make bench``."""


@dataclass(frozen=True, slots=True)
class Benchmark:
    """One runnable benchmark, with what its module says about its figures."""

    name: str
    run: Callable[[], dict[str, float]]
    labels: dict[str, str] = field(default_factory=dict)
    limits: dict[str, float] = field(default_factory=dict)
    minimums: dict[str, float] = field(default_factory=dict)


def load(name: str) -> Benchmark | None:
    """The benchmark ``name``, or None when its module is not written yet."""
    module_name, _, function = BENCHMARKS[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise  # the module exists but something it imports does not
        return None
    return Benchmark(
        name,
        getattr(module, function),
        dict(getattr(module, "LABELS", {})),
        dict(getattr(module, "LIMITS", {})),
        dict(getattr(module, "MINIMUMS", {})),
    )


def available() -> list[Benchmark]:
    """Every benchmark whose module exists, in ``BENCHMARKS`` order, less ``ON_REQUEST``."""
    return [b for b in map(load, (n for n in BENCHMARKS if n not in ON_REQUEST)) if b]
