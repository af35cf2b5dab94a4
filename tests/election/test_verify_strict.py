"""The verifier's record-v2 checks: one re-sealed tamper test per check, and the records an
outside implementation found accepted although wrong (record.md §9.2).

Every alteration is re-sealed (chain rebuilt, decryptions re-signed over the new tally line,
index rewritten) unless the tampering is exactly what re-sealing would undo, so what catches
it is the named check. The small record's board is described in ``recordtools``: 1 opened,
2 audited, 3-8 accepted (4 superseded by 10), 9 refused (replay), 10 accepted, 11 closed,
12 tally, 13-14 decryptions (trustees 1 and 3), 15 result.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from recordtools import (
    SmallElection,
    audit_signature,
    failed,
    read_board,
    read_json_file,
    reseal,
    trustee_key,
    write_board,
    write_json_file,
)

from tellers import canonical
from tellers.crypto.credentials import derive_signing_key
from tellers.crypto.elgamal import encrypt
from tellers.crypto.group import Point, Scalar, bip340_public_key
from tellers.errors import RecordError
from tellers.parties import SigningKey, sign_object
from tellers.record.v2 import ciphertext_to_json
from tellers.verify import verify_record

Tamper = Callable[[Path, SmallElection], None]
COUNTED = 5  # member 2's ballot
AUDITED, REFUSED, CLOSED, TALLY, RESULT = 2, 9, 11, 12, 15


def _edit_body(line: int, change: Callable[[dict[str, Any]], None]) -> Tamper:
    def tamper(record: Path, small: SmallElection) -> None:
        events = read_board(record)
        change(events[line - 1]["body"])
        write_board(record, events)
        if line == RESULT:
            write_json_file(record, "result.json", events[-1]["body"])
            reseal(record)

    return tamper


def _set(**fields: Any) -> Callable[[dict[str, Any]], None]:
    return lambda body: body.update(fields)


def extra_file(record: Path, small: SmallElection) -> None:
    (record / "notes.txt").write_text("the officer's notes\n")


def _later(text: str, seconds: int) -> str:
    return (datetime.fromisoformat(text) + timedelta(seconds=seconds)).isoformat()


def ballot_after_the_close(record: Path, small: SmallElection) -> None:
    events = read_board(record)
    at = _later(small.manifest.closes, 1)
    events[CLOSED - 2]["body"]["at"] = at  # line 10, the last ballot
    events[CLOSED - 1]["body"]["closed_at"] = _later(small.manifest.closes, 2)
    write_board(record, events)


def opened_before_the_opening(record: Path, small: SmallElection) -> None:
    events = read_board(record)
    events[0]["body"]["opened_at"] = _later(small.manifest.opens, -60)
    write_board(record, events)


def closed_early(record: Path, small: SmallElection) -> None:
    events = read_board(record)
    events[CLOSED - 1]["body"]["closed_at"] = _later(small.manifest.closes, -60)
    write_board(record, events)


def ballot_times_out_of_order(record: Path, small: SmallElection) -> None:
    events = read_board(record)
    events[COUNTED - 1]["body"]["at"] = events[AUDITED - 1]["body"]["at"]
    write_board(record, events)


def cast_ballot_as_bad_audit(record: Path, small: SmallElection) -> None:
    """Attack 5: a valid cast ballot recorded as a failed audit, with a reveal that fails."""
    events = read_board(record)
    body = events[COUNTED - 1]["body"]
    reveal = events[AUDITED - 1]["body"]["reveal"]  # another ballot's: it does not open this one
    events[COUNTED - 1] = {
        "type": "ballot-refused",
        "body": {
            "at": body["at"],
            "audit": {"reveal": reveal, "signature": "00" * 64},
            "ballot": body["ballot"],
            "detail": "the audit does not open the ballot",
            "reason": "bad-audit",
            "request": "audit",
            "tracker": body["tracker"],
        },
    }
    write_board(record, events)


def cast_ballot_as_bad_audit_signed_by_another(record: Path, small: SmallElection) -> None:
    cast_ballot_as_bad_audit(record, small)
    events = read_board(record)
    body = events[COUNTED - 1]["body"]
    other = derive_signing_key(small.manifest.election_id.encode(), small.codes[0])
    raw = canonical.dumps(body["ballot"])
    body["audit"]["signature"] = audit_signature(
        other, raw, canonical.dumps(body["audit"]["reveal"])
    ).hex()
    write_board(record, events)


def _member_key(small: SmallElection, credential: str) -> Scalar:
    for code in small.codes:
        key = derive_signing_key(small.manifest.election_id.encode(), code)
        if bip340_public_key(key).hex() == credential:
            return key
    raise AssertionError("no member has this credential")


def misshapen_ballot_kept_as_bad_proof(record: Path, small: SmallElection) -> None:
    """A ballot without the election's shape (a contest with twice its selections) is refused as
    malformed and never kept: kept as bad-proof, a member could grow the board at will."""
    events = read_board(record)
    body = events[REFUSED - 1]["body"]
    selections = body["ballot"]["contests"][0]["selections"]
    body["ballot"]["contests"][0]["selections"] = selections * 2
    body["reason"] = "bad-proof"
    write_board(record, events)


def bad_audit_with_misshapen_reveal(record: Path, small: SmallElection) -> None:
    """The member's own signed audit request whose reveal is not a reveal of the ballot: it is
    malformed, kept with its reason only, never published as a bad audit."""
    cast_ballot_as_bad_audit(record, small)
    events = read_board(record)
    body = events[COUNTED - 1]["body"]
    reveal: list[Any] = []
    key = _member_key(small, body["ballot"]["credential"])
    signature = audit_signature(key, canonical.dumps(body["ballot"]), canonical.dumps(reveal))
    body["audit"] = {"reveal": reveal, "signature": signature.hex()}
    write_board(record, events)


def null_ballot_refusal(record: Path, small: SmallElection) -> None:
    """Attack 5: a refusal with a null ballot and any reason."""
    events = read_board(record)
    events[REFUSED - 1]["body"].update({"ballot": None, "tracker": None, "reason": "bad-proof"})
    write_board(record, events)


def audited_twice(record: Path, small: SmallElection) -> None:
    """An audited ballot that claims an accepted ballot's tracker."""
    events = read_board(record)
    events[AUDITED - 1]["body"]["tracker"] = events[COUNTED - 1]["body"]["tracker"]
    events.insert(COUNTED, events.pop(AUDITED - 1))  # after it, so the accepted one is first
    write_board(record, events)


