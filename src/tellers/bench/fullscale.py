"""The full Unite 2017 election on one machine (``tellers bench fullscale``).

Runs ``tellers demo --scenario unite-2017 --scale 1 --workers 2`` (1,062,049
members, 130,071 ballots) and then ``tellers verify`` of its record with 2
workers, each as a separate process, timing them and sampling the memory
of the whole process tree (the command and its workers) every half second.
Targets: demo under 10 minutes, verify under 4, each under 2 GiB at peak.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["LABELS", "LIMITS", "run"]

LABELS = {
    "demo_s": "tellers demo --scenario unite-2017 --scale 1 --workers 2 (s)",
    "demo_peak_mib": "  peak memory, all processes (MiB)",
    "verify_s": "tellers verify RECORD --workers 2 (s)",
    "verify_peak_mib": "  peak memory, all processes (MiB)",
    "verify_ballots_per_s": "  ballots checked per second",
}
LIMITS = {"demo_s": 600.0, "demo_peak_mib": 2048.0, "verify_s": 240.0, "verify_peak_mib": 2048.0}
BALLOTS = 130_071


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def _measure(command: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss_kib(process.pid))
        time.sleep(0.5)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}")
    return elapsed, peak / 1024


def run() -> dict[str, float]:
    tellers = [sys.executable, "-m", "tellers.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        demo_s, demo_mib = _measure(
            [
                *tellers,
                "demo",
                "--scenario",
                "unite-2017",
                "--scale",
                "1",
                "--workers",
                "2",
                "--out",
                tmp,
            ]
        )
        record = str(Path(tmp) / "unite-2017" / "record")
        verify_s, verify_mib = _measure([*tellers, "verify", record, "--workers", "2"])
    return {
        "demo_s": demo_s,
        "demo_peak_mib": demo_mib,
        "verify_s": verify_s,
        "verify_peak_mib": verify_mib,
        "verify_ballots_per_s": BALLOTS / verify_s,
    }
