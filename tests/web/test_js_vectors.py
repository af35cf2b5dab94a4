"""The browser module reproduces tests/vectors/crypto/*.json (the shared vectors).

Each section is read only if its file and keys are there (the vectors are
kept by the crypto tests; see their ``source`` fields). One Node process for
all cases.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsharness import run_cases, skip_reason

__all__: list[str] = []

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "crypto"
_REASON = skip_reason()
pytestmark = pytest.mark.skipif(_REASON is not None, reason=_REASON or "")


def _load(name: str) -> dict[str, Any]:
    path = VECTORS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _cases() -> list[tuple[str, dict[str, Any], Any]]:
    """(section, case for the harness, expected result; ("error",) for a refusal)."""
    out: list[tuple[str, dict[str, Any], Any]] = []
    group, hashing, elgamal, proofs = (_load(n) for n in ("group", "hashing", "elgamal", "proofs"))
    for v in group.get("base_multiples", []):
        out.append(("base_multiples", {"op": "base_times", "k": v["k"]}, v["point"]))
    for v in group.get("additions", []):
        out.append(("additions", {"op": "add", "a": v["a"], "b": v["b"]}, v["sum"]))
    for v in group.get("variable_base", []):
        case = {"op": "times", "point": v["point"], "k": v["k"]}
        out.append(("variable_base", case, v["product"]))
    for v in group.get("hash_to_point", []):
        case = {"op": "hash_to_point", "tag": v["tag"], "data": v["data"]}
        out.append(("hash_to_point", case, v["point"]))
    for v in group.get("invalid_points", []):
        out.append(("invalid_points", {"op": "point_decode", "point": v["hex"]}, ("error",)))
    for v in hashing.get("hash_fields", []):
        case = {"op": "hash_fields", "tag": v["tag"], "fields": v["fields"]}
        out.append(("hash_fields", case, v["digest"]))
    for v in hashing.get("int_fields", []):
        out.append(("int_fields", {"op": "int_field", "value": v["value"]}, v["hex"]))
    for v in elgamal.get("encryptions", []):
        case = {"op": "encrypt", "public": elgamal["public"], "m": v["m"], "r": v["r"]}
        out.append(("encryptions", case, {"alpha": v["alpha"], "beta": v["beta"]}))
    for v in proofs.get("range_proofs", []):
        case = {
            "op": "prove_range",
            "fingerprint": proofs["fingerprint"],
            **{k: v[k] for k in ("public", "m", "r", "lo", "hi", "context", "nonces")},
        }
        want = {k: v[k] for k in ("alpha", "beta", "challenges", "responses")}
        out.append(("range_proofs", case, want))
    parties = _load("parties")
    for v in parties.get("short_texts", []):
        out.append(("short_texts", {"op": "short_text", "bytes": v["bytes"]}, v["short"]))
    for v in parties.get("election_fingerprints", []):
        case = {"op": "election_fingerprint", **{k: v[k] for k in ("manifest", "joint_key")}}
        case["credentials_hash"] = v["credentials_hash"]
        want = {"fingerprint": v["fingerprint"], "short": v["short"]}
        out.append(("election_fingerprints", case, want))
    return out


CASES = _cases()


@pytest.fixture(scope="module")
def results() -> list[dict[str, Any]]:
    return run_cases([case for _, case, _ in CASES])


@pytest.mark.skipif(not CASES, reason=f"no vectors found in {VECTORS}")
def test_js_reproduces_the_shared_vectors(results: list[dict[str, Any]]) -> None:
    sections = set()
    for (section, case, want), got in zip(CASES, results, strict=True):
        sections.add(section)
        if isinstance(want, tuple):
            assert "error" in got, f"{section}: JS accepted {case}"
        else:
            assert got == {"ok": want}, f"{section}: JS differs for {case}: {got}"
    assert sections, "no vector sections were read"