def audited_contests_no_member_has(record: Path, small: SmallElection) -> None:
    """An audit that opens properly, of a ballot holding only strike-north: north members'
    ballots hold the president's contest too, and south members' do not hold this one."""
    events = read_board(record)
    key = Point.from_hex(events[0]["body"]["joint_key"])
    randomness = [Scalar.random(), Scalar.random()]
    selections = [
        ciphertext_to_json(encrypt(key, m, r)) for m, r in zip((1, 0), randomness, strict=True)
    ]
    events[AUDITED - 1]["body"]["contests"] = [
        {"id": "strike-north", "selections": selections, "blank": None}
    ]
    events[AUDITED - 1]["body"]["reveal"] = [
        {"id": "strike-north", "choices": [1, 0], "blank": 0,
         "randomness": [r.hex() for r in randomness]}
    ]  # fmt: skip
    write_board(record, events)


def _ceremony(change: Callable[[dict[str, Any]], None]) -> Tamper:
    def tamper(record: Path, small: SmallElection) -> None:
        ceremony = read_json_file(record, "ceremony.json")
        change(ceremony)
        write_json_file(record, "ceremony.json", ceremony)
        reseal(record)

    return tamper


def _resign_trustee(record: Path, obj: dict[str, Any], trustee: int) -> dict[str, Any]:
    unsigned = {k: v for k, v in obj.items() if k != "signature"}
    return sign_object(trustee_key(record, trustee), unsigned)


