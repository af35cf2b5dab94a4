"""The nominations log: each step, the rules' automatic findings, withdrawals, addresses, and
the close re-derived from the published log alone (nominations.md §4–§7)."""

from __future__ import annotations

import pytest
from nomtools import AT, CLOSED, bodies, image, opened, words

from tellers.errors import NominationError
from tellers.nominations import NominationsLog, Rules, check_log, contest_choices

UNITE_2013 = Rules(min_nominations=3, more_than_regions=1, photo_allowed=True)
REGIONS = {"North West": 3, "London": 3, "Wales": 2}


def nominate(
    log: NominationsLog, candidate: str, body: str, valid: bool = True, reason: str = ""
) -> int:
    n = log.receive(candidate, body, AT, AT)
    log.rule(n, valid, reason, AT)
    return n


def three_candidates() -> NominationsLog:
    log = opened(UNITE_2013, bodies(REGIONS))
    for cid, name in (("ward", "Sharon Ward"), ("adams", "Tom Adams"), ("quinn", "Li Quinn")):
        log.register(cid, name, AT)
    for b in ("NO0001", "NO0002", "LO0001"):
        nominate(log, "ward", b)
    for b in ("LO0002", "LO0003", "WA0001"):
        nominate(log, "adams", b)
    for b in ("WA0002", "NO0003"):
        nominate(log, "quinn", b)
    return log


def test_candidates_with_enough_nominations_from_more_than_one_region_stand() -> None:
    log = three_candidates()
    outcome = log.close(CLOSED)
    assert [s.id for s in outcome.candidates] == ["adams", "ward"]  # by surname
    assert [(s.id, s.reason) for s in outcome.not_standing] == [
        ("quinn", "2 valid nominations, 3 needed")
    ]
    assert outcome.candidates[0].regions == ("London", "Wales")
    again = check_log(log.lines(), "nominations.jsonl")
    assert again == outcome


def test_nominations_from_one_region_only_do_not_qualify() -> None:
    log = opened(UNITE_2013, bodies(REGIONS))
    log.register("ward", "Sharon Ward", AT)
    for b in ("NO0001", "NO0002", "NO0003"):
        nominate(log, "ward", b)
    outcome = log.close(CLOSED)
    assert outcome.candidates == ()
    assert outcome.not_standing[0].reason == "nominations from 1 region(s), more than 1 needed"


def test_automatic_findings_cannot_be_ruled_valid_and_carry_their_reason() -> None:
    log = opened(UNITE_2013, bodies(REGIONS))
    log.register("ward", "Sharon Ward", AT)
    log.register("adams", "Tom Adams", AT)
    nominate(log, "ward", "NO0001")
    cases = [
        ("XX9999", AT, "unknown-body", "XX9999 is not on the list"),
        ("NO0001", AT, "duplicate", "already nominated Sharon Ward (nomination 1)"),
        ("NO0002", "2026-03-01T08:00:00+00:00", "outside-period", "outside the nomination"),
    ]
    for body, received, code, why in cases:
        n = log.receive("adams", body, received, AT)
        with pytest.raises(NominationError, match="cannot be ruled valid"):
            log.rule(n, True, "", AT)
        ruling = log.rule(n, False, "ignored: the rules give the reason", AT)
        assert ruling.code == code and why in ruling.reason
    n = log.receive("adams", "NO0003", AT, AT)
    with pytest.raises(NominationError, match="without a reason"):
        log.rule(n, False, "  ", AT)
    ruling = log.rule(n, False, "the branch meeting was not quorate", AT)
    assert (ruling.code, ruling.reason) == ("officer", "the branch meeting was not quorate")


def test_a_region_body_is_refused_where_only_branches_count() -> None:
    listed = bodies({"London": 1}) + bodies({"Wales": 1}, kind="region")
    log = opened(UNITE_2013, listed)
    log.register("ward", "Sharon Ward", AT)
    n = log.receive("ward", "WA0001", AT, AT)
    assert log.finding(n) == (
        "body-kind",
        "Wales branch 1 is a region: the rules count nominations from branch, workplace only",
    )


def test_withdrawal_before_the_cut_off_is_taken_and_after_it_refused() -> None:
    log = three_candidates()
    log.withdraw("ward", "2026-03-27T16:59:59+00:00")
    with pytest.raises(NominationError, match="the cut-off was 2026-03-27T17:00:00"):
        log.withdraw("adams", "2026-03-27T17:00:00+00:00")
    outcome = log.close(CLOSED)
    assert [s.id for s in outcome.candidates] == ["adams"]
    assert outcome.not_standing[0].reason.startswith("withdrew at 2026-03-27T16:59:59")
    with pytest.raises(NominationError, match="at least 2 standing candidates"):
        contest_choices(outcome)


