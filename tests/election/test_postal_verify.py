"""The postal channel as ``tellers verify`` sees it (postal.md §7).

Every postal event type is tampered with in a copy of a small hybrid record, which is then
re-sealed (chain rebuilt, index rewritten, signed messages re-signed by the party whose
key signs them), so that the verifier's own postal check — not a file hash or a signature —
is what catches it. Then the rules: a voided paper's return is refused and reported, and a
member who votes by post and online has exactly one ballot counted under each precedence.
"""

from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hybridtools import HYBRID_FIGURES, run_hybrid
from recordtools import failed, read_board, write_board

from tellers import canonical
from tellers.parties import sign_object
from tellers.postal.messages import PaperEntry, paper_line
from tellers.postal.preencrypt import selection_hash, short_code
from tellers.postal.returns import return_tracker
from tellers.record.v2 import ciphertext_from_json
from tellers.simulate import DemoOutcome
from tellers.verify import verify_record

Tamper = Callable[[Path, DemoOutcome], None]


@pytest.fixture(scope="module")
def hybrid(tmp_path_factory: pytest.TempPathFactory) -> DemoOutcome:
    return run_hybrid(tmp_path_factory.mktemp("hybrid"))


@pytest.fixture
def copy(hybrid: DemoOutcome, tmp_path: Path) -> Path:
    out = tmp_path / "record"
    shutil.copytree(hybrid.record, out)
    return out


def _line(events: list[dict[str, Any]], kind: str, nth: int = 0, **match: Any) -> int:
    """The index of the ``nth`` event of ``kind`` whose body has the ``match`` fields."""
    found = [
        i
        for i, e in enumerate(events)
        if e["type"] == kind and all(e["body"].get(k) == v for k, v in match.items())
    ]
    return found[nth]


def _resign(outcome: DemoOutcome, message: dict[str, Any], opening: bool = False) -> Any:
    authority = outcome.postal["authority"]
    key = authority.opening if opening else authority.signing
    return sign_object(key, {k: v for k, v in message.items() if k != "signature"})


def test_the_hybrid_record_verifies_with_2017s_kind_of_figures(hybrid: DemoOutcome) -> None:
    report = verify_record(hybrid.record)
    assert report.valid, report.failures
    contest = report.figures["contests"][0]
    assert {**contest["counts"], "blank": contest["blank"]} == HYBRID_FIGURES
    # Members 0-14 voted (15); every one of them counts once, whichever channel.
    assert report.figures["ballots_counted"] == 15
    for check in ("paper-list", "paper-void", "paper-replacement", "paper-return"):
        assert report.checks_run[check] >= 1, check
    assert report.checks_run["paper-refusal"] == 2
    assert report.checks_run["paper-audit"] >= 1
    channels = report.figures["channels"]
    assert channels["postal"] == {
        "papers_issued": 24,
        "replacements": 1,
        "voided": 1,
        "returned": 10,
        "counted": 7,
        "refused": {"online-counts": 1, "voided": 1},
        "superseded": 1,
        "audited": 15,
    }
    assert channels["online"] == {"accepted": 8, "counted": 8, "refused": {}, "superseded": 0}


def altered_paper_list(record: Path, outcome: DemoOutcome) -> None:
    """A confirmation code changed in papers.jsonl, the statement re-signed over the new list."""
    lines = (record / "papers.jsonl").read_bytes().splitlines()
    events = read_board(record)
    audited = events[_line(events, "paper-audit")]["body"]["message"]["papers"][0]["number"]
    first = canonical.loads(lines[audited - 1])
    entry = PaperEntry(audited, bytes.fromhex(first["credential"]), bytes(32))
    lines[audited - 1] = paper_line(entry)
    data = b"".join(line + b"\n" for line in lines)
    (record / "papers.jsonl").write_bytes(data)
    i = _line(events, "papers-issued")
    statement = dict(events[i]["body"]["statement"])
    statement["papers_hash"] = hashlib.sha256(data).hexdigest()
    events[i]["body"]["statement"] = _resign(outcome, statement)
    write_board(record, events)