def announcement_altered(ceremony: dict[str, Any]) -> None:
    ceremony["announcements"][1]["ceremony_key"] = "ab" * 32


def commitment_for_other_keys(record: Path, small: SmallElection) -> None:
    """Trustee 2 (colluding) committed to a view of the keys the others never saw."""
    ceremony = read_json_file(record, "ceremony.json")
    commitment = {**ceremony["commitments"][1], "keys": "cd" * 32}
    ceremony["commitments"][1] = _resign_trustee(record, commitment, 2)
    write_json_file(record, "ceremony.json", ceremony)
    reseal(record)


def confirmation_of_another_transcript(record: Path, small: SmallElection) -> None:
    ceremony = read_json_file(record, "ceremony.json")
    confirmation = {**ceremony["confirmations"][2], "transcript": "ef" * 32}
    ceremony["confirmations"][2] = _resign_trustee(record, confirmation, 3)
    write_json_file(record, "ceremony.json", ceremony)
    reseal(record)


def decryption_of_another_tally(record: Path, small: SmallElection) -> None:
    """Attack 1 in the record: a decryption made of something other than the board's tally."""
    events = read_board(record)
    body = {**events[TALLY]["body"], "tally": "12" * 32}
    events[TALLY]["body"] = _resign_trustee(record, body, 1)
    write_board(record, events, resign=False)


def decryption_signature_altered(record: Path, small: SmallElection) -> None:
    events = read_board(record)
    events[TALLY]["body"]["signature"] = "00" * 64
    write_board(record, events, resign=False)


def authority_statement_altered(record: Path, small: SmallElection) -> None:
    events = read_board(record)
    events[0]["body"]["authority"]["name"] = "Someone else"
    write_board(record, events)


def authority_signs_another_count(record: Path, small: SmallElection) -> None:
    events = read_board(record)
    stated = {k: v for k, v in events[0]["body"]["authority"].items() if k != "signature"}
    stated["credentials"] = 9
    events[0]["body"]["authority"] = sign_object(SigningKey.generate(), stated)
    write_board(record, events)


def _credentials(change: Callable[[list[dict[str, Any]]], None]) -> Tamper:
    def tamper(record: Path, small: SmallElection) -> None:
        path = record / "credentials.jsonl"
        lines = [canonical.loads(line) for line in path.read_bytes().splitlines()]
        change(lines)
        lines.sort(key=lambda c: c["credential"])
        path.write_bytes(b"".join(canonical.dumps(c) + b"\n" for c in lines))
        reseal(record)

    return tamper


def _not_a_key(lines: list[dict[str, Any]]) -> None:
    lines[0]["credential"] = "ff" * 32  # x >= p: no curve point


def _undeclared(lines: list[dict[str, Any]]) -> None:
    lines[0]["constituency"] = "west"


def _blank_as_boolean(result: dict[str, Any]) -> None:
    result["contests"][1]["blank"] = False  # strike-north's blank count is 0


def _thresholds_met_as_integer(result: dict[str, Any]) -> None:
    result["contests"][1]["thresholds_met"] = 1


def _declaration(result: dict[str, Any]) -> None:
    result["contests"][0]["declaration"] = "Ada is elected"


def _tally_contest_extra(tally: dict[str, Any]) -> None:
    tally["contests"][0]["note"] = "recounted"


def _first_share_extra(body: dict[str, Any]) -> None:
    body["shares"][0]["by"] = "trustee 1"