def test_the_address_word_limit_counts_words_and_refuses_one_over() -> None:
    log = opened(Rules(min_nominations=1, word_limit=100), bodies(REGIONS))
    log.register("ward", "Sharon Ward", AT)
    assert log.submit_address("ward", words(100), None, AT).words == 100
    with pytest.raises(NominationError, match="101 words, the rules allow at most 100"):
        log.submit_address("ward", words(101), None, AT)
    with pytest.raises(NominationError, match="the rules allow no photograph"):
        log.submit_address("ward", "Vote for me", image(), AT)


def test_photographs_must_be_images_within_the_size() -> None:
    rules = Rules(min_nominations=1, photo_allowed=True, photo_max_bytes=5000)
    log = opened(rules, bodies(REGIONS))
    log.register("ward", "Sharon Ward", AT)
    shot = log.submit_address("ward", "Vote for me", image("JPEG"), AT).photo
    assert shot is not None and shot.media_type == "image/jpeg" and shot.width == 60
    with pytest.raises(NominationError, match="not an image"):
        log.submit_address("ward", "Vote for me", b"GIF89a" + bytes(100), AT)
    with pytest.raises(NominationError, match="bytes, the rules allow at most 5000"):
        log.submit_address("ward", "Vote for me", image("PNG", (1500, 1500)) + bytes(5000), AT)
    with pytest.raises(NominationError, match="expected a JPEG or PNG"):
        log.submit_address("ward", "Vote for me", image("GIF"), AT)


def test_the_choices_carry_the_addresses_in_ballot_order() -> None:
    log = three_candidates()
    log.submit_address("ward", "Sharon for members.", None, AT)
    log.submit_address("adams", words(120), None, AT)
    choices = contest_choices(log.close(CLOSED))
    assert [(c.id, c.name) for c in choices] == [("adams", "Tom Adams"), ("ward", "Sharon Ward")]
    assert choices[1].address == "Sharon for members."


def test_order_by_lot_follows_the_seed_and_is_re_derived() -> None:
    rules = Rules(min_nominations=1, order="lot")
    orders = set()
    for seed in (bytes(32), bytes([1]) * 32, bytes([2]) * 32, bytes([3]) * 32):
        log = opened(rules, bodies(REGIONS))
        for i, b in enumerate(("NO0001", "LO0001", "WA0001")):
            log.register(f"c{i}", f"Candidate {i}", AT)
            nominate(log, f"c{i}", b)
        with pytest.raises(NominationError, match="32-byte seed"):
            log.close(CLOSED)
        outcome = log.close(CLOSED, seed)
        assert outcome.seed == seed.hex()
        assert check_log(log.lines(), "n.jsonl").candidates == outcome.candidates
        orders.add(tuple(s.id for s in outcome.candidates))
    assert len(orders) > 1  # the seed, not the registration order, decides


def test_nothing_is_taken_after_the_close_and_the_close_waits_for_the_period() -> None:
    log = three_candidates()
    with pytest.raises(NominationError, match="runs until 2026-03-30T17:00"):
        log.close("2026-03-29T12:00:00+00:00")
    log.receive("quinn", "LO0001", AT, "2026-03-29T12:00:00+00:00")
    with pytest.raises(NominationError, match=r"nominations \[9\] have not been ruled on"):
        log.close(CLOSED)
    log.rule(9, False, "ignored", CLOSED)
    log.close(CLOSED)
    with pytest.raises(NominationError, match="nominations are closed"):
        log.register("late", "Late Comer", CLOSED)


def test_a_manifest_contest_is_checked_against_the_log() -> None:
    from dataclasses import replace

    from tellers.election.manifest import Contest
    from tellers.nominations.contest import check_choices

    log = three_candidates()
    log.submit_address("ward", "Sharon for members.", None, AT)
    outcome = log.close(CLOSED)
    contest = Contest("general-secretary", "General Secretary", "plurality",
                      contest_choices(outcome))  # fmt: skip
    check_choices(contest, outcome)
    edited = (contest.choices[0], replace(contest.choices[1], address="Vote Adams."))
    with pytest.raises(NominationError, match=r"choices\[1\]\.address: the nominations log gives"):
        check_choices(replace(contest, choices=edited), outcome)
    with pytest.raises(NominationError, match=r"choices\[0\]\.id"):
        check_choices(replace(contest, choices=contest.choices[::-1]), outcome)
    with pytest.raises(NominationError, match="expected 2 choices"):
        check_choices(replace(contest, choices=contest.choices[:1]), outcome)
