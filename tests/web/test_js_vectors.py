"""The browser module reproduces tests/vectors/crypto/*.json (the shared vectors), and its
ranked ballots pass the core's checks.

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

from tellers.ballot import check_audit, check_ballot, tracker
from tellers.crypto.group import Point
from tellers.record.v2 import ballot_from_json, reveal_from_json
from tellers.record.v2_manifest import manifest_from_json

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
    out += _ranked_cases(_load("ranked"))
    return out


def _ranked_cases(ranked: dict[str, Any]) -> list[tuple[str, dict[str, Any], Any]]:
    """ranked.json: plaintexts (and refusals), preference proofs, rows with their contest
    hashes, and the whole ballot from its code and seeds (ranked.md §2, §3)."""
    if not ranked:
        return []
    out: list[tuple[str, dict[str, Any], Any]] = []
    for v in ranked["ranking_values"]:
        case = {
            "op": "ranking_values",
            **{k: v[k] for k in ("ranking", "candidates", "preferences")},
        }
        out.append(("ranking_values", case, v.get("values", ("error",))))
    common = {"fingerprint": ranked["fingerprint"], "public": ranked["election_key"]}
    for v in ranked["preference_proofs"]:
        case = {
            "op": "prove_preference",
            **common,
            **{k: v[k] for k in ("m", "r", "context", "nonce")},
        }
        want = {k: v[k] for k in ("alpha", "beta", "proof")}
        out.append(("preference_proofs", case, want))
        check = {
            "op": "check_preference",
            **common,
            **{k: v[k] for k in ("alpha", "beta", "context")},
        }
        out.append(("preference_checks", {**check, "proof": v["proof"]}, True))
        bad = {**v["proof"], "s": v["proof"]["c"]}  # a response not the prover's
        out.append(("preference_checks", {**check, "proof": bad}, ("error",)))
    for v in ranked["rows"]:
        case = {
            "op": "ranked_row",
            **common,
            "credential": ranked["credential"],
            "contest_id": v["contest_id"],
            "contest_index": v["contest_index"],
            "values": v["values"],
            "seed": v["label"].split(" ")[0],
        }
        want = {k: v[k] for k in ("preferences", "randomness", "contest_hash")}
        out.append(("ranked_rows", case, want))
    b = ranked["ballot"]
    case = {
        "op": "encrypt_ballot",
        "manifest": b["manifest"],
        "fingerprint": ranked["fingerprint"],
        "election_key": ranked["election_key"],
        "code": b["code"],
        "constituency": b["constituency"],
        "selections": b["selections"],
        "seed": b["rand_seed"],
        "aux": b["aux"],
    }
    want = {k: b[k] for k in ("ballot", "reveal", "tracker", "canonical")}
    out.append(("ranked_ballot", case, want))
    executive = b["manifest"]["contests"][1]
    for ranking in (["cedar", "cedar"], ["oak"], ["ash", "birch", "cedar", "damson"]):
        refused = {**case, "selections": {"executive": ranking}}
        out.append(("ranked_refusals", refused, ("error",)))
    assert executive["preferences"] == 3
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
    if _load("ranked"):
        assert {"ranking_values", "preference_proofs", "ranked_rows", "ranked_ballot"} <= sections


RANKED = _load("ranked")


@pytest.mark.skipif(not RANKED, reason=f"no ranked.json in {VECTORS}")
def test_ranked_ballots_made_with_the_browser_s_randomness_pass_the_core_checks() -> None:
    b = RANKED["ballot"]
    manifest = manifest_from_json(b["manifest"])
    fingerprint = bytes.fromhex(RANKED["fingerprint"])
    key = Point.from_hex(RANKED["election_key"])
    rankings: tuple[list[str], ...] = ([], ["elm"], ["birch", "ash"], ["damson", "cedar", "ash"])
    cases = [
        {
            "op": "encrypt_ballot",
            "manifest": b["manifest"],
            "fingerprint": RANKED["fingerprint"],
            "election_key": RANKED["election_key"],
            "code": b["code"],
            "constituency": constituency,
            "selections": {"president": ["ada"], "executive": ranking},
        }
        for ranking in rankings
        for constituency in ("north", "south")
    ]
    for case, got in zip(cases, run_cases(cases), strict=True):
        assert "ok" in got, got
        ballot = ballot_from_json(got["ok"]["ballot"])
        check_ballot(manifest, fingerprint, key, ballot, case["constituency"])
        reveal = reveal_from_json(got["ok"]["reveal"])
        check_audit(manifest, key, ballot, reveal)
        executive = case["selections"]["executive"]
        ids = [c.id for c in manifest.contest("executive").choices]
        want = [ids.index(c) + 1 for c in executive] + [0] * (3 - len(executive))
        assert list(reveal.contests[1].choices) == want
        assert got["ok"]["tracker"] == tracker(ballot).hex()
