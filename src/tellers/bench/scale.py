"""What the whole-record verifier adds to the proof checks (``tellers bench scale``).

In one run, on one machine: one variable-base scalar multiplication (the
unit, timed as ``tellers bench crypto`` times it); ``check_ballot`` on the
ballots of a generated record (the Unite scenario, one contest of three
candidates with a blank allowed: four 0/1 proofs, a range proof and a
signature each); and ``verify_record`` over that whole record with 1 and
with 2 workers. Each per-ballot cost is given in microseconds and as a
multiple of the scalar multiplication; ``verify_over_check_ballot`` is the
whole record's cost per ballot with one worker divided by ``check_ballot``'s,
so what reading the board, the canonical-form and chain checks, the board's
rules, the credential list, the sums and everything else around the proofs
cost beyond them (record.md §9).

``check_ballot`` is given ballots already read, their points decompressed (each
one's curve check) and their scalars decoded, which the whole record must do
for itself: so the run also times reading each ballot from the canonical bytes
the verifier's workers receive, as they read it, and then ``check_ballot``
(``check_read_us``: each chunk of 128 read, then checked, as ``check_chunk``
does), and gives the whole record's cost over that as a second ratio, the
like-with-like one. The goal stays on the first. The ballots read for
``check_ballot`` are frozen out of the garbage collector's sight while the
rounds run (``gc.freeze``): held by this benchmark, not by the verifier, they
would otherwise be walked by every full collection ``verify_record`` makes.

Both per-ballot costs are means (CPU time of this process ÷ ballots), so that
they compare, each the least of a few rounds that alternate the two, so that
other work on the machine weighs on them alike and as little as it can: the
record's includes its fixed costs (the ceremony, the credential list, the
tally and decryption checks) spread over its ballots. Ballots per second are
wall-clock, the 2-worker figure counting its worker processes' time as it
passes.
"""

from __future__ import annotations

import gc
import hashlib
import tempfile
import time
from pathlib import Path

from tellers import canonical
from tellers.ballot import Ballot, check_ballot
from tellers.bench.crypto import _median_us
from tellers.crypto.group import Point, Scalar
from tellers.election.manifest import Manifest
from tellers.record.store import read_credentials, read_json
from tellers.record.v2 import ballot_from_json, manifest_from_json
from tellers.simulate import build_scenario, run_scenario
from tellers.verify import verify_record
from tellers.verify.ballot_reader import reader_for

__all__ = ["LABELS", "LIMITS", "SCALE", "run"]

SCALE = 0.02
"""Of Unite 2017: 21,241 members entitled, 2,601 ballots."""
CHUNK = 128
"""Ballots a chunk of ``verify_record``'s (``tellers.verify.record``)."""

LABELS = {
    "ballots": "ballots in the generated record (Unite 2017 at 2%)",
    "variable_base_mult_us": "variable-base scalar multiplication k·P, the unit below",
    "check_ballot_us": "`check_ballot` per 3-choice ballot (1 process)",
    "check_ballot_mults": "  the same, in scalar multiplications",
    "check_read_us": "reading each ballot from its canonical bytes, then `check_ballot`",
    "verify_1_us": "`verify_record` per ballot, 1 worker",
    "verify_1_mults": "  the same, in scalar multiplications",
    "verify_ballots_per_s_1": "`verify_record`, ballots/s, 1 worker",
    "verify_ballots_per_s_2": "`verify_record`, ballots/s, 2 workers",
    "verify_over_check_ballot": "ratio: `verify_record` (1 worker) / `check_ballot`, per ballot",
    "verify_over_check_read": "ratio: `verify_record` (1 worker) / reading and `check_ballot`",
}
LIMITS = {"verify_over_check_ballot": 1.15}


def _variable_base_us(samples: int = 2000) -> float:
    """As ``tellers bench crypto`` measures it: the median of single calls, after a warm-up."""
    seed = hashlib.sha256(b"tellers/bench/crypto").digest()
    k = Scalar.from_digest(seed)
    p = Point.base_times(k)
    return _median_us(lambda: p * k, samples)


