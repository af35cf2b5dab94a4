"""A ranked contest through the whole record: cast, mixed by three trustees in turn,
decrypted by two, counted and verified (record.md §6.4; ranked.md); and each new check's
tamper test on a re-sealed record (chain, hashes, signatures and index rebuilt)."""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tellers import canonical
from tellers import trustee as trustee_module
from tellers.ballot import ballot_message, tracker
from tellers.board import GENESIS, event_hash, event_line
from tellers.counting import format_result
from tellers.crypto.credentials import derive_signing_key
from tellers.crypto.group import GROUP_ORDER, Scalar, bip340_public_key, bip340_sign
from tellers.crypto.proofs import SchnorrProof
from tellers.errors import RecordError
from tellers.parties import SigningKey, sign_object
from tellers.record import v2_trustee as files
from tellers.record.store import seal
from tellers.record.v2 import ballot_from_json, ballot_to_json, manifest_to_json
from tellers.simulate import DemoOutcome, Scenario, build_scenario, run_scenario
from tellers.simulate_stv import expected_count
from tellers.trustee import TrusteeError
from tellers.vault import write_vault
from tellers.verify import Report, verify_record
from tellers.verify.mix import bodies_at
from tellers.verify.resume import verify_since

SCALE = 0.0006  # 78 ballots


@pytest.fixture(scope="module")
def stv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, DemoOutcome]:
    scenario = build_scenario("stv-executive", SCALE)
    outcome = run_scenario(scenario, tmp_path_factory.mktemp("stv"))
    return scenario, outcome


@pytest.fixture
def record(stv: tuple[Scenario, DemoOutcome], tmp_path: Path) -> Path:
    copy = tmp_path / "record"
    shutil.copytree(stv[1].record, copy)
    return copy


def _events(record: Path) -> list[dict[str, Any]]:
    return [canonical.loads(line) for line in (record / "board.jsonl").read_bytes().splitlines()]


def _signers(stv: tuple[Scenario, DemoOutcome]) -> dict[int, SigningKey]:
    out = {}
    for secrets in stv[1].trustees:
        key = secrets.signing_key
        out[secrets.trustee] = SigningKey(key, bip340_public_key(key))
    return out


