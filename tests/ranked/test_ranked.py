"""Ranked ballots end to end in memory: cast, mixed by three trustees, decrypted by two,
counted (ranked.md)."""

from __future__ import annotations

import dataclasses
import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rankedtools import FP, Trustees, make_trustees

from tellers.counting import OVERVOTE, Rules, format_result, parse_jsonl
from tellers.counting import count as count_election
from tellers.crypto.elgamal import Ciphertext, encrypt
from tellers.crypto.group import Point, Scalar, small_sums
from tellers.crypto.proofs import SchnorrProof
from tellers.crypto.shuffle import reencrypt
from tellers.crypto.threshold import combine_share_points, lagrange_coefficient, quorum_weights
from tellers.errors import EncodingError, InvalidProof
from tellers.ranked import (
    EncryptedPreference,
    MixStep,
    RowShares,
    check_mix,
    check_preference,
    check_ranking,
    check_row_shares,
    count_rows,
    encrypt_ranking,
    mix,
    open_rows,
    ranking_values,
    ranks_of,
    row_shares,
)
from tellers.ranked.ballot import prove_preference
from tellers.ranked.decrypt import SMALL_WEIGHTS

CANDIDATES = 5
WIDTH = 3
ALICE = bytes([0xA1]) * 32
BOB = bytes([0xB0]) * 32


def rankings(candidates: int = CANDIDATES, width: int = WIDTH) -> st.SearchStrategy[list[int]]:
    return st.permutations(range(candidates)).flatmap(
        lambda order: st.integers(0, width).map(lambda k: list(order[:k]))
    )


# The ranking and its values ------------------------------------------------------------------


@given(rankings())
def test_a_ranking_becomes_its_values_and_back_to_its_ranks(ranking: list[int]) -> None:
    values = ranking_values(ranking, CANDIDATES, WIDTH)
    assert len(values) == WIDTH
    assert ranks_of(values) == tuple((c,) for c in ranking)


@pytest.mark.parametrize(
    ("ranking", "where", "what"),
    [
        ([1, 1], "ranking[2]", "ranked twice"),
        ([0, 5], "ranking[2]", "expected a candidate 0..4"),
        ([-1], "ranking[1]", "expected a candidate 0..4"),
        ([0, 1, 2, 3], "ranking", "at most 3 preferences"),
    ],
)
def test_an_invalid_ranking_is_refused_before_encrypting(
    ranking: list[int], where: str, what: str
) -> None:
    with pytest.raises(EncodingError) as caught:
        ranking_values(ranking, CANDIDATES, WIDTH)
    assert caught.value.field == where
    assert what in str(caught.value)


def test_a_gap_a_void_mark_and_trailing_blanks_read_as_a_paper_would() -> None:
    assert ranks_of((2, 0, 1)) == ((1,), (), (0,))
    assert ranks_of((3, None, 0)) == ((2,), (OVERVOTE,))
    assert ranks_of((0, 0, 0)) == ()


# The casting proof -------------------------------------------------------------------------


def _row(
    trustees: Trustees, ranking: list[int], credential: bytes = ALICE
) -> tuple[tuple[EncryptedPreference, ...], tuple[Scalar, ...]]:
    values = ranking_values(ranking, CANDIDATES, WIDTH)
    return encrypt_ranking(FP, trustees.public, values, credential=credential, contest_index=1)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rankings())
def test_an_honest_row_checks(trustees: Trustees, ranking: list[int]) -> None:
    row, _ = _row(trustees, ranking)
    check_ranking(FP, trustees.public, row, credential=ALICE, contest_index=1, width=WIDTH)


def _mutants(p: EncryptedPreference) -> list[EncryptedPreference]:
    one = Scalar(1)
    g = Point.base_times(one)
    c, s = p.proof.challenge, p.proof.response
    a, b = p.ciphertext.alpha, p.ciphertext.beta
    return [
        EncryptedPreference(p.ciphertext, SchnorrProof(c + one, s)),
        EncryptedPreference(p.ciphertext, SchnorrProof(c, s + one)),
        EncryptedPreference(Ciphertext(a + g, b), p.proof),
        EncryptedPreference(Ciphertext(a, b + g), p.proof),
    ]


