"""One verifiable shuffle of N ranked ballots of width W (shuffle.md §8; issue: the mixnet).

``run`` shuffles ``rows`` ballots of ``width`` ciphertexts under one election
key, checks the proof, and reports per ballot: the shuffle's time (the
re-encryptions and the proof), the check's, the generators' derivation, and
the proof's size in bytes (binary, 33 per point and 32 per scalar, and as
JSON) — each time also as a ratio to one variable-base multiplication
measured in the same run, which is what the figures come down to on any
machine. Times are this process's CPU time (``time.process_time``), so that
another load on the machine stretches none of them; the wall-clock seconds of
the whole shuffle and check are given beside.

What dominates: elliptic-curve arithmetic in libsecp256k1. Per ballot the
prover makes 2W re-encryptions (each a fixed-base k·G and a ``FixedBase`` k·H),
one fixed-base commitment, two ``Point.base_plus`` (a chain link and its nonce
commitment t̂) and 2W + 1 terms of N-term sums (Σ ω'_i·h_i, Σ ω'_i·α'_i,
Σ ω'_i·β'_i); the verifier makes 4W + 4 terms of sums (Σ u_j·c_j, Σ s'_i·h_i,
Σ u_j·e_j, Σ s'_i·e'_i, and the chain's equations in one random combination).
Each N-term sum is one ``multi_sum`` — Pippenger's buckets, a third of the cost
of N multiplications from a few thousand terms on, the plain products below
1,024 — so the C point additions of the buckets and the multiplications left
(re-encryptions, the chain) are the cost. Hashing the statement (N·W·132
bytes) and the generators' try-and-increment are a few per cent.
"""

from __future__ import annotations

import hashlib
import json
import resource
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from tellers.crypto.elgamal import KeyPair, encrypt
from tellers.crypto.group import POINT_BYTES, SCALAR_BYTES, Point, Scalar
from tellers.crypto.shuffle import Row, ShuffleProof, check_shuffle, shuffle
from tellers.crypto.shuffle_proof import ChunkMap, shuffle_generators
from tellers.crypto.threshold import (
    commit,
    make_shares,
    new_ceremony_key,
    new_polynomial,
    receive_shares,
)
from tellers.ranked import check_ranking, check_row_shares, encrypt_ranking, row_shares
from tellers.record.v2_shuffle import shuffle_proof_to_json

__all__ = ["LABELS", "LIMITS", "run"]

ROWS = 4000
WIDTH = 5
WORKERS = 2
FULL_ROWS, FULL_WIDTH = 130_071, 10
"""The issue's goal: Unite 2017's returned ballots, ranked with 10 preferences."""

LABELS: dict[str, str] = {
    "rows": "ballots shuffled (N)",
    "width": "ciphertexts per ballot (W, preferences)",
    "variable_base_mult_us": "one variable-base multiplication k·P, this run",
    "shuffle_per_ballot_us": "shuffle, per ballot: re-encryption and proof (`shuffle`)",
    "check_per_ballot_us": "check, per ballot (`check_shuffle`, generators derived)",
    "generators_per_ballot_us": "deriving one generator h_i (hash to curve)",
    "shuffle_over_variable_base": "ratio: shuffle per ballot / variable-base multiplication",
    "check_over_variable_base": "ratio: check per ballot / variable-base multiplication",
    "proof_bytes_per_ballot": "proof bytes per ballot (binary: 33 per point, 32 per scalar)",
    "proof_json_bytes_per_ballot": "proof bytes per ballot as record JSON",
    "shuffle_s": "one shuffle of all N ballots, CPU seconds",
    "check_s": "one check of it, CPU seconds",
    "shuffle_wall_s": "the shuffle, wall-clock seconds (other loads included)",
    "check_wall_s": "the check, wall-clock seconds (other loads included)",
    "shuffle_2_workers_cpu_s": "the shuffle over 2 processes (`map_chunks`), CPU s of all",
    "check_2_workers_cpu_s": "the check over 2 processes (`map_chunks`), CPU s of all",
    "shuffle_2_workers_wall_s": "the shuffle over 2 processes, wall-clock s (other loads included)",
    "check_2_workers_wall_s": "the check over 2 processes, wall-clock s (other loads included)",
    "projected_check_full_s": "projected: one check of 130,071 ballots × 10, one core, CPU seconds",
    "cast_per_ballot_us": "casting W = 10 preferences with proofs, per ballot (`encrypt_ranking`)",
    "cast_check_per_ballot_us": "checking those proofs, per ballot (`check_ranking`)",
    "decrypt_per_ballot_us": "one trustee's 10 decryption shares, batched proof, per ballot",
    "decrypt_check_per_ballot_us": "checking one trustee's 10 shares (batched), per ballot",
    "projected_end_to_end_full_s": "projected: 130,071 × 10 mixed by 3, decrypted by 2, CPU s",
    "peak_memory_mib": "peak memory of this process (the ballots, both lists, the proof), MiB",
}
LIMITS: dict[str, float] = {
    # The plain products would be 4 + 4W multiplications per ballot for the check and about
    # 3 + 4W for the shuffle (module docstring); multi_sum brings the check to about half
    # that and the shuffle to about three quarters (10 and 19 at W = 5 when measured, on a
    # shared machine). A ratio above the plain products' count means the sums regressed.
    "check_over_variable_base": 4 + 4 * WIDTH,
    "shuffle_over_variable_base": 3 + 4 * WIDTH + 4,
}


