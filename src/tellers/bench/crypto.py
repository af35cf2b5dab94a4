"""Timings of the crypto primitives (DESIGN.md "Group"; protocol.md §2, §5, §6).

``run`` returns the median time in microseconds of single calls, each timed
on its own after a warm-up, and the ratio of a 0/1 proof check to one
variable-base multiplication: that ratio is what a verifier's cost per
ballot choice comes down to, and it must stay at most ``LIMITS`` says.
"""

from __future__ import annotations

import hashlib
import statistics
import time
from collections.abc import Callable

from tellers.crypto.elgamal import KeyPair, encrypt
from tellers.crypto.group import Point, Scalar, bip340_public_key, bip340_sign, bip340_verify
from tellers.crypto.proofs import check_bit, prove_bit

__all__ = ["LABELS", "LIMITS", "run"]

LABELS: dict[str, str] = {
    "fixed_base_mult_us": "fixed-base scalar multiplication k·G (`Point.base_times`)",
    "variable_base_mult_us": "variable-base scalar multiplication k·P (`P * k`)",
    "point_add_us": "point addition P + Q",
    "encrypt_us": "ElGamal encryption of one choice (`encrypt`)",
    "prove_bit_us": "0/1 proof (`prove_bit`)",
    "check_bit_us": "0/1 proof check (`check_bit`)",
    "bip340_verify_us": "BIP340 signature check (`bip340_verify`)",
    "check_bit_over_variable_base": "ratio: `check_bit` / variable-base multiplication",
}
LIMITS: dict[str, float] = {"check_bit_over_variable_base": 9.0}


def _median_us(call: Callable[[], object], samples: int) -> float:
    for _ in range(max(3, samples // 20)):  # warm-up: caches, lazy tables
        call()
    times = []
    for _ in range(samples):
        start = time.perf_counter_ns()
        call()
        times.append(time.perf_counter_ns() - start)
    return statistics.median(times) / 1000


def run(samples: int = 1000) -> dict[str, float]:
    """Median µs per call of each primitive, over ``samples`` timed calls each."""
    seed = hashlib.sha256(b"tellers/bench/crypto").digest()
    k = Scalar.from_digest(seed)
    keys = KeyPair.from_secret(Scalar.from_digest(hashlib.sha256(seed).digest()))
    p, q = Point.base_times(k), keys.public
    fingerprint = bytes(32)
    r = Scalar(k.value // 3)
    ciphertext = encrypt(keys.public, 1, r)
    proof = prove_bit(fingerprint, keys.public, ciphertext, 1, r)
    message = hashlib.sha256(b"ballot").digest()
    xonly = bip340_public_key(k)
    signature = bip340_sign(k, message, bytes(32))

    figures = {
        "fixed_base_mult_us": _median_us(lambda: Point.base_times(k), samples),
        "variable_base_mult_us": _median_us(lambda: p * k, samples),
        "point_add_us": _median_us(lambda: p + q, samples),
        "encrypt_us": _median_us(lambda: encrypt(keys.public, 1, r), samples),
        "prove_bit_us": _median_us(
            lambda: prove_bit(fingerprint, keys.public, ciphertext, 1, r), samples // 4
        ),
        "check_bit_us": _median_us(
            lambda: check_bit(fingerprint, keys.public, ciphertext, proof), samples // 4
        ),
        "bip340_verify_us": _median_us(lambda: bip340_verify(xonly, message, signature), samples),
    }
    figures["check_bit_over_variable_base"] = (
        figures["check_bit_us"] / figures["variable_base_mult_us"]
    )
    return figures
