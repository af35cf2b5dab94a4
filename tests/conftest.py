"""Shared test configuration: Hypothesis profiles.

``ci`` (the default) is derandomised so every run explores the same examples
and takes the same time; ``dev`` is randomised with more examples, for
hunting bugs locally (``HYPOTHESIS_PROFILE=dev pytest``).

Strategies live in ``tests/strategies.py``; this file's directory is on
``sys.path`` under pytest's default import mode, so tests import it as
``strategies``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

__all__: list[str] = []

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    deadline=None,
    max_examples=500,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