def _record_ballots(
    record: Path, encoded: list[tuple[bytes, str]] | None = None
) -> tuple[Manifest, bytes, Point, list[tuple[Ballot, str]]]:
    """The record's manifest, fingerprint, election key and (ballot, constituency) pairs;
    each ballot's canonical bytes with its constituency appended to ``encoded`` if given."""
    manifest = manifest_from_json(read_json(record / "manifest.json"))
    constituency = {c: k for _, c, k in read_credentials(record / "credentials.jsonl")}
    fingerprint, key, ballots = b"", Point.generator(), []
    with open(record / "board.jsonl", "rb") as handle:
        for raw in handle:
            event = canonical.loads(raw[:-1])
            body = event["body"]
            if event["type"] == "election-opened":
                fingerprint = bytes.fromhex(body["fingerprint"])
                key = Point.from_hex(body["joint_key"])
            elif event["type"] == "ballot-accepted":
                ballot = ballot_from_json(body["ballot"])
                ballots.append((ballot, constituency[ballot.credential]))
                if encoded is not None:
                    encoded.append((canonical.dumps(body["ballot"]), ballots[-1][1]))
    return manifest, fingerprint, key, ballots


def _check_ballot_s(
    ballots: list[tuple[Ballot, str]], record: tuple[Manifest, bytes, Point]
) -> float:
    """CPU seconds of ``check_ballot`` on each of ``ballots``, one after another."""
    manifest, fingerprint, key = record
    start = time.process_time()
    for ballot, constituency in ballots:
        check_ballot(manifest, fingerprint, key, ballot, constituency)
    return time.process_time() - start


def _check_read_s(raw: list[tuple[bytes, str]], record: tuple[Manifest, bytes, Point]) -> float:
    """CPU seconds of reading each ballot from its canonical bytes as the verifier's workers
    do (``ballot_reader``, or the general path for another shape; a chunk of ``CHUNK``
    read before any of it is checked) and ``check_ballot``."""
    manifest, fingerprint, key = record
    reader = reader_for(manifest)
    start = time.process_time()
    for at in range(0, len(raw), CHUNK):
        part = raw[at : at + CHUNK]
        read = [
            reader.read(data) or ballot_from_json(canonical.loads(data, "ballot"))
            for data, _ in part
        ]
        for ballot, (_, constituency) in zip(read, part, strict=True):
            check_ballot(manifest, fingerprint, key, ballot, constituency)
    return time.process_time() - start


def _verify_s(record: Path, workers: int) -> tuple[float, float]:
    """CPU seconds of this process and wall-clock seconds of one ``verify_record``."""
    cpu, wall = time.process_time(), time.perf_counter()
    report = verify_record(record, workers=workers)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if not report.valid:
        raise RuntimeError(f"benchmark record did not verify: {report.failures[:3]}")
    return cpu, wall


def run(scale: float = SCALE, rounds: int = 5) -> dict[str, float]:
    """The figures, the per-ballot ones the least of ``rounds`` rounds, each round checking
    every ballot with ``check_ballot`` and then verifying the record with 1 worker."""
    with tempfile.TemporaryDirectory() as tmp:
        outcome = run_scenario(build_scenario("unite-2017", scale=scale), Path(tmp), workers=2)
        raw: list[tuple[bytes, str]] = []
        manifest, fingerprint, key, ballots = _record_ballots(outcome.record, raw)
        n = len(ballots)
        unit = _variable_base_us()
        check_s, read_s, verify_s, wall_1 = (float("inf"),) * 4
        # The ballots read for check_ballot are this benchmark's, not the verifier's: out of
        # the collector's sight, so that its full collections during verify_record do not
        # walk them (tens of µs a ballot), as they would not in `tellers verify`.
        gc.collect()
        gc.freeze()
        try:
            for _ in range(rounds):
                check_s = min(check_s, _check_ballot_s(ballots, (manifest, fingerprint, key)))
                read_s = min(read_s, _check_read_s(raw, (manifest, fingerprint, key)))
                cpu, wall = _verify_s(outcome.record, 1)
                verify_s, wall_1 = min(verify_s, cpu), min(wall_1, wall)
            _, wall_2 = _verify_s(outcome.record, 2)
        finally:
            gc.unfreeze()
    check_us, read_us, verify_us = check_s / n * 1e6, read_s / n * 1e6, verify_s / n * 1e6
    return {
        "ballots": float(n),
        "variable_base_mult_us": unit,
        "check_ballot_us": check_us,
        "check_ballot_mults": check_us / unit,
        "check_read_us": read_us,
        "verify_1_us": verify_us,
        "verify_1_mults": verify_us / unit,
        "verify_ballots_per_s_1": n / wall_1,
        "verify_ballots_per_s_2": n / wall_2,
        "verify_over_check_ballot": verify_us / check_us,
        "verify_over_check_read": verify_us / read_us,
    }
