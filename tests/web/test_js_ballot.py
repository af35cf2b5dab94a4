"""The browser's credential codes and ballots agree with the core byte for byte (under Node).

(a) The credentials vectors (tests/vectors/crypto/credentials.json):
normalisation, refusals, signing keys and public credentials. (b) Given the
same nonces and aux randomness, the JS reproduces a Python-made ballot,
reveal and tracker exactly. (c) JS ballots made with the browser's own
randomness pass the core's ``check_ballot`` and ``check_audit``, and their
trackers are the core's.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from jsharness import run_cases, skip_reason
from voter_fixtures import fixed_rand, sample_manifest

from tellers import canonical
from tellers.ballot import check_audit, check_ballot, encrypt_ballot, tracker
from tellers.crypto.credentials import derive_signing_key, generate_code
from tellers.crypto.group import GROUP_ORDER, Point, Scalar
from tellers.record.v2 import (
    ballot_from_json,
    ballot_to_json,
    manifest_to_json,
    reveal_from_json,
    reveal_to_json,
)

__all__: list[str] = []

_REASON = skip_reason()
pytestmark = pytest.mark.skipif(_REASON is not None, reason=_REASON or "")

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors/crypto/credentials.json").read_text()
)
MANIFEST = sample_manifest("js-ballots", "last")
MANIFEST_JSON = manifest_to_json(MANIFEST)
FINGERPRINT = hashlib.sha256(b"js ballot election").digest()
KEY = Point.base_times(Scalar(int.from_bytes(hashlib.sha256(b"key").digest(), "big") % GROUP_ORDER))
CODE = generate_code(lambda n: hashlib.sha256(b"code").digest()[:n])
SELECTIONS: list[tuple[str, dict[str, list[str]]]] = [
    (
        "north",
        {"general-secretary": ["patel"], "executive-north": ["ali", "cole"], "strike": ["yes"]},
    ),
    ("north", {"general-secretary": [], "executive-north": ["brown"], "strike": ["no"]}),
    ("south", {"general-secretary": ["jones"], "strike": ["yes"]}),
    ("south", {"strike": ["no"]}),
]


def test_credential_vectors() -> None:
    eid = VECTORS["election_id"]
    cases: list[dict[str, Any]] = []
    expected: list[Any] = []
    for v in VECTORS["codes"]:
        cases += [
            {"op": "normalise_code", "input": v["code"]},
            {"op": "derive_signing_key", "election_id": eid, "code": v["code"]},
            {"op": "public_credential", "election_id": eid, "code": v["code"]},
        ]
        expected += [
            {"ok": v["normalised"]},
            {"ok": v["signing_key"]},
            {"ok": v["public_credential"]},
        ]
    for v in VECTORS["normalisation"]:
        cases.append({"op": "normalise_code", "input": v["input"]})
        expected.append({"ok": v["normalised"]})
    results = run_cases(cases)
    assert results == expected
    bad = run_cases([{"op": "normalise_code", "input": v["input"]} for v in VECTORS["invalid"]])
    for v, got in zip(VECTORS["invalid"], bad, strict=True):
        assert v["error"] in got.get("error", ""), (v, got)


def _case(constituency: str, selections: dict[str, list[str]], **extra: Any) -> dict[str, Any]:
    return {
        "op": "encrypt_ballot",
        "manifest": MANIFEST_JSON,
        "fingerprint": FINGERPRINT.hex(),
        "election_key": KEY.hex(),
        "code": CODE,
        "constituency": constituency,
        "selections": selections,
        **extra,
    }


def test_js_reproduces_a_python_ballot_byte_for_byte() -> None:
    signing_key = derive_signing_key(MANIFEST.election_id.encode(), CODE)
    cases, expected = [], []
    for i, (constituency, selections) in enumerate(SELECTIONS):
        drawn, rand = fixed_rand(f"ballot/{i}")
        aux = hashlib.sha256(f"aux/{i}".encode()).digest()
        ballot, reveal = encrypt_ballot(
            MANIFEST,
            FINGERPRINT,
            KEY,
            signing_key,
            constituency,
            selections,
            rand=rand,
            aux_randomness=aux,  # type: ignore[arg-type]
        )
        cases.append(
            _case(constituency, selections, nonces=[s.hex() for s in drawn], aux=aux.hex())
        )
        expected.append((ballot, reveal))
    for got, (ballot, reveal) in zip(run_cases(cases), expected, strict=True):
        assert "ok" in got, got
        out = got["ok"]
        assert out["ballot"] == ballot_to_json(ballot)
        assert out["canonical"].encode() == canonical.dumps(ballot_to_json(ballot))
        assert out["reveal"] == reveal_to_json(reveal)
        assert out["tracker"] == tracker(ballot).hex()


def test_js_ballots_pass_the_core_checks() -> None:
    results = run_cases([_case(k, s) for k, s in SELECTIONS])
    for (constituency, _), got in zip(SELECTIONS, results, strict=True):
        assert "ok" in got, got
        ballot = ballot_from_json(got["ok"]["ballot"])
        check_ballot(MANIFEST, FINGERPRINT, KEY, ballot, constituency)
        check_audit(MANIFEST, KEY, ballot, reveal_from_json(got["ok"]["reveal"]))
        assert got["ok"]["tracker"] == tracker(ballot).hex()


def test_js_refuses_what_the_core_refuses() -> None:
    bad = [
        _case("south", {"executive-north": ["ali"]}),  # not entitled
        _case("north", {"strike": []}),  # blank where not allowed
        _case("north", {"general-secretary": ["okafor", "patel"]}),  # too many
        _case("north", {"general-secretary": ["nobody"]}),
        _case("north", {}, code="K5MM-J12K-JAPK-BHAN-JKQR-RKGZ"),  # a typo in the code
    ]
    for got in run_cases(bad):
        assert "error" in got, got