def test_every_changed_field_of_a_preference_fails_and_names_its_position(
    trustees: Trustees,
) -> None:
    row, _ = _row(trustees, [2, 0, 4])
    for slot in range(WIDTH):
        for mutant in _mutants(row[slot]):
            bad = (*row[:slot], mutant, *row[slot + 1 :])
            with pytest.raises(InvalidProof, match=f"preference {slot + 1}: "):
                check_ranking(
                    FP, trustees.public, bad, credential=ALICE, contest_index=1, width=WIDTH
                )


def test_the_proof_is_bound_to_the_credential_contest_position_and_election(
    trustees: Trustees,
) -> None:
    row, _ = _row(trustees, [2, 0, 4])
    kwargs = {"credential": ALICE, "contest_index": 1, "width": WIDTH}
    for change in (
        {"credential": BOB},
        {"contest_index": 2},
    ):
        with pytest.raises(InvalidProof):
            check_ranking(FP, trustees.public, row, **{**kwargs, **change})  # type: ignore[arg-type]
    with pytest.raises(InvalidProof):
        check_ranking(bytes(32), trustees.public, row, **kwargs)  # type: ignore[arg-type]
    swapped = (row[1], row[0], row[2])
    with pytest.raises(InvalidProof, match="preference 1"):
        check_ranking(FP, trustees.public, swapped, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidProof, match="expected 3 preferences, found 2"):
        check_ranking(FP, trustees.public, row[:2], **kwargs)  # type: ignore[arg-type]


def test_a_copied_preference_cannot_be_proved_by_the_copier(trustees: Trustees) -> None:
    """The replay attack: Bob copies Alice's first preference, re-randomised, into his own
    row. He knows only the randomness he added, and a proof with it does not check."""
    alice, _ = _row(trustees, [3, 1])
    added = Scalar.random()
    copied = reencrypt(trustees.public, alice[0].ciphertext, added)
    context = ALICE[:0] + BOB + (1).to_bytes(4, "big") + (0).to_bytes(4, "big")
    forged = prove_preference(FP, trustees.public, copied, added, context=context)
    with pytest.raises(InvalidProof):
        check_preference(FP, trustees.public, copied, forged, context=context)
    # The untouched copy keeps Alice's proof, which is bound to her credential.
    with pytest.raises(InvalidProof):
        check_preference(FP, trustees.public, alice[0].ciphertext, alice[0].proof, context=context)


# The mixnet, the decryption and the count --------------------------------------------------


def _cast(trustees: Trustees, cast: list[list[int]]) -> tuple[tuple[Ciphertext, ...], ...]:
    return tuple(
        tuple(p.ciphertext for p in _row(trustees, ranking, bytes([i % 256]) * 32)[0])
        for i, ranking in enumerate(cast)
    )


def _chain(trustees: Trustees, board: tuple[tuple[Ciphertext, ...], ...]) -> list[MixStep]:
    steps: list[MixStep] = []
    rows = board
    for position, trustee in enumerate((1, 2, 3), 1):
        rows = check_mix(FP, trustees.public, board, steps, contest_id="exec")
        steps.append(
            mix(FP, trustees.public, rows, contest_id="exec", trustee=trustee, position=position)
        )
    return steps


def _decrypt(
    trustees: Trustees, rows: tuple[tuple[Ciphertext, ...], ...]
) -> tuple[tuple[int | None, ...], ...]:
    shares = []
    for key in trustees.keys[:2]:
        mine = row_shares(FP, key, rows)
        check_row_shares(FP, trustees.commitments, rows, mine)
        shares.append(mine)
    return open_rows(rows, shares, CANDIDATES)


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(rankings(), min_size=1, max_size=6))
def test_the_mixed_rows_decrypt_to_the_rankings_cast(
    trustees: Trustees, cast: list[list[int]]
) -> None:
    board = _cast(trustees, cast)
    steps = _chain(trustees, board)
    final = check_mix(FP, trustees.public, board, steps, contest_id="exec")
    opened = _decrypt(trustees, final)
    assert Counter(opened) == Counter(ranking_values(r, CANDIDATES, WIDTH) for r in cast)


@pytest.fixture(scope="module")
def mixed(trustees: Trustees) -> tuple[tuple[tuple[Ciphertext, ...], ...], list[MixStep]]:
    board = _cast(trustees, [[0, 1], [2], [4, 3, 1], [1, 0], [3]])
    return board, _chain(trustees, board)


