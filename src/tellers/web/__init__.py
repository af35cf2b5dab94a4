"""The Tellers web service: a Django site over the core (DESIGN.md, STYLE.md 14).

One app per audience — ``officer``, ``voter``, ``public`` (board, result,
record), ``trustee``, ``scrutiny`` — over one state app, ``store``, whose
models hold state only. Every cryptographic operation is a core function
(server side) or the browser module in ``static/tellers/tellers.js`` (built
from ``js/`` by ``scripts/setup-test-env``). The core never imports Django.
"""

from __future__ import annotations

__all__: list[str] = []
