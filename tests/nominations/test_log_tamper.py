"""The published log refuses every change an officer could make to it after the fact
(nominations.md §7); each error names the line and what was expected."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nomtools import AT, CLOSED, bodies, image, opened
from test_ledger import REGIONS, UNITE_2013, nominate

from tellers import canonical
from tellers.crypto.hashing import hash_fields
from tellers.errors import NominationsFileError
from tellers.nominations import NominationsLog, check_log
from tellers.nominations.log import EVENT_TAG


def published() -> tuple[list[bytes], bytes]:
    log = opened(UNITE_2013, bodies(REGIONS))
    log.register("ward", "Sharon Ward", AT)
    log.register("adams", "Tom Adams", AT)
    for b in ("NO0001", "NO0002", "LO0001"):
        nominate(log, "ward", b)
    for b in ("LO0002", "LO0003", "WA0001"):
        nominate(log, "adams", b)
    nominate(log, "adams", "WA0002", False, "the nomination form was not signed")
    photo = image()
    log.submit_address("ward", "Sharon for members.", photo, AT)
    log.close(CLOSED)
    return log.lines(), photo


def rechained(
    lines: list[bytes], index: int, change: Callable[[dict[str, Any]], None]
) -> list[bytes]:
    """Change line ``index``'s body and recompute every hash after it, as an officer with the
    file (but not the published head) could."""
    out = list(lines[:index])
    prev = json.loads(lines[index - 1])["hash"] if index else "0" * 64
    for i, raw in enumerate(lines[index:], start=index):
        obj = json.loads(raw)
        if i == index:
            change(obj)
        obj["prev"] = prev
        unsigned = {k: obj[k] for k in ("seq", "prev", "type", "body")}
        obj["hash"] = hash_fields(EVENT_TAG, [canonical.dumps(unsigned)]).hex()
        prev = obj["hash"]
        out.append(canonical.dumps(obj))
    return out


def find(lines: list[bytes], kind: str, **match: Any) -> int:
    for i, raw in enumerate(lines):
        obj = json.loads(raw)
        if obj["type"] == kind and all(obj["body"].get(k) == v for k, v in match.items()):
            return i
    raise AssertionError(f"no {kind} {match}")


def test_the_untouched_log_checks_and_gives_the_close() -> None:
    lines, photo = published()
    outcome = check_log(lines, "n.jsonl", {__import__("hashlib").sha256(photo).hexdigest(): photo})
    assert [s.id for s in outcome.candidates] == ["adams", "ward"]
    ruled = [json.loads(x)["body"] for x in lines if json.loads(x)["type"] == "nomination-ruled"]
    assert {
        "nomination": 7,
        "valid": False,
        "code": "officer",
        "reason": "the nomination form was not signed",
        "at": AT,
    } in ruled


def test_a_changed_line_breaks_the_chain_at_that_line() -> None:
    lines, _ = published()
    i = find(lines, "nomination-ruled", nomination=7)
    obj = json.loads(lines[i])
    obj["body"]["valid"] = True
    lines[i] = canonical.dumps(obj)
    with pytest.raises(NominationsFileError, match="the line was changed") as caught:
        check_log(lines, "n.jsonl")
    assert caught.value.line == i + 1


def test_a_dropped_line_is_found_at_the_next() -> None:
    lines, _ = published()
    i = find(lines, "nomination-received", nomination=2)
    with pytest.raises(NominationsFileError, match="seq: expected") as caught:
        check_log(lines[:i] + lines[i + 1 :], "n.jsonl")
    assert caught.value.line == i + 1


def test_a_truncated_log_has_no_close() -> None:
    lines, _ = published()
    with pytest.raises(NominationsFileError, match="no nominations-closed"):
        check_log(lines[:-1], "n.jsonl")


@pytest.mark.parametrize(
    ("kind", "match", "change", "problem"),
    [
        # accept an invalid nomination: the rules' finding is re-derived
        (
            "nomination-received",
            {"nomination": 3},
            lambda o: o["body"].update(body="XX0001"),
            r"the rules make it invalid \(unknown-body: XX0001 is not on the list",
        ),
        # drop a valid nomination by ruling it invalid without a reason
        (
            "nomination-ruled",
            {"nomination": 1},
            lambda o: o["body"].update(valid=False, code="officer", reason=""),
            "ruled invalid without a reason",
        ),
        # accept a nomination the officer had ruled invalid
        (
            "nomination-ruled",
            {"nomination": 7},
            lambda o: o["body"].update(valid=True, code="valid", reason=""),
            "nominations-closed",
        ),
        # edit an address: the word count no longer matches
        (
            "address-submitted",
            {"candidate": "ward"},
            lambda o: o["body"].update(text="Vote Adams instead, says Sharon."),
            "words: expected 5",
        ),
        # edit an address and its count: the close pinned the old one
        (
            "address-submitted",
            {"candidate": "ward"},
            lambda o: o["body"].update(text="Vote Adams instead.", words=3),
            "nominations-closed.candidates",
        ),
        # the close drops a standing candidate
        (
            "nominations-closed",
            {},
            lambda o: o["body"]["candidates"].pop(),
            "nominations-closed.candidates",
        ),
        # the close lowers the threshold
        (
            "nominations-closed",
            {},
            lambda o: o["body"].update(required=1),
            "nominations-closed.required",
        ),
        # the close brought forward, before the period ends
        (
            "nominations-closed",
            {},
            lambda o: o["body"].update(at="2026-03-29T12:00:00+00:00"),
            "the nomination period runs until",
        ),
        # rules loosened after the fact
        (
            "nominations-opened",
            {},
            lambda o: o["body"]["rules"].update(min_nominations=1),
            "nominations-closed",
        ),
        # an unknown event
        (
            "nomination-ruled",
            {"nomination": 2},
            lambda o: o.update(type="nomination-waived"),
            "unknown event",
        ),
    ],
)
def test_a_rechained_change_is_refused_by_the_rules(
    kind: str, match: dict[str, Any], change: Callable[[dict[str, Any]], None], problem: str
) -> None:
    lines, _ = published()
    i = find(lines, kind, **match)
    with pytest.raises(NominationsFileError, match=problem):
        check_log(rechained(lines, i, change), "n.jsonl")


def test_a_rechained_log_has_another_head() -> None:
    lines, _ = published()
    head = json.loads(lines[-1])["hash"]
    i = find(lines, "nomination-ruled", nomination=7)
    forged = rechained(lines, i, lambda o: o["body"].update(reason="form not signed"))
    assert check_log(forged, "n.jsonl").head != head  # the published head shows it


def test_a_withdrawal_after_the_cut_off_in_the_log_is_refused() -> None:
    lines, _ = published()
    i = find(lines, "address-submitted", candidate="ward")
    late = {"candidate": "ward", "at": "2026-03-28T09:00:00+00:00"}
    log = NominationsLog.from_lines(lines[: i + 1], "n.jsonl")
    from tellers.nominations.log import chain_event

    event = chain_event(log.events[-1], "candidate-withdrawn", late)
    with pytest.raises(NominationsFileError, match="the cut-off was") as caught:
        NominationsLog.from_lines([*lines[: i + 1], event.to_line()], "n.jsonl")
    assert caught.value.line == i + 2


def test_a_photograph_that_is_not_the_logged_one_is_refused() -> None:
    lines, photo = published()
    digest = __import__("hashlib").sha256(photo).hexdigest()
    with pytest.raises(NominationsFileError, match="found other bytes"):
        check_log(lines, "n.jsonl", {digest: image("PNG", (61, 80))})


@settings(max_examples=60)
@given(data=st.data())
def test_any_flipped_byte_in_any_line_is_refused(data: st.DataObject) -> None:
    lines, _ = PUBLISHED
    i = data.draw(st.integers(0, len(lines) - 1), label="line")
    j = data.draw(st.integers(0, len(lines[i]) - 1), label="byte")
    bit = data.draw(st.integers(0, 7), label="bit")
    changed = bytearray(lines[i])
    changed[j] ^= 1 << bit
    forged = [*lines[:i], bytes(changed), *lines[i + 1 :]]
    with pytest.raises(NominationsFileError) as caught:
        check_log(forged, "n.jsonl")
    assert caught.value.line == i + 1  # found at the very line changed


PUBLISHED = published()