def _variable_base_us(samples: int = 2000) -> float:
    k = Scalar.from_digest(hashlib.sha256(b"tellers/bench/shuffle/k").digest())
    p = Point.base_times(k)
    for _ in range(100):
        p * k
    start = time.process_time_ns()
    for _ in range(samples):
        p * k
    return (time.process_time_ns() - start) / samples / 1000


def _over_workers(work: Callable[[ChunkMap], object]) -> tuple[float, float]:
    """(CPU seconds of this process and its workers, wall-clock seconds) of ``work`` run with
    the ``map`` of a pool of WORKERS forked processes (forked, so that their CPU time comes
    back to this process's children's count when the pool is shut)."""
    pool = ProcessPoolExecutor(WORKERS, mp_context=get_context("fork"))
    list(pool.map(abs, range(WORKERS)))  # the workers started before timing
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    before = children.ru_utime + children.ru_stime
    start, wall = time.process_time(), time.perf_counter()
    work(pool.map)
    own, wall = time.process_time() - start, time.perf_counter() - wall
    pool.shutdown(wait=True)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + children.ru_utime + children.ru_stime - before, wall


def proof_bytes(proof: ShuffleProof) -> int:
    """The proof's size in the binary encodings of protocol.md §2 (shuffle.md §4)."""
    points = len(proof.commitments) + len(proof.chain) + len(proof.t_hat) + 3 + 2 * len(proof.t4)
    scalars = 3 + len(proof.s4) + len(proof.s_hat) + len(proof.s_prime)
    return points * POINT_BYTES + scalars * SCALAR_BYTES


def _ranked_us(keys: KeyPair, fingerprint: bytes, width: int, ballots: int = 200) -> list[float]:
    """Per ballot of ``width`` preferences, µs of CPU: casting (``encrypt_ranking``) and
    checking the casting proofs (ranked.md §3)."""
    values = [(i % 12) + 1 for i in range(width)]
    credential = bytes(32)
    times = [0.0, 0.0]
    for _ in range(ballots):
        start = time.process_time()
        row, _r = encrypt_ranking(
            fingerprint, keys.public, values, credential=credential, contest_index=0
        )
        times[0] += time.process_time() - start
        start = time.process_time()
        check_ranking(
            fingerprint, keys.public, row, credential=credential, contest_index=0, width=width
        )
        times[1] += time.process_time() - start
    return [t / ballots * 1e6 for t in times]


def _decryption_us(fingerprint: bytes, rows: Sequence[Row]) -> tuple[float, float]:
    """µs of CPU per ciphertext for one trustee's shares of ``rows`` with their batched
    proof (``row_shares``), and for checking them (``check_row_shares``, ranked.md §5.2):
    a one-trustee ceremony's key, the batch as long as the rows make it."""
    ceremony = new_ceremony_key(1)
    polynomial = new_polynomial(1, 1)
    commitments = (commit(fingerprint, polynomial),)
    sent, _ = make_shares(fingerprint, polynomial, [ceremony])
    key = receive_shares(fingerprint, ceremony, commitments, sent, quorum=1, trustees=1)
    count = sum(len(row) for row in rows)
    start = time.process_time()
    given = row_shares(fingerprint, key, rows)
    made = time.process_time() - start
    start = time.process_time()
    check_row_shares(fingerprint, commitments, rows, given)
    checked = time.process_time() - start
    return made / count * 1e6, checked / count * 1e6


