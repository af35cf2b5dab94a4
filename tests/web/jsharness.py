"""Run the browser crypto bundle under Node: one process for a whole list of cases.

``run_cases`` sends a JSON list of ``{"op": ...}`` cases to
``js/test/harness.mjs`` and returns its list of ``{"ok": ...}`` or
``{"error": ...}`` results, in order. ``skip_reason`` says why the JS tests
cannot run here (no ``node``, or no bundle: run ``scripts/setup-test-env``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["BUNDLE", "HARNESS", "run_cases", "skip_reason"]

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "src" / "tellers" / "web" / "static" / "tellers" / "tellers.js"
HARNESS = ROOT / "js" / "test" / "harness.mjs"


def skip_reason() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed: the browser crypto module cannot be run"
    if not BUNDLE.exists():
        return f"no browser bundle at {BUNDLE}: run scripts/setup-test-env to build it"
    return None


def run_cases(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    node = shutil.which("node")
    assert node is not None
    done = subprocess.run(
        [node, str(HARNESS), str(BUNDLE)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"node harness failed ({done.returncode}):\n{done.stderr}")
    results: list[dict[str, Any]] = json.loads(done.stdout)
    assert len(results) == len(cases)
    return results