def _rewrite(
    record: Path,
    events: list[dict[str, Any]],
    signers: dict[int, SigningKey],
    *,
    unsigned: frozenset[int] = frozenset(),
    complete: bool = True,
) -> None:
    """Write ``events`` back as a trustee who went along would: every hash a decryption, mix
    or mix decryption names made to name its line's new predecessor, each re-signed by its
    trustee (but those at ``unsigned`` positions), the chain and the index rebuilt."""
    lines: list[bytes] = []
    prev, tally = GENESIS, b""
    last: dict[str, bytes] = {}
    for seq, event in enumerate(events):
        kind, body = event["type"], dict(event["body"])
        contest = str(body.get("contest"))
        link = {
            "decryption": ("tally", tally),
            "mix": ("input", last.get(contest, tally)),
            "mix-decryption": ("mix", last.get(contest, b"")),
        }.get(kind)
        if link is not None and seq not in unsigned:
            body[link[0]] = link[1].hex()
            unsigned_body = {k: v for k, v in body.items() if k != "signature"}
            body = sign_object(signers[body["trustee"]], unsigned_body)
        line = event_line(seq, prev, kind, body)
        lines.append(line)
        prev = event_hash(line)
        if kind == "tally":
            tally = prev
        if kind == "mix":
            last[body["contest"]] = prev
    (record / "board.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))
    seal(record, len(lines), prev, complete=complete)


def _failures(report: Report) -> list[tuple[str, str, str]]:
    return [(f.check, f.where, f.detail) for f in report.failures]


def _where(events: list[dict[str, Any]], kind: str, nth: int = 0) -> int:
    return [i for i, e in enumerate(events) if e["type"] == kind][nth]


def test_the_stv_record_verifies_and_counts_as_tellers_count_does(
    stv: tuple[Scenario, DemoOutcome], tmp_path: Path
) -> None:
    scenario, outcome = stv
    report = verify_record(outcome.record)
    assert report.valid, report.failures
    assert verify_record(outcome.record, workers=2).to_json() == report.to_json()
    assert report.checks_run["mix"] == 3 and report.checks_run["mix-decryption"] == 2
    events = _events(outcome.record)
    kinds = [e["type"] for e in events]
    assert kinds[kinds.index("tally") + 1 : kinds.index("tally") + 4] == ["mix"] * 3
    assert [e["body"]["trustee"] for e in events if e["type"] == "mix"] == [1, 2, 3]
    fingerprint = bytes.fromhex(events[0]["body"]["fingerprint"])
    expected = expected_count(scenario, fingerprint)
    declared = json.loads((outcome.record / "result.json").read_text())["contests"][0]
    names = {c.name: c.id for c in scenario.manifest.contests[0].choices}
    assert declared["winners"] == [names[w] for w in expected.winners]
    assert declared["count"] == expected.to_json()
    assert declared["sheet"] == format_result(expected, scenario.manifest.contests[0].title)
    assert {k: v for k, v in declared["counts"].items()} == {
        k: v for k, v in scenario.expected["executive"].items() if k != "blank"
    }
    # The same rankings in a ballot file, counted by `tellers count`: the same sheet, byte
    # for byte, with the record's tie seed.
    contest = scenario.manifest.contests[0]
    by_id = {c.id: c.name for c in contest.choices}
    ballots = tmp_path / "rankings.jsonl"
    lines = [json.dumps({"candidates": list(by_id.values()), "seats": 5, "title": contest.title})]
    lines += [
        json.dumps({"ranks": [by_id[c] for c in v.selections["executive"]]}) for v in scenario.votes
    ]
    ballots.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seed = str(int.from_bytes(fingerprint[:8], "big"))
    sheet = subprocess.run(
        [sys.executable, "-m", "tellers.cli", "count", "--method", "stv-ers97", "--tie-seed",
         seed, str(ballots)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert sheet == declared["sheet"]


def test_two_rows_swapped_after_a_shuffle_fail_that_shuffle(
    stv: tuple[Scenario, DemoOutcome], record: Path
) -> None:
    events = _events(record)
    second = _where(events, "mix", 1)
    rows = events[second]["body"]["rows"]
    rows[0], rows[1] = rows[1], rows[0]
    _rewrite(record, events, _signers(stv))
    found = _failures(verify_record(record))
    assert found[0][:2] == ("mix", f"board.jsonl:{second + 1} contest executive shuffle 2")
    assert "shuffle proof" in found[0][2]
    # The proofs' row terms computed by two processes: the same report.
    assert _failures(verify_record(record, workers=2)) == found
    assert ("mix", f"board.jsonl:{second + 2} contest executive shuffle 3") in [
        f[:2] for f in found
    ]


def test_a_changed_response_or_an_unsigned_change_fails_the_mix(
    stv: tuple[Scenario, DemoOutcome], record: Path
) -> None:
    events = _events(record)
    first = _where(events, "mix")
    proof = events[first]["body"]["proof"]
    proof["s1"] = ("0" if proof["s1"][0] != "0" else "1") + proof["s1"][1:]
    _rewrite(record, events, _signers(stv))
    found = _failures(verify_record(record))
    assert found[0][:2] == ("mix", f"board.jsonl:{first + 1} contest executive shuffle 1")

    # The same change made by someone without the trustee's key: the signature fails first.
    events = _events(stv[1].record)
    events[first]["body"]["proof"]["s1"] = proof["s1"]
    _rewrite(record, events, _signers(stv), unsigned=frozenset({first}))
    found = _failures(verify_record(record))
    assert found[0][0] == "mix" and "signature" in found[0][2]


def test_a_trustee_who_shuffles_twice_or_out_of_place_is_refused(
    stv: tuple[Scenario, DemoOutcome], record: Path
) -> None:
    events = _events(record)
    third = _where(events, "mix", 2)
    events[third]["body"]["trustee"] = 1
    _rewrite(record, events, _signers(stv))
    found = _failures(verify_record(record))
    assert ("mix", f"board.jsonl:{third + 1} contest executive shuffle 3") == found[0][:2]
    assert "already shuffled" in found[0][2]

    events = _events(record)
    events[third]["body"].update(trustee=3, position=4)
    _rewrite(record, events, _signers(stv))
    found = _failures(verify_record(record))
    assert "expected position 3, found 4" in found[0][2]


def test_swapped_decryption_shares_fail_the_trustees_batched_proof(
    stv: tuple[Scenario, DemoOutcome], record: Path
) -> None:
    """Two shares exchanged, the message signed again: each share is still some x_l·α,
    but not of its own ciphertext, and the batch's proof no longer holds."""
    events = _events(record)
    at = _where(events, "mix-decryption")
    shares = events[at]["body"]["shares"]
    shares[13], shares[14] = shares[14], shares[13]
    _rewrite(record, events, _signers(stv))
    found = _failures(verify_record(record))
    trustee = events[at]["body"]["trustee"]
    assert found[0][0] == "mix-decryption"
    assert found[0][1] == f"board.jsonl:{at + 1} contest executive trustee {trustee}"
    assert f"trustee {trustee}: the batched proof of its " in found[0][2]
    assert _failures(verify_record(record, workers=2)) == found
    assert any("the quorum is 2" in f[2] for f in found)


def test_a_changed_batch_proof_fails(stv: tuple[Scenario, DemoOutcome], record: Path) -> None:
    events = _events(record)
    at = _where(events, "mix-decryption")
    proof = events[at]["body"]["proof"]
    proof["s"] = "%064x" % ((int(proof["s"], 16) + 1) % GROUP_ORDER)
    _rewrite(record, events, _signers(stv))
    found = _failures(verify_record(record))
    assert found[0][0] == "mix-decryption"
    assert "the batched proof" in found[0][2]


def test_a_share_that_is_no_point_names_its_field(
    stv: tuple[Scenario, DemoOutcome], record: Path
) -> None:
    events = _events(record)
    at = _where(events, "mix-decryption")
    events[at]["body"]["shares"][3] = "02" + "ff" * 32  # x ≥ p: on no curve point
    _rewrite(record, events, _signers(stv))
    found = _failures(verify_record(record))
    assert found[0][0] == "mix-decryption"
    assert "mix-decryption.shares[3]" in found[0][2]


def test_a_mix_decryption_without_its_batch_proof_fails_its_shape(
    stv: tuple[Scenario, DemoOutcome], record: Path
) -> None:
    """The v2 message's exact fields include ``proof``; a v1-shaped body, signed again,
    fails the event's shape before any proof is checked."""
    events = _events(record)
    at = _where(events, "mix-decryption")
    del events[at]["body"]["proof"]
    _rewrite(record, events, _signers(stv))
    found = _failures(verify_record(record))
    assert ("event-format", f"board.jsonl:{at + 1}") == found[0][:2]
    assert "missing field(s) ['proof']" in found[0][2]


def test_a_v8_record_with_mix_decryptions_is_refused_with_its_migration(record: Path) -> None:
    """A v8 record's mix decryptions carried a proof per share; this verifier reads only
    the batched ones and says how to re-issue such a record (record.md §1.2)."""
    index = record / "index.json"
    index.write_bytes(index.read_bytes().replace(b"tellers-record/v9", b"tellers-record/v8"))
    events = _events(record)
    at = _where(events, "mix-decryption")
    with pytest.raises(RecordError, match=rf"board.jsonl:{at + 1}.*decrypt the same mixed rows"):
        verify_record(record)


def test_decrypting_an_earlier_shuffle_is_refused(
    stv: tuple[Scenario, DemoOutcome], record: Path
) -> None:
    """A decryption of the first shuffle's rows would let the trustees who made it (and
    the first alone) link every decrypted ranking to its ballot."""
    events = _events(record)
    at = _where(events, "mix-decryption")
    mixes = [i for i, e in enumerate(events) if e["type"] == "mix"]
    lines = (record / "board.jsonl").read_bytes().splitlines()
    body = {k: v for k, v in events[at]["body"].items() if k != "signature"}
    body["mix"] = event_hash(lines[mixes[0]]).hex()
    events[at]["body"] = sign_object(_signers(stv)[body["trustee"]], body)
    _rewrite(record, events, _signers(stv), unsigned=frozenset({at}))
    found = _failures(verify_record(record))
    assert found[0][0] == "mix-decryption"
    assert "other rows than the contest's last valid shuffle" in found[0][2]


def test_a_declared_stage_that_is_not_the_recount_is_named(
    stv: tuple[Scenario, DemoOutcome], record: Path
) -> None:
    events = _events(record)
    result = events[-1]["body"]
    first = result["contests"][0]["count"]["rounds"][0]
    name = next(iter(first["votes"]))
    first["votes"][name] = str(int(first["votes"][name].split(".")[0]) + 1)
    (record / "result.json").write_bytes(canonical.dumps(result) + b"\n")
    _rewrite(record, events, _signers(stv))
    found = _failures(verify_record(record))
    assert found[0][:2] == ("ranked-count", "contest executive.count stage 1")


def test_a_ranked_record_without_its_mix_is_incomplete(
    stv: tuple[Scenario, DemoOutcome], record: Path
) -> None:
    events = [e for e in _events(record) if e["type"] not in ("mix", "mix-decryption")]
    _rewrite(record, events, _signers(stv))
    found = _failures(verify_record(record))
    assert ("mix", "contest executive", "no valid shuffle of its rows") in found


def test_an_extra_field_in_a_mix_is_an_event_format_failure(
    stv: tuple[Scenario, DemoOutcome], record: Path
) -> None:
    events = _events(record)
    first = _where(events, "mix")
    events[first]["body"]["note"] = "the officer's favourite"
    _rewrite(record, events, _signers(stv))
    found = _failures(verify_record(record))
    assert found[0][:2] == ("event-format", f"board.jsonl:{first + 1}")


def test_a_trustee_shuffles_on_its_own_machine_after_verifying_the_chain(
    stv: tuple[Scenario, DemoOutcome],
    record: Path,
    tmp_path: Path,
    tellers_cli: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``tellers trustee shuffle``: trustee 3 takes the record as trustees 1 and 2 left it,
    checks both shuffles and makes the third; trustee 1, who shuffled already, is refused."""
    scenario, outcome = stv
    events = _events(record)
    cut = _where(events, "mix", 2)
    (record / "result.json").unlink()
    kept = frozenset(range(cut + 1))  # the lines as they were: their hashes unchanged
    _rewrite(record, events[:cut], _signers(stv), unsigned=kept, complete=False)
    monkeypatch.setenv("TELLERS_PASSPHRASE", "correct horse battery staple")
    dirs = {}
    for index in (1, 3):
        directory = tmp_path / f"trustee-{index}"
        directory.mkdir(mode=0o700)
        (directory / "manifest.json").write_text(json.dumps(manifest_to_json(scenario.manifest)))
        write_vault(
            directory / "trustee-secrets.json",
            b"correct horse battery staple",
            files.secrets_to_json(outcome.trustees[index - 1]),
        )
        dirs[index] = directory
    code, out, err = tellers_cli(
        "trustee", "shuffle", "--dir", str(dirs[3]), "--record", str(record), "--workers", "1"
    )
    assert code == 0, err
    assert "checked through 2 earlier shuffle(s)" in out and "(shuffle 3)" in out
    made = json.loads((dirs[3] / "shuffle-executive.json").read_text())
    assert (made["trustee"], made["position"]) == (3, 3)
    # On the board as the trustee signed it (not re-signed here).
    _rewrite(
        record, [*events[:cut], {"type": "mix", "body": made}], _signers(stv),
        unsigned=kept, complete=False,
    )  # fmt: skip
    report = verify_record(record)
    assert report.valid, report.failures
    assert report.mixes["executive"].shuffles == 3

    code, _out, err = tellers_cli(
        "trustee", "shuffle", "--dir", str(dirs[1]), "--record", str(record), "--workers", "1"
    )
    assert code == 1 and "already shuffled the rows of contest executive" in err


def test_an_accepted_ranked_ballot_whose_preference_proof_fails_is_named(
    stv: tuple[Scenario, DemoOutcome], record: Path
) -> None:
    """The member's own device re-signs a ballot with one preference's proof changed (only
    the member could: it holds the code). The board would have refused it as bad-proof; on
    the board as accepted, the verifier names the ballot and the preference."""
    scenario, outcome = stv
    election_id = scenario.manifest.election_id.encode()
    keys = {}
    for entry in csv.DictReader(outcome.code_sheet.open(encoding="utf-8")):
        key = derive_signing_key(election_id, entry["code"])
        keys[bip340_public_key(key)] = key
    events = _events(record)
    at = next(i for i, e in enumerate(events) if e["type"] == "ballot-accepted")
    ballot = ballot_from_json(events[at]["body"]["ballot"])
    row = ballot.contests[0]
    first = row.preferences[0]
    one = Scalar(1)
    changed = dataclasses.replace(
        first, proof=SchnorrProof(first.proof.challenge, first.proof.response + one)
    )
    contest = dataclasses.replace(row, preferences=(changed, *row.preferences[1:]))
    key = keys[ballot.credential]
    message = ballot_message(ballot.fingerprint, ballot.credential, (contest,))
    forged = dataclasses.replace(
        ballot, contests=(contest,), signature=bip340_sign(key, message, bytes(32))
    )
    events[at]["body"]["ballot"] = ballot_to_json(forged)
    events[at]["body"]["tracker"] = tracker(forged).hex()
    _rewrite(record, events, _signers(stv))
    found = _failures(verify_record(record))
    proof = [f for f in found if f[0] == "ballot-proof"]
    assert proof and proof[0][1].startswith(f"board.jsonl:{at + 1}")
    assert "contest executive, preference 1: preference proof" in proof[0][2]


def test_rows_shuffled_by_fewer_than_the_quorum_are_not_decrypted(
    stv: tuple[Scenario, DemoOutcome], record: Path
) -> None:
    """A shuffler knows its own permutation: had trustee 1 alone shuffled, trustee 1 alone
    could link every decrypted ranking to its ballot. The verifier asks for at least the
    quorum's shuffles (two of three here) before any decryption, and so does the trustee."""
    events = _events(record)
    mixes = [i for i, e in enumerate(events) if e["type"] == "mix"]
    events = [e for i, e in enumerate(events) if i not in mixes[1:]]
    _rewrite(record, events, _signers(stv))
    found = _failures(verify_record(record))
    assert (
        "mix",
        "contest executive",
        "only 1 trustee(s) validly shuffled its rows; at least the quorum, 2, must shuffle "
        "them before any decryption",
    ) in found
    at = _where(events, "mix-decryption")
    trustee = events[at]["body"]["trustee"]
    assert (
        "mix-decryption",
        f"board.jsonl:{at + 1} contest executive trustee {trustee}",
        "it decrypts rows only 1 trustee(s) shuffled; at least the quorum, 2, must shuffle "
        "them before any decryption",
    ) in found

    report = verify_record(stv[1].record)
    chain = report.mixes["executive"]
    one = dataclasses.replace(chain, shuffles=1, trustees=frozenset({1}))
    manifest = stv[0].manifest
    with pytest.raises(TrusteeError, match="shuffled by 1 trustee"):
        trustee_module.decrypt_mixed(stv[1].trustees[0], manifest, report.tally, one, "executive")


def _in_progress(record: Path, lines: list[bytes]) -> None:
    """The record as it stood with the board's first ``lines``: sealed in progress."""
    (record / "result.json").unlink(missing_ok=True)
    (record / "board.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))
    seal(record, len(lines), event_hash(lines[-1]), complete=False)


def _lines(
    record: Path, events: list[dict[str, Any]], signers: dict[int, SigningKey]
) -> list[bytes]:
    """The board's lines for ``events`` as ``_rewrite`` writes them, each written once."""
    _rewrite(record, events, signers, complete=False)
    return (record / "board.jsonl").read_bytes().splitlines()


def test_a_trustee_carries_its_verification_on_over_the_shuffles(
    stv: tuple[Scenario, DemoOutcome], record: Path
) -> None:
    """From the record at the close, verified once in full, each mix added is checked on
    its own (``verify_since``): the same chains as a whole verification, the same failure
    for a bad shuffle, and a record changed anywhere else refused."""
    signers = _signers(stv)
    events = _events(record)
    first = _where(events, "mix")
    lines = (record / "board.jsonl").read_bytes().splitlines()
    _in_progress(record, lines[:first])
    seen = verify_record(record)
    for n in range(1, 4):
        _in_progress(record, lines[: first + n])
        carried, whole = verify_since(record, seen, stv[0].manifest), verify_record(record)
        assert carried.valid and whole.valid, carried.failures
        assert carried.mixes == whole.mixes and carried.root == whole.root
        assert carried.mixes["executive"].shuffles == n
        seen = carried

    # A bad third shuffle: the failure the whole verification names, and no chain.
    _in_progress(record, lines[: first + 2])
    seen = verify_record(record)
    bad = json.loads(json.dumps(events))
    rows = bad[first + 2]["body"]["rows"]
    rows[0], rows[1] = rows[1], rows[0]
    bad_lines = _lines(record, bad, signers)
    _in_progress(record, [*lines[: first + 2], *_relinked(lines[first + 1], bad_lines[first + 2])])
    carried, whole = verify_since(record, seen, stv[0].manifest), verify_record(record)
    assert _failures(carried) == _failures(whole) != []
    assert carried.mixes is None

    # Anything but a mix after what was verified, or a change before, needs a whole check.
    _in_progress(record, lines[: first + 2])
    seen = verify_record(record)
    decryption = _where(events, "decryption")
    _in_progress(record, [*lines[: first + 2], *_relinked(lines[first + 1], lines[decryption])])
    at = first + 3
    carried = verify_since(record, seen, stv[0].manifest)
    assert carried.mixes is None
    assert _failures(carried) == [
        ("board-order", f"board.jsonl:{at}", "'decryption' since the record so far that was "
         "verified: only shuffles may follow it here (verify the whole record)")
    ]  # fmt: skip
    changed = _lines(record, events, signers)
    _in_progress(record, changed[: first + 3])
    carried = verify_since(record, seen, stv[0].manifest)
    assert carried.mixes is None
    assert _failures(carried) == [
        ("record-index", "board.jsonl", "its first lines differ from the record so far that "
         "was verified")
    ]  # fmt: skip
    _in_progress(record, lines[: first + 3])
    with (record / "credentials.jsonl").open("ab") as handle:
        handle.write(b"\n")
    _in_progress(record, lines[: first + 3])
    carried = verify_since(record, seen, stv[0].manifest)
    assert carried.mixes is None
    assert _failures(carried) == [
        ("record-index", "credentials.jsonl", "differs from the record so far that was verified")
    ]


def test_a_carried_on_verification_checks_the_new_lines_chain_form_and_end(
    stv: tuple[Scenario, DemoOutcome], record: Path
) -> None:
    """Each check ``verify_since`` makes of the lines after those verified fails on its own
    fault, in a record re-sealed around it: a mix that does not follow the line before, one
    that is not canonical JSON, one with an extra field, and an index whose board head is
    another's."""
    events = _events(record)
    first = _where(events, "mix")
    lines = (record / "board.jsonl").read_bytes().splitlines()
    _in_progress(record, lines[: first + 1])
    seen = verify_record(record)
    at = first + 2

    unlinked = canonical.loads(lines[first + 1])
    unlinked["prev"] = "00" * 32
    _in_progress(record, [*lines[: first + 1], canonical.dumps(unlinked)])
    assert ("board-chain", f"board.jsonl:{at}", "does not follow the line before") in _failures(
        verify_since(record, seen, stv[0].manifest)
    )

    spaced = lines[first + 1].replace(b'{"body"', b'{ "body"', 1)
    assert spaced != lines[first + 1]
    _in_progress(record, [*lines[: first + 1], spaced])
    carried = verify_since(record, seen, stv[0].manifest)
    assert ("board-chain", f"board.jsonl:{at}", "line is not canonical JSON") in _failures(carried)
    assert carried.mixes is None

    extra = canonical.loads(lines[first + 1])
    extra["body"]["note"] = "shuffled with care"
    _in_progress(record, [*lines[: first + 1], canonical.dumps(extra)])
    found = _failures(verify_since(record, seen, stv[0].manifest))
    assert [f[:2] for f in found] == [("event-format", f"board.jsonl:{at}")]

    _in_progress(record, lines[: first + 2])
    index = json.loads((record / "index.json").read_text())
    index["board"]["head"] = event_hash(lines[first]).hex()
    (record / "index.json").write_bytes(canonical.dumps(index) + b"\n")
    carried = verify_since(record, seen, stv[0].manifest)
    assert (
        "record-index",
        "board.jsonl",
        "board length or head hash differs from index.json",
    ) in _failures(carried)
    assert carried.mixes is None


def _relinked(before: bytes, line: bytes) -> list[bytes]:
    """``line`` made to follow ``before``: its seq and prev, its body as it was."""
    event = canonical.loads(line)
    prior = canonical.loads(before)
    return [event_line(prior["seq"] + 1, event_hash(before), event["type"], event["body"])]


def test_the_trustees_work_split_over_their_processes_makes_a_record_that_verifies(
    tmp_path: Path,
) -> None:
    """Shuffles, the board's checks of them and the decryption shares made and checked by
    two processes each: the record verifies and counts as the rankings cast."""
    scenario = build_scenario("stv-executive", 0.0003)
    outcome = run_scenario(scenario, tmp_path, workers=2)
    report = verify_record(outcome.record)
    assert report.valid, report.failures
    assert report.checks_run["mix"] == 3 and report.checks_run["mix-decryption"] == 2
    fingerprint = bytes.fromhex(_events(outcome.record)[0]["body"]["fingerprint"])
    declared = json.loads((outcome.record / "result.json").read_text())["contests"][0]
    assert declared["count"] == expected_count(scenario, fingerprint).to_json()


def test_a_manifest_s_tie_order_is_what_the_record_counts_and_verifies_by(
    tmp_path: Path,
) -> None:
    """A v7 manifest's tie order (record.md §3.9) goes into the v8 record's count: the
    verifier recounts under it, the sheet is ``tellers count --tie-order``'s, and a record
    of an older format cannot hold such a manifest."""
    scenario = build_scenario("stv-executive", 0.0003)
    contest = scenario.manifest.contests[0]
    order = tuple(reversed([c.id for c in contest.choices]))
    ordered = dataclasses.replace(contest, tie_order=order)
    scenario = dataclasses.replace(
        scenario, manifest=dataclasses.replace(scenario.manifest, contests=(ordered,))
    )
    outcome = run_scenario(scenario, tmp_path / "run")
    record = outcome.record
    assert json.loads((record / "manifest.json").read_text())["format"] == "tellers-manifest/v7"
    report = verify_record(record)
    assert report.valid, report.failures
    declared = json.loads((record / "result.json").read_text())["contests"][0]
    by_id = {c.id: c.name for c in contest.choices}
    ballots = tmp_path / "rankings.jsonl"
    lines = [json.dumps({"candidates": list(by_id.values()), "seats": 5, "title": contest.title})]
    lines += [
        json.dumps({"ranks": [by_id[c] for c in v.selections["executive"]]}) for v in scenario.votes
    ]
    ballots.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sheet = subprocess.run(
        [sys.executable, "-m", "tellers.cli", "count", "--method", "stv-ers97", "--tie-order",
         ",".join(by_id[i] for i in order), str(ballots)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert sheet == declared["sheet"]
    index = record / "index.json"
    index.write_bytes(index.read_bytes().replace(b"tellers-record/v9", b"tellers-record/v7"))
    with pytest.raises(RecordError, match="tellers-record/v7 record holds no tellers-manifest/v7"):
        verify_record(record)


def test_the_mixes_are_read_again_one_at_a_time_and_only_as_the_scan_found_them(
    stv: tuple[Scenario, DemoOutcome],
) -> None:
    """The verifier keeps the board line and hash of each mix, not its ciphertexts, and
    reads each again when its turn comes: a line that no longer hashes as it did is
    refused rather than checked."""
    board = stv[1].record / "board.jsonl"
    lines = board.read_bytes().splitlines()
    at = [(n, event_hash(line)) for n, line in enumerate(lines, 1) if b'"type":"mix"' in line]
    read = list(bodies_at(board, at))
    assert [(n, d) for n, _, d in read] == at and read[0][1]["position"] == 1
    with pytest.raises(RecordError, match=f"board.jsonl:{at[1][0]}: changed while"):
        list(bodies_at(board, [at[0], (at[1][0], bytes(32))]))


def test_a_shuffled_point_that_is_none_names_its_field_at_its_line(
    stv: tuple[Scenario, DemoOutcome], record: Path
) -> None:
    """Signed by its trustee all the same: the rows' points are decoded in the proof's
    chunks, and the fault is named, line and field, as reading the event names it."""
    events = _events(record)
    second = _where(events, "mix", 1)
    events[second]["body"]["rows"][1][0]["alpha"] = "02" + "ff" * 32  # x ≥ p
    _rewrite(record, events, _signers(stv))
    found = _failures(verify_record(record))
    trustee = events[second]["body"]["trustee"]
    assert found[0] == (
        "mix",
        f"board.jsonl:{second + 1} trustee {trustee}",
        "mix.rows[1][0].alpha: not the x-coordinate of a point on secp256k1",
    )
    assert _failures(verify_record(record, workers=2)) == found


def test_the_scan_refuses_a_mix_line_not_canonical_in_its_rows(
    stv: tuple[Scenario, DemoOutcome], record: Path
) -> None:
    """The board's scan reads a canonical mix line without a JSON value of its rows; a
    line whose rows are spaced is not canonical, and the scan says so at its line; one
    holding a point in upper-case hex is canonical JSON, and the mix's check names the
    field (the chain rebuilt after each, the index re-sealed)."""
    lines = (record / "board.jsonl").read_bytes().splitlines()
    at = next(n for n, line in enumerate(lines) if line.endswith(b'"type":"mix"}'))
    alpha = canonical.loads(lines[at])["body"]["rows"][0][0]["alpha"].encode()
    trustee = canonical.loads(lines[at])["body"]["trustee"]
    assert verify_record(record).valid
    for changed, expected in (
        (
            lines[at].replace(b'"rows":[[{', b'"rows":[ [{', 1),
            ("board-chain", f"board.jsonl:{at + 1}", "line is not canonical JSON"),
        ),
        (
            lines[at].replace(alpha, alpha.upper(), 1),
            (
                "mix",
                f"board.jsonl:{at + 1} trustee {trustee}",
                "mix.rows[0][0].alpha: hex must be lower case (canonical encoding)",
            ),
        ),
    ):
        assert changed != lines[at]
        _in_progress(record, [*lines[:at], changed, *_relinked_chain(changed, lines[at + 1 :])])
        assert expected in _failures(verify_record(record))


def _relinked_chain(first: bytes, after: list[bytes]) -> list[bytes]:
    """``after`` made to follow ``first`` line by line, each body as it was."""
    out, before = [], first
    for line in after:
        event = canonical.loads(line)
        before = event_line(event["seq"], event_hash(before), event["type"], event["body"])
        out.append(before)
    return out