# kind: (tamper, the check that must fail, where it must say)
CASES: dict[str, tuple[Tamper, str, str]] = {
    "extra-file": (extra_file, "record-files", ""),
    "extra-field-accepted": (
        _edit_body(COUNTED, _set(name="Ada Member")),
        "event-format",
        "board.jsonl:5",
    ),
    "extra-field-opened": (_edit_body(1, _set(note="x")), "event-format", "board.jsonl:1"),
    "extra-field-audited": (
        _edit_body(AUDITED, _set(member="M6")),
        "event-format",
        "board.jsonl:2",
    ),
    "extra-field-closed": (
        _edit_body(CLOSED, _set(by="officer")),
        "event-format",
        "board.jsonl:11",
    ),
    "extra-field-tally": (_edit_body(TALLY, _set(note="x")), "event-format", "board.jsonl:12"),
    "extra-field-tally-contest": (_edit_body(TALLY, _tally_contest_extra), "tally", "tally event"),
    "extra-field-decryption": (
        _edit_body(TALLY + 1, _set(note="x")),
        "event-format",
        "board.jsonl:13",
    ),
    "extra-field-decryption-share": (
        _edit_body(TALLY + 1, _first_share_extra),
        "decryption",
        "board.jsonl:13 trustee 1",
    ),
    "extra-field-result": (_edit_body(RESULT, _set(note="x")), "event-format", "board.jsonl:15"),
    "declaration-beside-the-result": (
        _edit_body(RESULT, _declaration),
        "result-counts",
        "contest president",
    ),
    "blank-as-boolean": (
        _edit_body(RESULT, _blank_as_boolean),
        "result-counts",
        "contest strike-north.blank",
    ),
    "thresholds-met-as-integer": (
        _edit_body(RESULT, _thresholds_met_as_integer),
        "thresholds",
        "contest strike-north.thresholds_met",
    ),
    "ballot-after-the-close": (ballot_after_the_close, "timetable", "board.jsonl:10"),
    "opened-before-the-opening": (opened_before_the_opening, "timetable", "board.jsonl:1"),
    "closed-early": (closed_early, "timetable", "board.jsonl:11"),
    "ballot-times-out-of-order": (ballot_times_out_of_order, "timetable", "board.jsonl:5"),
    "cast-ballot-as-bad-audit": (cast_ballot_as_bad_audit, "refusal", "board.jsonl:5"),
    "cast-ballot-as-bad-audit-signed-by-another": (
        cast_ballot_as_bad_audit_signed_by_another,
        "refusal",
        "board.jsonl:5",
    ),
    "null-ballot-refusal": (null_ballot_refusal, "event-format", "board.jsonl:9"),
    "misshapen-ballot-kept-as-bad-proof": (
        misshapen_ballot_kept_as_bad_proof,
        "refusal",
        "board.jsonl:9",
    ),
    "bad-audit-with-misshapen-reveal": (
        bad_audit_with_misshapen_reveal,
        "refusal",
        "board.jsonl:5",
    ),
    "audited-twice": (audited_twice, "ballot-duplicate", "board.jsonl:6"),
    "audited-contests-no-member-has": (
        audited_contests_no_member_has,
        "ballot-entitlement",
        "board.jsonl:2",
    ),
    "announcement-altered": (_ceremony(announcement_altered), "ceremony", "trustee 2"),
    "commitment-for-other-keys": (commitment_for_other_keys, "ceremony", "trustee 2"),
    "confirmation-of-another-transcript": (
        confirmation_of_another_transcript,
        "ceremony",
        "trustee 3",
    ),
    "decryption-of-another-tally": (
        decryption_of_another_tally,
        "decryption",
        "board.jsonl:13 trustee 1",
    ),
    "decryption-signature-altered": (
        decryption_signature_altered,
        "decryption",
        "board.jsonl:13 trustee 1",
    ),
    "authority-statement-altered": (
        authority_statement_altered,
        "authority",
        "election-opened.authority",
    ),
    "authority-signs-another-count": (
        authority_signs_another_count,
        "authority",
        "election-opened.authority",
    ),
    "credential-not-a-key": (_credentials(_not_a_key), "credentials", "credentials.jsonl:"),
    "credential-undeclared-constituency": (
        _credentials(_undeclared),
        "credentials",
        "credentials.jsonl:",
    ),
}

