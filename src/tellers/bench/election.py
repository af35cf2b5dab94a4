"""Per-ballot costs and parallel throughput (``tellers bench election``).

Per ballot, in one process: encrypting and checking a ballot of one
contest with three candidates and a blank allowed (the Unite ballot), and
of two candidates (Helios's comparison ballot). Throughput: the verifier's
ballots per second over a record of simulated ballots, with 1 and 2 workers.

Reference figures for the same kind of ballot on this kind of machine:
ElectionGuard 1.4.0 (Python 3.10) 64 ms to encrypt and 125 ms to verify;
Helios's Python about 160 ms to verify a 2-choice ballot.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tellers.ballot import check_ballot, encrypt_ballot
from tellers.crypto.elgamal import KeyPair
from tellers.crypto.group import Scalar
from tellers.election.manifest import Choice, Contest, Manifest
from tellers.simulate import build_scenario, run_scenario
from tellers.verify import verify_record

__all__ = ["LABELS", "LIMITS", "run"]

ELECTIONGUARD_ENCRYPT_MS = 64.0
ELECTIONGUARD_VERIFY_MS = 125.0
HELIOS_VERIFY_MS = 160.0

LABELS = {
    "encrypt_3_us": "encrypt a 3-candidate ballot (1 process)",
    "verify_3_us": "check a 3-candidate ballot (1 process)",
    "verify_2_us": "check a 2-candidate ballot (1 process)",
    "electionguard_encrypt_ratio": "ElectionGuard 1.4.0 encrypt time ÷ Tellers'",
    "electionguard_verify_ratio": "ElectionGuard 1.4.0 verify time ÷ Tellers'",
    "helios_verify_ratio": "Helios verify time (2 choices) ÷ Tellers'",
    "verify_ballots_per_s_1": "tellers verify, ballots/s, 1 worker",
    "verify_ballots_per_s_2": "tellers verify, ballots/s, 2 workers",
}
LIMITS = {"verify_3_us": 2500.0}


def _manifest(choices: int) -> Manifest:
    return Manifest(
        "bench",
        "Benchmark",
        "Benchmark union",
        "Scrutineer",
        "2026-01-01T00:00:00+00:00",
        "2026-01-02T00:00:00+00:00",
        "last",
        3,
        2,
        ("all",),
        (
            Contest(
                "gs",
                "General Secretary",
                "plurality",
                tuple(Choice(f"c{i}", f"Candidate {i}") for i in range(choices)),
                allow_blank=choices > 2,
            ),
        ),
    )


def _median_us(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def _per_ballot(choices: int, repeat: int = 200) -> tuple[float, float]:
    manifest = _manifest(choices)
    key = KeyPair.generate().public
    fingerprint = os.urandom(32)
    signing_key = Scalar.random()
    pick = {"gs": ["c1"]}

    def encrypt() -> object:
        return encrypt_ballot(manifest, fingerprint, key, signing_key, "all", pick)

    ballot, _ = encrypt_ballot(manifest, fingerprint, key, signing_key, "all", pick)
    encrypt_us = _median_us(encrypt, repeat)
    verify_us = _median_us(lambda: check_ballot(manifest, fingerprint, key, ballot, "all"), repeat)
    return encrypt_us, verify_us


def _throughput(workers: int, record: Path, ballots: int) -> float:
    start = time.perf_counter()
    report = verify_record(record, workers=workers)
    elapsed = time.perf_counter() - start
    if not report.valid:
        raise RuntimeError(f"benchmark record did not verify: {report.failures[:3]}")
    return ballots / elapsed


def run() -> dict[str, float]:
    encrypt_3, verify_3 = _per_ballot(3)
    _, verify_2 = _per_ballot(2)
    figures = {
        "encrypt_3_us": encrypt_3,
        "verify_3_us": verify_3,
        "verify_2_us": verify_2,
        "electionguard_encrypt_ratio": ELECTIONGUARD_ENCRYPT_MS * 1000 / encrypt_3,
        "electionguard_verify_ratio": ELECTIONGUARD_VERIFY_MS * 1000 / verify_3,
        "helios_verify_ratio": HELIOS_VERIFY_MS * 1000 / verify_2,
    }
    with tempfile.TemporaryDirectory() as tmp:
        scenario = build_scenario("unite-2017", scale=0.03)  # about 3,900 ballots
        outcome = run_scenario(scenario, Path(tmp), workers=2)
        n = outcome.result.ballots_counted
        for workers in (1, 2):
            figures[f"verify_ballots_per_s_{workers}"] = _throughput(workers, outcome.record, n)
    return figures