def unsigned_paper_list(record: Path, outcome: DemoOutcome) -> None:
    events = read_board(record)
    i = _line(events, "papers-issued")
    events[i]["body"]["statement"]["papers"] += 1
    write_board(record, events)


def void_of_a_returned_paper(record: Path, outcome: DemoOutcome) -> None:
    """The print authority voids a paper that came back (to hide it), signed."""
    events = read_board(record)
    counted = events[_line(events, "paper-accepted", 1)]["body"]["return"]["number"]
    i = _line(events, "paper-voided")
    message = {**events[i]["body"]["message"], "number": counted}
    closed = _line(events, "election-closed")
    at = events[closed - 1]["body"]["at"]
    late = {"type": "paper-voided", "body": {"at": at, "message": _resign(outcome, message)}}
    events.insert(closed, late)
    write_board(record, events)


def replacement_after_the_cutoff(record: Path, outcome: DemoOutcome) -> None:
    events = read_board(record)
    i = _line(events, "paper-issued")
    closed = _line(events, "election-closed")
    moved = events.pop(i)
    moved["body"]["at"] = "2026-03-20T09:00:00+00:00"
    events.insert(closed - 1, moved)
    for e in events[closed:]:  # later ballot events keep their times in order
        if e["type"] not in ("election-closed",) and "at" in e["body"]:
            e["body"]["at"] = max(e["body"]["at"], moved["body"]["at"])
    write_board(record, events)


def replacement_out_of_series(record: Path, outcome: DemoOutcome) -> None:
    events = read_board(record)
    i = _line(events, "paper-issued")
    message = {**events[i]["body"]["message"], "number": 30}
    events[i]["body"]["message"] = _resign(outcome, message)
    write_board(record, events)


def altered_marked_vector(record: Path, outcome: DemoOutcome) -> None:
    """A counted paper's marked vector swapped for another paper's, re-signed."""
    events = read_board(record)
    a, b = _line(events, "paper-accepted", 1), _line(events, "paper-accepted", 2)
    ret = events[a]["body"]["return"]
    other = events[b]["body"]["return"]["contests"][0]["marked"]
    ret["contests"][0]["marked"] = other
    events[a]["body"]["return"] = _resign(outcome, ret, opening=True)
    events[a]["body"]["tracker"] = _tracker(events[a]["body"]["return"])
    write_board(record, events)


def altered_return_proof(record: Path, outcome: DemoOutcome) -> None:
    events = read_board(record)
    a = _line(events, "paper-accepted", 1)
    ret = events[a]["body"]["return"]
    proof = ret["contests"][0]["total"]
    proof["s"][0] = ("1" if proof["s"][0][0] != "1" else "2") + proof["s"][0][1:]
    events[a]["body"]["return"] = _resign(outcome, ret, opening=True)
    events[a]["body"]["tracker"] = _tracker(events[a]["body"]["return"])
    write_board(record, events)


def forged_return_signature(record: Path, outcome: DemoOutcome) -> None:
    """A return signed by the print authority's key, not the opening house's."""
    events = read_board(record)
    a = _line(events, "paper-accepted", 1)
    events[a]["body"]["return"] = _resign(outcome, events[a]["body"]["return"])
    events[a]["body"]["tracker"] = _tracker(events[a]["body"]["return"])
    write_board(record, events)


def _tracker(obj: Any) -> str:
    return return_tracker(obj).hex()


def voided_return_accepted(record: Path, outcome: DemoOutcome) -> None:
    """The voided original's return recorded as counted."""
    events = read_board(record)
    i = _line(events, "paper-refused", reason="voided")
    body = events[i]["body"]
    events[i] = {
        "type": "paper-accepted",
        "body": {"at": body["at"], "return": body["return"], "supersedes": None,
                 "tracker": body["tracker"]},
    }  # fmt: skip
    write_board(record, events)


