"""One test per kind of tampering: the verifier names the check and the place (record.md §9).

Every alteration is re-sealed (hash chain rebuilt, ``index.json`` rewritten)
unless the tampering is the chain itself, so what catches it is the deep
check, not the file-hash index.

The small record's board (see ``recordtools``): 1 opened, 2 audited,
3-8 accepted (4 is superseded by 10), 9 refused (a replay), 10 accepted
(re-vote), 11 closed, 12 tally, 13-14 decryptions (trustees 1 and 3), 15 result.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from recordtools import (
    SmallElection,
    failed,
    fresh_ballot,
    read_board,
    read_json_file,
    reseal,
    write_board,
    write_json_file,
)

from tellers import canonical
from tellers.ballot import ballot_message, tracker
from tellers.crypto.credentials import derive_signing_key, public_credential
from tellers.crypto.group import Scalar, bip340_sign
from tellers.record.v2 import ballot_from_json, ballot_to_json
from tellers.verify import verify_record

Tamper = Callable[[Path, SmallElection, SmallElection], None]

COUNTED_BALLOT = 5  # member 2's ballot: counted, neither superseded nor superseding
CLOSED = 11


def _resign(body: dict[str, Any], signing_key: Scalar) -> None:
    """Sign the (altered) ballot again and publish its true tracker."""
    ballot = ballot_from_json(body["ballot"])
    message = ballot_message(ballot.fingerprint, ballot.credential, ballot.contests)
    body["ballot"]["signature"] = bip340_sign(signing_key, message, bytes(32)).hex()
    body["tracker"] = tracker(ballot_from_json(body["ballot"])).hex()


def _member_key(election: SmallElection, member: int) -> Scalar:
    return derive_signing_key(election.manifest.election_id.encode(), election.codes[member])


def altered_ciphertext(record: Path, small: SmallElection, other: SmallElection) -> None:
    events = read_board(record)
    selections = events[COUNTED_BALLOT - 1]["body"]["ballot"]["contests"][0]["selections"]
    selections[0]["alpha"] = selections[1]["alpha"]
    write_board(record, events)


def altered_proof(record: Path, small: SmallElection, other: SmallElection) -> None:
    """The credential holder re-signs a ballot whose range proof is forged."""
    events = read_board(record)
    body = events[COUNTED_BALLOT - 1]["body"]
    total = body["ballot"]["contests"][0]["total"]
    total["c"][0] = (Scalar.from_hex(total["c"][0]) + 1).hex()
    _resign(body, _member_key(small, 2))
    write_board(record, events)


def altered_signature(record: Path, small: SmallElection, other: SmallElection) -> None:
    """Signed by a key other than the credential's; the published tracker matches it."""
    events = read_board(record)
    _resign(events[COUNTED_BALLOT - 1]["body"], Scalar.random())
    write_board(record, events)


def unknown_credential(record: Path, small: SmallElection, other: SmallElection) -> None:
    ballot, _ = fresh_ballot(record, "south", {"president": ["bea"]})
    events = read_board(record)
    at = events[CLOSED - 2]["body"]["at"]
    body = {
        "at": at,
        "ballot": ballot_to_json(ballot),
        "tracker": tracker(ballot).hex(),
        "supersedes": None,
    }
    events.insert(CLOSED - 1, {"type": "ballot-accepted", "body": body})
    write_board(record, events)


def duplicated_ballot(record: Path, small: SmallElection, other: SmallElection) -> None:
    events = read_board(record)
    events.insert(COUNTED_BALLOT, events[COUNTED_BALLOT - 1])
    write_board(record, events)


def dropped_ballot(record: Path, small: SmallElection, other: SmallElection) -> None:
    events = read_board(record)
    del events[COUNTED_BALLOT - 1]
    write_board(record, events)


def reordered_events(record: Path, small: SmallElection, other: SmallElection) -> None:
    """Two ballot lines swapped as they stand: seq and prev no longer follow."""
    lines = (record / "board.jsonl").read_bytes().splitlines(keepends=True)
    lines[4], lines[5] = lines[5], lines[4]
    (record / "board.jsonl").write_bytes(b"".join(lines))
    reseal(record)