# Alterations precise enough that nothing else may fail.
ONLY: dict[str, set[str]] = {
    "extra-file": {"record-files"},
    "blank-as-boolean": {"result-counts"},
    "thresholds-met-as-integer": {"thresholds"},
    "declaration-beside-the-result": {"result-counts"},
    "ballot-after-the-close": {"timetable"},
    "opened-before-the-opening": {"timetable"},
    "closed-early": {"timetable"},
    "cast-ballot-as-bad-audit": {"refusal", "closed", "tally", "result-counts", "turnout"},
    "misshapen-ballot-kept-as-bad-proof": {"refusal"},
    "authority-statement-altered": {"authority"},
    "decryption-signature-altered": {"decryption", "result-counts"},  # no quorum is left
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_tampering_fails_the_named_check_at_the_named_place(
    kind: str, record: Path, small_election: SmallElection
) -> None:
    tamper, check, where = CASES[kind]
    tamper(record, small_election)
    report = verify_record(record)
    found = failed(report)
    assert not report.valid
    assert "record-index" not in found, "re-sealing should leave the index consistent"
    assert check in found, found
    assert any(w.startswith(where) for w in found[check]), found[check]
    if kind in ONLY:
        assert set(found) <= ONLY[kind], found


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda index: index.update(note="x"), "unexpected field"),
        (lambda index: index["board"].update(extra=1), "unexpected field"),
        (lambda index: index["files"].update({"notes.txt": "00" * 32}), "expected the files"),
        (lambda index: index["files"].pop("ceremony.json"), "expected the files"),
    ],
)
def test_index_with_fields_or_files_not_its_own_is_unusable(
    record: Path, edit: Callable[[dict[str, Any]], None], problem: str
) -> None:
    index = read_json_file(record, "index.json")
    edit(index)
    write_json_file(record, "index.json", index)
    with pytest.raises(RecordError, match=problem):
        verify_record(record)


def test_a_ceremony_entry_with_a_field_not_its_own_is_unusable(record: Path) -> None:
    ceremony = read_json_file(record, "ceremony.json")
    ceremony["trustees"][0]["email"] = "scrutineer@example.org"
    write_json_file(record, "ceremony.json", ceremony)
    reseal(record)
    with pytest.raises(RecordError, match=r"ceremony.json:1: .*unexpected field"):
        verify_record(record)


def test_a_joint_key_at_infinity_is_refused_even_with_no_ballots() -> None:
    """Two colluding trustees whose constant terms cancel would make every ballot readable
    to anyone; the ceremony refuses the point at infinity as a key (protocol.md §2.3)."""
    import dataclasses

    from recordtools import small_manifest

    from tellers import trustee
    from tellers.ceremony import Ceremony, evaluate
    from tellers.election.fingerprint import manifest_hash
    from tellers.errors import EncodingError
    from tellers.record import v2_trustee as files

    manifest = small_manifest()
    started = [trustee.announce(manifest, i) for i in (1, 2, 3)]
    constant = [s.polynomial[0] for s, _ in started if s.polynomial]
    third = started[2][0]
    assert third.polynomial is not None
    cancelling = (Scalar(0) - constant[0] - constant[1], *third.polynomial[1:])
    secrets = [started[0][0], started[1][0], dataclasses.replace(third, polynomial=cancelling)]
    announcements = tuple(files.announcement_from_json(a) for _, a in started)
    commits = [trustee.commit(s, manifest, announcements) for s in secrets]
    ceremony = Ceremony(
        ((1, "A"), (2, "B"), (3, "C")),
        announcements,
        tuple(files.commitment_from_json(m) for _, m, _ in commits),
    )
    with pytest.raises(EncodingError, match="point at infinity"):
        evaluate(manifest_hash(manifest), ceremony, manifest.quorum, manifest.trustees)