def false_paper_refusal(record: Path, outcome: DemoOutcome) -> None:
    """A counted paper recorded as refused (voided), dropping its vote."""
    events = read_board(record)
    i = _line(events, "paper-accepted", 1)
    body = events[i]["body"]
    events[i] = {
        "type": "paper-refused",
        "body": {"at": body["at"], "detail": "voided", "reason": "voided",
                 "return": body["return"], "tracker": body["tracker"]},
    }  # fmt: skip
    write_board(record, events)


def online_ballot_not_superseding(record: Path, outcome: DemoOutcome) -> None:
    """The online ballot of a member whose paper counted claims to supersede nothing."""
    events = read_board(record)
    i = next(
        k
        for k, e in enumerate(events)
        if e["type"] == "ballot-accepted" and e["body"]["supersedes"] is not None
    )
    events[i]["body"]["supersedes"] = None
    write_board(record, events)


def swapped_audit_codes(record: Path, outcome: DemoOutcome) -> None:
    """The audit says the codes were printed in another order (a print house's swap)."""
    events = read_board(record)
    i = _line(events, "paper-audit")
    message = events[i]["body"]["message"]
    codes = message["papers"][0]["codes"][0]
    codes[0], codes[1] = codes[1], codes[0]
    events[i]["body"]["message"] = _resign(outcome, message)
    write_board(record, events)


def wrong_audit_seed(record: Path, outcome: DemoOutcome) -> None:
    events = read_board(record)
    i = _line(events, "paper-audit")
    message = events[i]["body"]["message"]
    message["papers"][0]["seed"] = "11" * 32
    events[i]["body"]["message"] = _resign(outcome, message)
    write_board(record, events)


def paper_left_unaudited(record: Path, outcome: DemoOutcome) -> None:
    events = read_board(record)
    i = _line(events, "paper-audit")
    message = events[i]["body"]["message"]
    message["papers"] = message["papers"][1:]
    events[i]["body"]["message"] = _resign(outcome, message)
    write_board(record, events)


def counted_paper_dropped(record: Path, outcome: DemoOutcome) -> None:
    events = read_board(record)
    del events[_line(events, "paper-accepted", 1)]
    write_board(record, events)


CASES: dict[str, tuple[Tamper, str, str]] = {
    "altered-paper-list": (altered_paper_list, "paper-audit", "paper "),
    "unsigned-paper-list": (unsigned_paper_list, "paper-list", "board.jsonl:2"),
    "void-of-a-returned-paper": (void_of_a_returned_paper, "paper-void", "board.jsonl:"),
    "replacement-after-the-cutoff": (replacement_after_the_cutoff, "paper-replacement", ""),
    "replacement-out-of-series": (replacement_out_of_series, "paper-replacement", "board.jsonl:4"),
    "altered-marked-vector": (altered_marked_vector, "paper-return", "board.jsonl:"),
    "altered-return-proof": (altered_return_proof, "paper-return", "board.jsonl:"),
    "forged-return-signature": (forged_return_signature, "paper-return", "board.jsonl:"),
    "voided-return-accepted": (voided_return_accepted, "paper-return", "board.jsonl:"),
    "false-paper-refusal": (false_paper_refusal, "paper-refusal", "board.jsonl:"),
    "online-ballot-not-superseding": (online_ballot_not_superseding, "precedence", ""),
    "swapped-audit-codes": (swapped_audit_codes, "paper-audit", "paper "),
    "wrong-audit-seed": (wrong_audit_seed, "paper-audit", "paper "),
    "paper-left-unaudited": (paper_left_unaudited, "paper-audit", "board.jsonl"),
    "counted-paper-dropped-tally": (counted_paper_dropped, "tally", "contest president"),
    "counted-paper-dropped-audit": (counted_paper_dropped, "paper-audit", "board.jsonl"),
}