def moved_ballot(record: Path, small: SmallElection, other: SmallElection) -> None:
    """A valid ballot from another election's record, accepted here."""
    events = read_board(record)
    foreign = read_board(other.record)[COUNTED_BALLOT - 1]
    events.insert(CLOSED - 1, foreign)
    write_board(record, events)


def altered_tally(record: Path, small: SmallElection, other: SmallElection) -> None:
    events = read_board(record)
    choices = events[12 - 1]["body"]["contests"][0]["choices"]
    choices[0], choices[1] = choices[1], choices[0]
    write_board(record, events)


def wrong_decryption_share(record: Path, small: SmallElection, other: SmallElection) -> None:
    events = read_board(record)
    shares = events[13 - 1]["body"]["shares"]
    shares[0]["share"] = shares[1]["share"]
    write_board(record, events)


def _alter_result(record: Path, change: Callable[[dict[str, Any]], None]) -> None:
    events = read_board(record)
    change(events[-1]["body"])
    write_board(record, events)
    write_json_file(record, "result.json", events[-1]["body"])
    reseal(record)


def altered_result_figure(record: Path, small: SmallElection, other: SmallElection) -> None:
    def change(result: dict[str, Any]) -> None:
        result["contests"][0]["counts"]["bea"] += 1

    _alter_result(record, change)


def altered_turnout(record: Path, small: SmallElection, other: SmallElection) -> None:
    def change(result: dict[str, Any]) -> None:
        result["ballots_counted"] = 7
        result["turnout"] = {"exact": "7/8", "percent": "87.50"}

    _alter_result(record, change)


def altered_manifest(record: Path, small: SmallElection, other: SmallElection) -> None:
    manifest = read_json_file(record, "manifest.json")
    manifest["contests"][1]["thresholds"]["turnout_percent"] = 40
    write_json_file(record, "manifest.json", manifest)
    reseal(record)


def altered_credentials(record: Path, small: SmallElection, other: SmallElection) -> None:
    """Member 7 (who never voted) taken off the list."""
    gone = public_credential(small.manifest.election_id.encode(), small.codes[7]).hex()
    path = record / "credentials.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    kept = [line for line in lines if canonical.loads(line)["credential"] != gone]
    assert len(kept) == len(lines) - 1
    path.write_bytes(b"".join(kept))
    reseal(record)


def false_supersedes(record: Path, small: SmallElection, other: SmallElection) -> None:
    events = read_board(record)
    events[10 - 1]["body"]["supersedes"] = None
    write_board(record, events)


def false_refusal(record: Path, small: SmallElection, other: SmallElection) -> None:
    events = read_board(record)
    events[9 - 1]["body"]["reason"] = "bad-signature"
    write_board(record, events)


def false_audit(record: Path, small: SmallElection, other: SmallElection) -> None:
    """The audit reveals bea; it is published as revealing ada."""
    events = read_board(record)
    reveal = events[2 - 1]["body"]["reveal"][0]
    reveal["choices"] = [1, 0, 0]
    write_board(record, events)


# kind: (tamper, the check that must fail, where it must say, other checks that must not fail)
CASES: dict[str, tuple[Tamper, str, str]] = {
    "altered-ciphertext": (altered_ciphertext, "ballot-proof", "board.jsonl:5 "),
    "altered-ciphertext-unsigned": (altered_ciphertext, "ballot-signature", "board.jsonl:5 "),
    "altered-proof": (altered_proof, "ballot-proof", "board.jsonl:5 "),
    "altered-signature": (altered_signature, "ballot-signature", "board.jsonl:5 "),
    "unknown-credential": (unknown_credential, "ballot-credential", "board.jsonl:11 "),
    "duplicated-ballot": (duplicated_ballot, "ballot-duplicate", "board.jsonl:6 "),
    "dropped-ballot-tally": (dropped_ballot, "tally", "contest president"),
    "dropped-ballot-closed": (dropped_ballot, "closed", "board.jsonl:10"),
    "reordered-events": (reordered_events, "board-chain", "board.jsonl:5"),
    "moved-between-elections": (moved_ballot, "ballot-election", "board.jsonl:11 "),
    "altered-tally": (altered_tally, "tally", "contest president"),
    "wrong-decryption-share": (wrong_decryption_share, "decryption", "board.jsonl:13 trustee 1"),
    "altered-result-figure": (altered_result_figure, "result-counts", "contest president.counts"),
    "altered-turnout": (altered_turnout, "turnout", "result.ballots_counted"),
    "altered-manifest": (altered_manifest, "manifest", "election-opened.manifest_hash"),
    "altered-credentials": (altered_credentials, "credentials", "election-opened.credentials"),
    "false-supersedes": (false_supersedes, "revote", "board.jsonl:10 "),
    "false-refusal": (false_refusal, "refusal", "board.jsonl:9 "),
    "false-audit": (false_audit, "audit", "board.jsonl:2 "),
}