def run(rows: int = ROWS, width: int = WIDTH) -> dict[str, float]:
    seed = hashlib.sha256(b"tellers/bench/shuffle").digest()
    keys = KeyPair.from_secret(Scalar.from_digest(seed))
    fingerprint = hashlib.sha256(seed + b"/fingerprint").digest()
    ballots = [
        tuple(encrypt(keys.public, (i + k) % 12 + 1, Scalar.random()) for k in range(width))
        for i in range(rows)
    ]
    vbm = _variable_base_us()

    wall, start = time.perf_counter(), time.process_time()
    outputs, proof = shuffle(fingerprint, keys.public, ballots, context=b"trustee-1/shuffle-1")
    shuffle_s, shuffle_wall_s = time.process_time() - start, time.perf_counter() - wall

    # The check derives its generators afresh: time it under a fingerprint not yet seen.
    other = hashlib.sha256(seed + b"/other").digest()
    start = time.process_time()
    shuffle_generators(other, rows)
    generators_s = time.process_time() - start
    wall, start = time.perf_counter(), time.process_time()
    check_shuffle(fingerprint, keys.public, ballots, outputs, proof, context=b"trustee-1/shuffle-1")
    check_s = time.process_time() - start + generators_s  # the cached generators, added back
    check_wall_s = time.perf_counter() - wall + generators_s

    # The row work over two processes (the chunks of shuffle_proof and shuffle_check): the
    # wall-clock, and the CPU seconds of this process and its workers together, which say
    # what two otherwise idle cores would give even when another load shares them now.
    chunk_rows = max(16, -(-rows // WORKERS))  # one chunk per worker: long multi_sums
    shuffle_2_cpu_s, shuffle_2_wall_s = _over_workers(
        lambda m: shuffle(
            fingerprint, keys.public, ballots, context=b"trustee-1/shuffle-2",
            map_chunks=m, chunk_rows=chunk_rows,
        )
    )  # fmt: skip
    check_2_cpu_s, check_2_wall_s = _over_workers(
        lambda m: check_shuffle(
            fingerprint, keys.public, ballots, outputs, proof, context=b"trustee-1/shuffle-1",
            map_chunks=m, chunk_rows=chunk_rows,
        )
    )  # fmt: skip

    check_us = check_s / rows * 1e6
    per_full_ballot = (check_us / (4 + 4 * width)) * (4 + 4 * FULL_WIDTH)
    cast_us, cast_check_us = _ranked_us(keys, fingerprint, FULL_WIDTH)
    share_us, share_check_us = _decryption_us(fingerprint, outputs)
    decrypt_us, decrypt_check_us = share_us * FULL_WIDTH, share_check_us * FULL_WIDTH
    # Per full ballot: 3 shuffles (scaled by width as the check is) and 6 checks (each
    # trustee checks the earlier ones, the verifier all three), the casting proofs checked
    # twice (board, verifier), 2 trustees' shares made and each checked twice.
    shuffle_full = shuffle_s / rows * 1e6 / (3 + 4 * width) * (3 + 4 * FULL_WIDTH)
    end_to_end_us = (
        3 * shuffle_full + 6 * per_full_ballot + 2 * cast_check_us
        + 2 * decrypt_us + 4 * decrypt_check_us
    )  # fmt: skip
    return {
        "rows": rows,
        "width": width,
        "variable_base_mult_us": vbm,
        "shuffle_per_ballot_us": shuffle_s / rows * 1e6,
        "check_per_ballot_us": check_us,
        "generators_per_ballot_us": generators_s / rows * 1e6,
        "shuffle_over_variable_base": shuffle_s / rows * 1e6 / vbm,
        "check_over_variable_base": check_us / vbm,
        "proof_bytes_per_ballot": proof_bytes(proof) / rows,
        "proof_json_bytes_per_ballot": len(json.dumps(shuffle_proof_to_json(proof))) / rows,
        "shuffle_s": shuffle_s,
        "check_s": check_s,
        "shuffle_wall_s": shuffle_wall_s,
        "check_wall_s": check_wall_s,
        "shuffle_2_workers_cpu_s": shuffle_2_cpu_s,
        "check_2_workers_cpu_s": check_2_cpu_s + generators_s,
        "shuffle_2_workers_wall_s": shuffle_2_wall_s,
        "check_2_workers_wall_s": check_2_wall_s + generators_s,
        "projected_check_full_s": per_full_ballot * FULL_ROWS / 1e6,
        "cast_per_ballot_us": cast_us,
        "cast_check_per_ballot_us": cast_check_us,
        "decrypt_per_ballot_us": decrypt_us,
        "decrypt_check_per_ballot_us": decrypt_check_us,
        "projected_end_to_end_full_s": end_to_end_us * FULL_ROWS / 1e6,
        "peak_memory_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