# Alterations precise enough that nothing else may fail.
ONLY: dict[str, set[str]] = {
    "swapped-audit-codes": {"paper-audit"},
    "wrong-audit-seed": {"paper-audit"},
    "paper-left-unaudited": {"paper-audit"},
    "online-ballot-not-superseding": {"precedence"},
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_tampering_with_a_postal_event_fails_its_check(
    copy: Path, hybrid: DemoOutcome, kind: str
) -> None:
    tamper, check, where = CASES[kind]
    tamper(copy, hybrid)
    report = verify_record(copy)
    found = failed(report)
    assert check in found, (kind, report.failures)
    assert any(w.startswith(where) or where in w for w in found[check]), found[check]
    if kind in ONLY:
        assert set(found) <= ONLY[kind], report.failures


def test_a_voided_paper_that_comes_back_is_refused_and_reported(hybrid: DemoOutcome) -> None:
    events = read_board(hybrid.record)
    voided = events[_line(events, "paper-voided")]["body"]["message"]["number"]
    refused = events[_line(events, "paper-refused", reason="voided")]["body"]
    assert refused["return"]["number"] == voided
    replacement = events[_line(events, "paper-issued")]["body"]["message"]
    assert replacement["replaces"] == voided
    assert replacement["number"] == 25  # the next in the one series
    counted = [e["body"]["return"]["number"] for e in events if e["type"] == "paper-accepted"]
    assert replacement["number"] in counted and voided not in counted


def test_the_codes_on_the_board_are_the_vectors_hashes(hybrid: DemoOutcome) -> None:
    events = read_board(hybrid.record)
    ret = events[_line(events, "paper-accepted")]["body"]["return"]
    contest = ret["contests"][0]
    vector = [ciphertext_from_json(c, "c") for c in contest["marked"][0]]
    digest = selection_hash(ret["number"], 0, vector)
    assert contest["codes"] == [short_code(digest)]
    assert digest.hex() in contest["hashes"] and len(contest["hashes"]) == 4


@pytest.mark.parametrize(
    ("precedence", "twelve", "thirteen"),
    [
        # Member 12 posts bea then votes ada online; member 13 votes bea online then posts ada.
        ("online", ("superseded", "ballot-accepted"), ("online-counts", "ballot-accepted")),
        ("postal", ("paper-accepted", "postal-counts"), ("paper-accepted", "superseded")),
        ("first", ("paper-accepted", "first-counts"), ("first-counts", "ballot-accepted")),
    ],
)
def test_one_ballot_counts_per_member_across_channels_under_each_precedence(
    tmp_path: Path, precedence: str, twelve: tuple[str, str], thirteen: tuple[str, str]
) -> None:
    outcome = run_hybrid(tmp_path, precedence)
    report = verify_record(outcome.record)
    assert report.valid, report.failures
    assert report.figures["ballots_counted"] == 15  # each of the 15 voters once
    events = read_board(outcome.record)
    kinds = Counter(
        e["body"].get("reason") or e["type"]
        for e in events
        if e["type"] in ("paper-refused", "ballot-refused")
    )
    expected = Counter(x for x in (*twelve, *thirteen) if x.endswith("counts"))
    expected["voided"] += 1  # member 14's original, whatever the precedence
    assert kinds == expected
    superseded = sum(
        1
        for e in events
        if e["type"] in ("paper-accepted", "ballot-accepted") and e["body"]["supersedes"]
    )
    assert superseded == [*twelve, *thirteen].count("superseded")
    totals = report.figures["contests"][0]
    bea = {"online": 5, "postal": 5, "first": 6}[precedence]
    assert totals["counts"]["bea"] == bea
    assert sum(totals["counts"].values()) + totals["blank"] == 15


def test_an_online_ballot_in_a_postal_only_ballot_fails_precedence(copy: Path) -> None:
    """The manifest says papers only: every online ballot event on the board is named."""
    manifest = canonical.loads((copy / "manifest.json").read_bytes())
    manifest["postal"]["channels"] = "postal"
    (copy / "manifest.json").write_bytes(canonical.dumps(manifest) + b"\n")
    write_board(copy, read_board(copy))
    report = verify_record(copy)
    events = read_board(copy)
    online = {
        f"board.jsonl:{i + 1}" for i, e in enumerate(events) if e["type"] == "ballot-accepted"
    }
    found = failed(report).get("precedence", [])
    assert online and {w.split(" ")[0] for w in found} >= online, report.failures