# Alterations precise enough that nothing else may fail.
ONLY: dict[str, set[str]] = {
    "altered-signature": {"ballot-signature"},
    # A bad ballot is left out of the sums, which then differ from the decrypted totals.
    "altered-proof": {"ballot-proof", "tally", "result-counts"},
    "altered-result-figure": {"result-counts"},
    "false-supersedes": {"revote"},
    "false-refusal": {"refusal"},
    "false-audit": {"audit"},
    "reordered-events": {"board-chain", "timetable"},  # the swapped lines' times too
}


def test_the_untouched_record_verifies(record: Path) -> None:
    report = verify_record(record)
    assert report.valid, report.failures
    assert report.checks_run["ballot-proof"] == 7  # the accepted (an audit is published without)
    assert report.checks_run["audit"] == 1


@pytest.mark.parametrize("kind", sorted(CASES))
def test_tampering_fails_the_named_check_at_the_named_place(
    kind: str, record: Path, small_election: SmallElection, other_election: SmallElection
) -> None:
    tamper, check, where = CASES[kind]
    tamper(record, small_election, other_election)
    report = verify_record(record)
    found = failed(report)
    assert not report.valid
    assert "record-index" not in found, "re-sealing should leave the index consistent"
    assert check in found, found
    assert any(w.startswith(where) for w in found[check]), found[check]
    if kind in ONLY:
        assert set(found) == ONLY[kind], found


def test_reordered_events_names_both_lines(
    record: Path, small_election: SmallElection, other_election: SmallElection
) -> None:
    reordered_events(record, small_election, other_election)
    places = failed(verify_record(record))["board-chain"]
    assert [p for p in places if p in ("board.jsonl:5", "board.jsonl:6")] == [
        "board.jsonl:5",
        "board.jsonl:6",
    ]


def test_altered_signature_keeps_the_ballot_in_the_figures(
    record: Path, small_election: SmallElection, other_election: SmallElection
) -> None:
    """A bad signature is reported, but the homomorphic sums still match (nothing else moves)."""
    altered_signature(record, small_election, other_election)
    report = verify_record(record)
    assert report.figures["contests"][0]["counts"] == {"ada": 3, "bea": 1, "cyd": 1}


def test_unsealed_change_is_caught_by_the_index(record: Path) -> None:
    events = read_board(record)
    write_board(record, events)  # identical events: the record is unchanged
    assert verify_record(record).valid
    path = record / "result.json"
    path.write_bytes(path.read_bytes().replace(b'"blank":1', b'"blank":2'))
    found = failed(verify_record(record))
    assert found["record-index"] == ["result.json"]
    assert "result-file" in found


@pytest.mark.parametrize("kind", sorted(CASES))
def test_tellers_verify_exits_1_with_the_failure_in_json(
    kind: str,
    record: Path,
    small_election: SmallElection,
    other_election: SmallElection,
    tellers_cli: Callable[..., tuple[int, str, str]],
) -> None:
    tamper, check, where = CASES[kind]
    tamper(record, small_election, other_election)
    code, out, err = tellers_cli("verify", str(record), "--workers", "1", "--json")
    assert code == 1, err
    report = json.loads(out)
    assert report["valid"] is False
    assert any(f["check"] == check and f["where"].startswith(where) for f in report["failures"])