def test_a_broken_chain_names_the_step(trustees: Trustees, mixed: tuple) -> None:  # type: ignore[type-arg]
    board, steps = mixed
    second = steps[1]
    swapped = dataclasses.replace(second, rows=(second.rows[1], second.rows[0], *second.rows[2:]))
    cases = {
        "shuffle 2 (trustee 2): ": [steps[0], swapped, steps[2]],
        "expected position 1, found 2": [dataclasses.replace(steps[0], position=2)],
        "already shuffled": [steps[0], dataclasses.replace(steps[1], trustee=1, position=2)],
        "shuffle 1 (trustee 3): shuffle proof": [dataclasses.replace(steps[0], trustee=3)],
    }
    for expected, chain in cases.items():
        with pytest.raises(InvalidProof, match=expected.replace("(", r"\(").replace(")", r"\)")):
            check_mix(FP, trustees.public, board, chain, contest_id="exec")
    with pytest.raises(InvalidProof, match="shuffle 1"):
        check_mix(FP, trustees.public, board, steps, contest_id="other")
    # A row of the board changed after the chain was made: the first shuffle no longer fits.
    g = Point.base_times(Scalar(1))
    first = board[0]
    changed = ((Ciphertext(first[0].alpha, first[0].beta + g), *first[1:]), *board[1:])
    with pytest.raises(InvalidProof, match="shuffle 1"):
        check_mix(FP, trustees.public, changed, steps, contest_id="exec")


def test_a_wrong_decryption_share_fails_the_trustees_batched_proof(
    trustees: Trustees,
    mixed: tuple,  # type: ignore[type-arg]
) -> None:
    _board, steps = mixed
    rows = steps[-1].rows
    given_shares = row_shares(FP, trustees.keys[0], rows)
    check_row_shares(FP, trustees.commitments, rows, given_shares)
    g = Point.base_times(Scalar(1))
    shares = list(given_shares.shares)
    changed = [*shares[:4], shares[4] + g, *shares[5:]]
    swapped = [shares[1], shares[0], *shares[2:]]
    proof = given_shares.proof
    cases = {
        "a share changed": dataclasses.replace(given_shares, shares=tuple(changed)),
        "two shares swapped": dataclasses.replace(given_shares, shares=tuple(swapped)),
        "another response": dataclasses.replace(
            given_shares, proof=dataclasses.replace(proof, response=proof.response + 1)
        ),
        "another challenge": dataclasses.replace(
            given_shares, proof=dataclasses.replace(proof, challenge=proof.challenge + 1)
        ),
        "labelled with another trustee": dataclasses.replace(given_shares, trustee=2),
    }
    for case in cases.values():
        with pytest.raises(InvalidProof, match=f"trustee {case.trustee}: the batched proof"):
            check_row_shares(FP, trustees.commitments, rows, case)
    with pytest.raises(InvalidProof, match=r"expected 15 decryption shares .*, found 14"):
        check_row_shares(
            FP,
            trustees.commitments,
            rows,
            dataclasses.replace(given_shares, shares=tuple(shares[:14])),
        )
    # Rows other than those decrypted (another shuffle's): the same shares do not fit.
    with pytest.raises(InvalidProof, match="trustee 1: the batched proof"):
        check_row_shares(FP, trustees.commitments, steps[-2].rows, given_shares)
    # Another election's fingerprint.
    with pytest.raises(InvalidProof, match="trustee 1: the batched proof"):
        check_row_shares(bytes(32), trustees.commitments, rows, given_shares)


@pytest.fixture(scope="module")
def first_batch(trustees: Trustees, mixed: tuple) -> RowShares:  # type: ignore[type-arg]
    return row_shares(FP, trustees.keys[0], mixed[1][-1].rows)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(0, 14), st.integers(1, 2**256))
def test_any_one_share_off_by_any_point_fails_the_batch(
    trustees: Trustees,
    mixed: tuple,  # type: ignore[type-arg]
    first_batch: RowShares,
    position: int,
    offset: int,
) -> None:
    rows = mixed[1][-1].rows
    given_shares = first_batch
    shares = list(given_shares.shares)
    shares[position] = shares[position] + Point.base_times(Scalar(offset))
    if shares[position] == given_shares.shares[position]:
        return  # the offset was a multiple of n: nothing changed
    with pytest.raises(InvalidProof, match="batched proof"):
        check_row_shares(
            FP, trustees.commitments, rows, dataclasses.replace(given_shares, shares=tuple(shares))
        )


