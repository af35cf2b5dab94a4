"""The tally: encrypted sums decrypt to plain sums; winners and ties (record.md §6–7)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from recordtools import decrypt, make_kit, small_manifest

from tellers.ballot import encrypt_ballot
from tellers.crypto.elgamal import Ciphertext
from tellers.crypto.group import Scalar
from tellers.election.manifest import Choice, Contest, Manifest, Thresholds
from tellers.record.v2_tally import result_to_json
from tellers.tally import Aggregator, ContestTally, count_ballots, declare, flatten

PRESIDENT_OPTIONS = [[], ["ada"], ["bea"], ["cyd"]]

votes = st.lists(
    st.tuples(st.sampled_from(PRESIDENT_OPTIONS), st.sampled_from([["yes"], ["no"]])),
    max_size=6,
)


@settings(max_examples=12)
@given(votes)
def test_the_encrypted_sum_decrypts_to_the_plain_sum(
    plan: list[tuple[list[str], list[str]]],
) -> None:
    kit = make_kit()
    ballots = [
        encrypt_ballot(
            kit.manifest,
            kit.fingerprint,
            kit.keys.public,
            Scalar.random(),
            "north",
            {"president": president, "strike-north": strike},
        )[0]
        for president, strike in plan
    ]
    tallies = count_ballots(kit.manifest, ballots)
    decrypted = [decrypt(kit, c, len(plan)) for c in flatten(tallies)]
    expected = [sum(p == [x] for p, _ in plan) for x in ("ada", "bea", "cyd")]
    expected.append(sum(p == [] for p, _ in plan))
    expected += [sum(s == [x] for _, s in plan) for x in ("yes", "no")]
    assert decrypted == expected
    assert [t.ballots for t in tallies] == [len(plan), len(plan)]
    # Summed in another order, or in partial sums, the ciphertexts are the same.
    assert count_ballots(kit.manifest, reversed(ballots)) == tallies
    split = Aggregator(kit.manifest)
    split.add_partial(count_ballots(kit.manifest, ballots[:2]))
    split.add_partial(count_ballots(kit.manifest, ballots[2:]))
    assert split.result() == tallies


def _declare_one(
    seats: int, counts: list[int], method: str = "plurality"
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    names = ["a", "b", "c", "d"][: len(counts)]
    contest = Contest(
        "q", "Q", method, tuple(Choice(n, n) for n in names), seats=seats, allow_blank=False
    )  # type: ignore[arg-type]
    manifest = Manifest(
        **{**_fields(small_manifest()), "constituencies": ("all",), "contests": (contest,)}
    )
    tally = (ContestTally("q", sum(counts), (Ciphertext.zero(),) * len(counts), None),)
    result = declare(manifest, tally, counts, {"q": 10}, 10, sum(counts))
    (c,) = result.contests
    return c.winners, c.tied


def _fields(m: Manifest) -> dict[str, Any]:
    return {f: getattr(m, f) for f in m.__dataclass_fields__}


@pytest.mark.parametrize(
    ("seats", "counts", "winners", "tied"),
    [
        (1, [5, 3, 2], ("a",), ()),
        (1, [2, 7, 7], (), ("b", "c")),
        (1, [0, 0, 0], (), ("a", "b", "c")),
        (2, [5, 3, 3, 1], ("a",), ("b", "c")),
        (2, [4, 4, 1, 1], ("a", "b"), ()),
        (2, [1, 6, 6, 6], (), ("b", "c", "d")),
        (3, [9, 1, 5, 5], ("a", "c", "d"), ()),
    ],
)
def test_winners_and_ties(
    seats: int, counts: list[int], winners: tuple[str, ...], tied: tuple[str, ...]
) -> None:
    assert _declare_one(seats, counts) == (winners, tied)


def test_thresholds_and_ratios_in_the_declared_result() -> None:
    manifest = Manifest(
        **{
            **_fields(small_manifest()),
            "contests": (
                small_manifest().contests[0],
                Contest(
                    "strike-north",
                    "Strike?",
                    "yes-no",
                    (Choice("yes", "Yes"), Choice("no", "No")),
                    constituencies=("north",),
                    thresholds=Thresholds(turnout_percent=50, yes_percent_of_entitled=40),
                ),
            ),
        }
    )
    zero = Ciphertext.zero()  # declare reads only the shapes and ballot counts
    tallies = (
        ContestTally("president", 6, (zero,) * 3, zero),
        ContestTally("strike-north", 3, (zero,) * 2, zero),
    )
    # president: ada 3, bea 2, cyd 1, blank 0; strike: yes 2, no 1, blank 0
    result = declare(
        manifest, tallies, [3, 2, 1, 0, 2, 1, 0], {"president": 9, "strike-north": 5}, 9, 6
    )
    body = result_to_json(result)
    assert body["turnout"] == {"exact": "6/9", "percent": "66.67"}
    strike = body["contests"][1]
    assert strike["turnout"] == {"exact": "3/5", "percent": "60.00"}
    assert {t["name"]: (t["required"], t["achieved"], t["met"]) for t in strike["thresholds"]} == {
        "turnout": (3, 3, True),  # 50% of 5 = 2.5, rounded up
        "majority": (2, 2, True),
        "yes of entitled": (2, 2, True),  # 40% of 5 = 2
    }
    assert strike["thresholds_met"] is True