@pytest.mark.parametrize("quorum", [(1, 2), (1, 3), (2, 3), (3, 1, 2)])
def test_every_quorum_opens_the_same_rows_and_the_additions_match_the_products(
    trustees: Trustees,
    mixed: tuple,  # type: ignore[type-arg]
    quorum: tuple[int, ...],
) -> None:
    rows = mixed[1][-1].rows
    batches = [row_shares(FP, trustees.keys[t - 1], rows) for t in quorum]
    opened = open_rows(rows, batches, CANDIDATES)
    cast = [[0, 1], [2], [4, 3, 1], [1, 0], [3]]
    assert Counter(opened) == Counter(ranking_values(r, CANDIDATES, WIDTH) for r in cast)
    ciphertexts = [c for row in rows for c in row]
    by_products = combine_share_points(ciphertexts, [b.shares for b in batches], list(quorum))
    delta, mus = quorum_weights(list(quorum))
    by_additions = small_sums(
        [[c.beta for c in ciphertexts], *(b.shares for b in batches)], [delta, *(-m for m in mus)]
    )
    assert by_additions == [p * Scalar(delta) for p in by_products]


def test_a_quorum_with_large_weights_multiplies_them_out_and_opens_the_same_rows() -> None:
    """Trustees 3, 5, 7, 9 of nine (quorum 4) have δ + Σ|μ| = 480, past SMALL_WEIGHTS:
    open_rows takes the products; trustees 1..4 (weights 16) take the additions."""
    nine = make_trustees(9, 4)
    cast = [[0, 1], [2], [4, 3, 1]]
    board = _cast(nine, cast)
    expected = Counter(ranking_values(r, CANDIDATES, WIDTH) for r in cast)
    for quorum in ((3, 5, 7, 9), (1, 2, 3, 4)):
        batches = [row_shares(FP, nine.keys[t - 1], board) for t in quorum]
        delta, mus = quorum_weights(list(quorum))
        assert (delta + sum(map(abs, mus)) > SMALL_WEIGHTS) == (quorum == (3, 5, 7, 9))
        assert Counter(open_rows(board, batches, CANDIDATES)) == expected


def test_quorum_weights_are_the_lagrange_coefficients_cleared_of_denominators() -> None:
    assert quorum_weights([1, 2]) == (1, (2, -1))
    assert quorum_weights([1, 3]) == (2, (3, -1))
    assert quorum_weights([3, 5, 7, 9]) == (16, (105, -189, 135, -35))
    for trustees in ([1, 2], [2, 3, 5], [3, 5, 7, 9], [4, 1, 6]):
        delta, mus = quorum_weights(trustees)
        for t, mu in zip(trustees, mus, strict=True):
            assert Scalar(mu) == lagrange_coefficient(t, trustees) * delta
    with pytest.raises(EncodingError, match="appears twice"):
        quorum_weights([1, 1])


def test_a_hand_made_row_decrypts_to_not_a_candidate(trustees: Trustees) -> None:
    bad = tuple(encrypt(trustees.public, v, Scalar.random()) for v in (2, CANDIDATES + 1, 9))
    assert _decrypt(trustees, (bad,)) == ((2, None, None),)


def test_the_count_of_the_decrypted_rows_is_tellers_count_of_the_same_rankings(
    trustees: Trustees, tmp_path: Path
) -> None:
    names = ["Ash", "Birch", "Cedar", "Damson", "Elm"]
    rng = random.Random(7)
    cast = [rng.sample(range(CANDIDATES), rng.randint(1, WIDTH)) for _ in range(24)]
    board = _cast(trustees, cast)
    steps = _chain(trustees, board)
    opened = _decrypt(trustees, check_mix(FP, trustees.public, board, steps, contest_id="exec"))
    rules = Rules(method="stv-ers97", seats=2)
    ours = count_rows(names, opened, rules, seats=2)

    ballots = tmp_path / "ballots.jsonl"
    lines = [json.dumps({"candidates": names, "seats": 2})]
    lines += [json.dumps({"ranks": [names[c] for c in r]}) for r in cast]
    ballots.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sheet = subprocess.run(
        [sys.executable, "-m", "tellers.cli", "count", "--method", "stv-ers97", "--seats", "2",
         str(ballots)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert format_result(ours) == sheet
    theirs = count_election(parse_jsonl(lines, candidates=names, seats=2), rules)
    assert ours.winners == theirs.winners
