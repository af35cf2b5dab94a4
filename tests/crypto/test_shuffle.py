"""The re-encryption shuffle (shuffle.md): complete, sound, bound to its statement.

Complete: every honest shuffle verifies, for any permutation and randomness,
and decrypts to the multiset of rows it was given. Sound: a shuffler who
changes, swaps, drops or duplicates a row — with or without re-running the
prover on the false statement — is caught; so is a proof checked under another
fingerprint, context or key, a proof with any one byte changed, and a proof
made against generators other than the derived ones.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
from collections import Counter
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strategies import contexts, fingerprints
from tellers.crypto.elgamal import Ciphertext, KeyPair, decrypt_to_point, encrypt, plaintext_point
from tellers.crypto.group import Point, Scalar, hash_to_point
from tellers.crypto.hashing import int_field
from tellers.crypto.shuffle import (
    Row,
    ShuffleProof,
    check_shuffle,
    random_permutation,
    reencrypt_row,
    shuffle,
    shuffle_context,
)
from tellers.crypto.shuffle_proof import Generators, prove_shuffle, shuffle_generators
from tellers.errors import EncodingError, InvalidProof
from tellers.record.v2_shuffle import (
    PROOF_FIELDS,
    rows_from_json,
    rows_to_json,
    shuffle_proof_from_json,
    shuffle_proof_to_json,
)

FAST = settings(max_examples=20, deadline=None)
KEYS = KeyPair.from_secret(Scalar.from_digest(hashlib.sha256(b"shuffle-test-key").digest()))
FP = hashlib.sha256(b"shuffle-test-fingerprint").digest()
CTX = b"trustee-1/shuffle-1"


def _rand(seed: bytes) -> Callable[[], Scalar]:
    counter = itertools.count()
    return lambda: Scalar.from_digest(
        hashlib.sha256(seed + next(counter).to_bytes(4, "big")).digest()
    )


def _rows(plaintexts: list[list[int]], seed: bytes = b"inputs") -> tuple[Row, ...]:
    draw = _rand(seed)
    return tuple(tuple(encrypt(KEYS.public, m, draw()) for m in row) for row in plaintexts)


def _plaintexts(count: int, width: int) -> list[list[int]]:
    return [[(7 * i + k) % 11 for k in range(width)] for i in range(count)]


def _decrypt(row: Row) -> tuple[int, ...]:
    out = []
    for c in row:
        point = decrypt_to_point(c, c.alpha * KEYS.secret)
        out.append(next(m for m in range(32) if plaintext_point(m) == point))
    return tuple(out)


def _check(
    inputs: tuple[Row, ...],
    outputs: tuple[Row, ...],
    proof: ShuffleProof,
    *,
    fingerprint: bytes = FP,
    public: Point = KEYS.public,
    context: bytes = CTX,
) -> None:
    check_shuffle(fingerprint, public, inputs, outputs, proof, context=context)


Mixed = tuple[tuple[Row, ...], tuple[Row, ...], ShuffleProof]


@pytest.fixture(scope="module")
def mixed() -> Mixed:
    inputs = _rows(_plaintexts(5, 3))
    outputs, proof = shuffle(FP, KEYS.public, inputs, context=CTX, rand=_rand(b"mix"))
    return inputs, outputs, proof


# Completeness.


@pytest.mark.parametrize("width", [1, 3])
@pytest.mark.parametrize("count", [1, 2, 5, 20])
def test_an_honest_shuffle_verifies_and_keeps_the_rows(count: int, width: int) -> None:
    inputs = _rows(_plaintexts(count, width))
    outputs, proof = shuffle(FP, KEYS.public, inputs, context=CTX)
    _check(inputs, outputs, proof)
    assert Counter(map(_decrypt, outputs)) == Counter(map(_decrypt, inputs))
    # Every ciphertext is fresh: none of the outputs is an input with its old randomness.
    old = {c for row in inputs for c in row}
    assert not any(c in old for row in outputs for c in row)


@FAST
@given(
    st.integers(min_value=1, max_value=6).flatmap(
        lambda n: st.tuples(
            st.permutations(range(n)),
            st.integers(min_value=1, max_value=3),
            st.binary(min_size=1, max_size=8),
        )
    ),
    fingerprints(),
    contexts(),
)
def test_any_permutation_and_randomness_verifies(
    case: tuple[list[int], int, bytes], fingerprint: bytes, context: bytes
) -> None:
    permutation, width, seed = case
    inputs = _rows(_plaintexts(len(permutation), width), seed)
    draw = _rand(seed + b"/reencrypt")
    randomness = [[draw() for _ in range(width)] for _ in permutation]
    outputs = tuple(
        reencrypt_row(KEYS.public, inputs[j], randomness[i]) for i, j in enumerate(permutation)
    )
    proof = prove_shuffle(
        fingerprint, KEYS.public, inputs, outputs, permutation, randomness, context=context
    )
    check_shuffle(fingerprint, KEYS.public, inputs, outputs, proof, context=context)


@FAST
@given(
    st.lists(
        st.lists(st.integers(min_value=0, max_value=4), min_size=2, max_size=2),
        min_size=1,
        max_size=7,
    ),
    st.binary(min_size=1, max_size=8),
)
def test_the_decrypted_multiset_is_unchanged(plaintexts: list[list[int]], seed: bytes) -> None:
    inputs = _rows(plaintexts, seed)
    outputs, proof = shuffle(FP, KEYS.public, inputs, context=CTX, rand=_rand(seed))
    _check(inputs, outputs, proof)
    assert Counter(map(_decrypt, outputs)) == Counter(tuple(row) for row in plaintexts)


@FAST
@given(st.data())
def test_any_one_change_to_outputs_proof_or_fingerprint_fails(data: st.DataObject) -> None:
    count = data.draw(st.integers(min_value=2, max_value=5), label="N")
    width = data.draw(st.integers(min_value=1, max_value=3), label="W")
    inputs = _rows(_plaintexts(count, width))
    outputs, proof = shuffle(FP, KEYS.public, inputs, context=CTX)
    kind = data.draw(
        st.sampled_from(["output", "swap", "commitment", "response", "fingerprint"]), label="kind"
    )
    fingerprint = FP
    i = data.draw(st.integers(min_value=0, max_value=count - 1), label="row")
    k = data.draw(st.integers(min_value=0, max_value=width - 1), label="column")
    if kind == "output":  # one ciphertext re-encrypted: the same vote, but not proved
        changed = list(outputs)
        row = list(changed[i])
        row[k] = reencrypt_row(KEYS.public, (row[k],), [Scalar(7)])[0]
        changed[i] = tuple(row)
        outputs = tuple(changed)
    elif kind == "swap":
        j = data.draw(st.integers(min_value=0, max_value=count - 1).filter(lambda j: j != i))
        changed = list(outputs)
        changed[i], changed[j] = changed[j], changed[i]
        outputs = tuple(changed)
    elif kind == "commitment":
        commitments = list(proof.commitments)
        commitments[i] = commitments[i] + Point.generator()
        proof = dataclasses.replace(proof, commitments=tuple(commitments))
    elif kind == "response":
        field = data.draw(st.sampled_from(["s1", "s2", "s3", "s4", "s_hat", "s_prime"]))
        value = getattr(proof, field)
        if isinstance(value, tuple):
            index = data.draw(st.integers(min_value=0, max_value=len(value) - 1))
            value = (*value[:index], value[index] + 1, *value[index + 1 :])
        else:
            value = value + 1
        proof = dataclasses.replace(proof, **{field: value})
    else:
        fingerprint = hashlib.sha256(FP).digest()
    with pytest.raises(InvalidProof):
        _check(inputs, outputs, proof, fingerprint=fingerprint)


def test_the_permutation_is_uniform_enough_to_move_rows() -> None:
    seen = {random_permutation(4, _rand(bytes([i]))) for i in range(200)}
    assert len(seen) == 24  # every permutation of 4 rows turns up in 200 draws


# Soundness: what a cheating shuffler could try.


def test_swapping_two_output_rows_without_re_proving_fails(mixed: Mixed) -> None:
    inputs, outputs, proof = mixed
    swapped = (outputs[1], outputs[0], *outputs[2:])
    with pytest.raises(InvalidProof, match="shuffle proof: equation"):
        _check(inputs, swapped, proof)


def test_changing_one_output_ciphertext_fails(mixed: Mixed) -> None:
    inputs, outputs, proof = mixed
    other = encrypt(KEYS.public, 9, Scalar(12345))
    changed = (outputs[0], (outputs[1][0], other, outputs[1][2]), *outputs[2:])
    with pytest.raises(InvalidProof, match="equation"):
        _check(inputs, changed, proof)


def _cheat(
    inputs: tuple[Row, ...],
    outputs: tuple[Row, ...],
    permutation: list[int],
    randomness: list[list[Scalar]],
    generators: Generators | None = None,
) -> ShuffleProof:
    """A shuffler running the honest prover on whatever witness it has (true or not)."""
    return prove_shuffle(
        FP, KEYS.public, inputs, outputs, permutation, randomness, context=CTX,
        generators=generators,
    )  # fmt: skip


def _honest_witness(count: int, width: int) -> tuple[list[int], list[list[Scalar]]]:
    draw = _rand(b"witness")
    return list(random_permutation(count, draw)), [
        [draw() for _ in range(width)] for _ in range(count)
    ]


def _outputs(
    inputs: tuple[Row, ...], permutation: list[int], randomness: list[list[Scalar]]
) -> tuple[Row, ...]:
    return tuple(
        reencrypt_row(KEYS.public, inputs[j], randomness[i]) for i, j in enumerate(permutation)
    )


def test_a_vote_replaced_and_proved_anyway_fails_the_reencryption_equation() -> None:
    inputs = _rows(_plaintexts(5, 3))
    permutation, randomness = _honest_witness(5, 3)
    outputs = list(_outputs(inputs, permutation, randomness))
    # The shuffler swaps one preference for an encryption of its favourite candidate.
    outputs[2] = (outputs[2][0], encrypt(KEYS.public, 7, randomness[2][1]), outputs[2][2])
    proof = _cheat(inputs, tuple(outputs), permutation, randomness)
    with pytest.raises(InvalidProof, match=r"equation \(4\) fails in column 2 of 3"):
        _check(inputs, tuple(outputs), proof)


def test_rows_swapped_after_committing_to_the_permutation_fail() -> None:
    inputs = _rows(_plaintexts(4, 2))
    permutation, randomness = _honest_witness(4, 2)
    outputs = _outputs(inputs, permutation, randomness)
    swapped = (outputs[1], outputs[0], *outputs[2:])
    proof = _cheat(inputs, swapped, permutation, randomness)
    with pytest.raises(InvalidProof, match=r"equation \(4\) fails"):
        _check(inputs, swapped, proof)


def test_a_dropped_row_fails() -> None:
    inputs = _rows(_plaintexts(4, 2))
    outputs, proof = shuffle(FP, KEYS.public, inputs, context=CTX)
    with pytest.raises(InvalidProof, match=r"expected 4 output rows .* found 3"):
        _check(inputs, outputs[:3], proof)
    with pytest.raises(InvalidProof, match="expected 3 entries in commitments"):
        _check(inputs[:3], outputs[:3], proof)


def test_a_row_duplicated_in_place_of_another_fails() -> None:
    inputs = _rows(_plaintexts(4, 2))
    permutation, randomness = _honest_witness(4, 2)
    # Row permutation[3] is dropped and row permutation[2] counted twice, re-encrypted
    # afresh so the copies look different; the "permutation" maps two outputs to one input.
    permutation[3] = permutation[2]
    outputs = _outputs(inputs, permutation, randomness)
    proof = _cheat(inputs, outputs, permutation, randomness)
    with pytest.raises(InvalidProof, match=r"equation \(1\) fails"):
        _check(inputs, outputs, proof)
    honest_outputs, honest_proof = shuffle(FP, KEYS.public, inputs, context=CTX)
    doubled = (*honest_outputs[:3], honest_outputs[2])
    with pytest.raises(InvalidProof):
        _check(inputs, doubled, honest_proof)


def test_a_proof_is_bound_to_fingerprint_context_and_key(mixed: Mixed) -> None:
    inputs, outputs, proof = mixed
    _check(inputs, outputs, proof)
    with pytest.raises(InvalidProof, match=r"equation \(1\) fails"):
        _check(inputs, outputs, proof, fingerprint=hashlib.sha256(b"other").digest())
    with pytest.raises(InvalidProof, match=r"equation \(1\) fails"):
        _check(inputs, outputs, proof, context=b"trustee-2/shuffle-1")
    with pytest.raises(InvalidProof, match=r"equation \(1\) fails"):
        _check(inputs, outputs, proof, public=KEYS.public + Point.generator())
    with pytest.raises(InvalidProof, match="point at infinity"):
        _check(inputs, outputs, proof, public=Point.infinity())


def test_the_context_names_trustee_position_and_contest() -> None:
    assert shuffle_context(2, 3, b"executive") == (
        b"shuffle" + (2).to_bytes(8, "big") + (3).to_bytes(8, "big") + b"executive"
    )
    inputs = _rows(_plaintexts(3, 1))
    outputs, proof = shuffle(FP, KEYS.public, inputs, context=shuffle_context(1, 1))
    check_shuffle(FP, KEYS.public, inputs, outputs, proof, context=shuffle_context(1, 1))
    for other in (shuffle_context(2, 1), shuffle_context(1, 2), shuffle_context(1, 1, b"x")):
        with pytest.raises(InvalidProof):
            check_shuffle(FP, KEYS.public, inputs, outputs, proof, context=other)


def test_other_inputs_with_the_same_outputs_fail(mixed: Mixed) -> None:
    inputs, outputs, proof = mixed
    others = (inputs[0], inputs[1], inputs[2], inputs[3], inputs[3])
    with pytest.raises(InvalidProof):
        _check(others, outputs, proof)


@pytest.mark.parametrize("field", sorted(PROOF_FIELDS))
def test_one_flipped_byte_in_any_proof_field_fails(mixed: Mixed, field: str) -> None:
    inputs, outputs, proof = mixed
    encoded = shuffle_proof_to_json(proof)
    entries = encoded[field] if isinstance(encoded[field], list) else [encoded[field]]
    checked = 0
    for index in range(len(entries)):
        for flip in (0, -1):  # the first byte (a point's sign) and the last
            value = _flipped(entries[index], flip)
            changed = dict(encoded)
            changed[field] = (
                [*entries[:index], value, *entries[index + 1 :]]
                if isinstance(encoded[field], list)
                else value
            )
            try:
                forged = shuffle_proof_from_json(changed)
            except EncodingError:
                continue  # no longer a point on the curve: refused as it is read
            with pytest.raises(InvalidProof):
                _check(inputs, outputs, forged)
            checked += 1
    assert checked >= len(entries)  # a point's sign flip always decodes; so does a scalar's


def _flipped(value: object, at: int) -> object:
    if isinstance(value, dict):  # a t4 ciphertext: flip its beta
        return {**value, "beta": _flipped(value["beta"], at)}
    assert isinstance(value, str)
    data = bytearray.fromhex(value)
    data[at] ^= 1
    return data.hex()


def test_a_proof_against_other_generators_fails() -> None:
    inputs = _rows(_plaintexts(3, 2))
    permutation, randomness = _honest_witness(3, 2)
    outputs = _outputs(inputs, permutation, randomness)
    derived = shuffle_generators(FP, 3)
    # Generators whose discrete logs the prover knows: it could then open the commitment
    # to anything. And the derived ones with h and h_1 exchanged.
    known = Generators(
        Point.base_times(Scalar(5)), tuple(Point.base_times(Scalar(7 + i)) for i in range(3))
    )
    exchanged = Generators(derived.hs[0], (derived.h, *derived.hs[1:]))
    for gens in (known, exchanged):
        proof = _cheat(inputs, outputs, permutation, randomness, generators=gens)
        with pytest.raises(InvalidProof):
            _check(inputs, outputs, proof)
    _check(inputs, outputs, _cheat(inputs, outputs, permutation, randomness, generators=derived))


def test_proof_lists_of_the_wrong_length_are_refused(mixed: Mixed) -> None:
    inputs, outputs, proof = mixed
    for field, message in (
        ("s_prime", "expected 5 entries in s_prime"),
        ("t_hat", "expected 5 entries in t_hat"),
        ("s4", "expected 3 entries in s4 .one per column"),
        ("t4", "expected 3 entries in t4"),
    ):
        short = dataclasses.replace(proof, **{field: getattr(proof, field)[:-1]})
        with pytest.raises(InvalidProof, match=message):
            _check(inputs, outputs, short)


def test_rows_of_unequal_width_are_refused(mixed: Mixed) -> None:
    inputs, outputs, proof = mixed
    ragged = (*outputs[:4], outputs[4][:2])
    with pytest.raises(InvalidProof, match="output rows: expected 3 ciphertexts in row 5"):
        _check(inputs, ragged, proof)
    with pytest.raises(InvalidProof, match="expected at least one row"):
        _check((), (), proof)
    with pytest.raises(EncodingError, match="expected at least one row"):
        shuffle(FP, KEYS.public, [], context=CTX)


# The generators (shuffle.md §2).


def test_the_generators_are_the_documented_hash_to_curve() -> None:
    gens = shuffle_generators(FP, 4)
    expected = [hash_to_point("tellers/v1/shuffle/generator", FP + int_field(i)) for i in range(5)]
    assert [gens.h, *gens.hs] == expected
    assert len({gens.h, *gens.hs, Point.generator(), KEYS.public}) == 7
    assert shuffle_generators(FP, 2).hs == gens.hs[:2]  # a prefix: N does not change h_i
    assert shuffle_generators(bytes(32), 1).hs[0] != gens.hs[0]
    with pytest.raises(EncodingError, match="fingerprint"):
        shuffle_generators(FP[:31], 1)


# The record mapping (shuffle.md §4.1).


def test_the_proof_and_rows_round_trip_through_json(mixed: Mixed) -> None:
    _, outputs, proof = mixed
    assert shuffle_proof_from_json(shuffle_proof_to_json(proof)) == proof
    assert rows_from_json(rows_to_json(outputs)) == outputs


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda p: p.pop("t3"), r"proof: missing field\(s\) \['t3'\]"),
        (lambda p: p.update(extra=1), r"proof: unexpected field\(s\) \['extra'\]"),
        (lambda p: p.update(s1=1), "proof.s1: expected a string"),
        (lambda p: p.update(s1="00" * 33), "proof.s1"),
        (lambda p: p.update(s1="FF" * 32), "proof.s1"),
        (lambda p: p.update(s_hat=[]), "proof.s_hat: expected at least one entry"),
        (lambda p: p.update(s_hat="00"), "proof.s_hat: expected a list"),
        (lambda p: p.update(t_hat=["00" * 33]), r"proof.t_hat\[0\]: the point at infinity"),
        (lambda p: p.update(chain=["04" + "00" * 32]), r"proof.chain\[0\]"),
        (lambda p: p.update(t4=[{"alpha": "02"}]), r"proof.t4\[0\]"),
    ],
)
def test_malformed_proof_fields_are_refused_by_name(
    mixed: Mixed, change: Callable[[dict[str, object]], object], where: str
) -> None:
    encoded = shuffle_proof_to_json(mixed[2])
    change(encoded)
    with pytest.raises(EncodingError, match=where):
        shuffle_proof_from_json(encoded)


def test_malformed_rows_are_refused_by_name(mixed: Mixed) -> None:
    encoded = rows_to_json(mixed[1])
    with pytest.raises(EncodingError, match=r"rows\[1\]: expected 3 ciphertexts"):
        rows_from_json([encoded[0], encoded[1][:2]])
    with pytest.raises(EncodingError, match=r"rows\[0\]: expected a non-empty list"):
        rows_from_json([[]])
    with pytest.raises(EncodingError, match=r"rows\[0\]\[1\].beta"):
        rows_from_json([[encoded[0][0], {"alpha": encoded[0][0]["alpha"], "beta": "00" * 33}]])
    with pytest.raises(EncodingError, match="rows: expected a list"):
        rows_from_json({"rows": encoded})
    with pytest.raises(EncodingError, match="rows: expected at least one row"):
        rows_from_json([])


def test_reencryption_keeps_the_plaintext_and_changes_the_ciphertext() -> None:
    (row,) = _rows([[3, 0]])
    again = reencrypt_row(KEYS.public, row, [Scalar(11), Scalar(12)])
    assert _decrypt(again) == (3, 0)
    assert again[0] == Ciphertext(
        row[0].alpha + Point.base_times(Scalar(11)),
        row[0].beta + KEYS.public * Scalar(11),
    )


def test_the_benchmark_labels_every_figure_and_counts_the_proof_bytes() -> None:
    from tellers.bench import load
    from tellers.bench.shuffle import LABELS, run

    bench = load("shuffle")
    assert bench is not None and bench.labels == LABELS
    figures = run(rows=6, width=2)
    assert set(figures) == set(LABELS)
    # 3N + 3 + 2W points and 2N + 3 + W scalars (shuffle.md §4).
    assert figures["proof_bytes_per_ballot"] == ((3 * 6 + 3 + 4) * 33 + (2 * 6 + 3 + 2) * 32) / 6
    assert figures["check_s"] > 0 and figures["check_over_variable_base"] > 1


def test_the_check_is_the_same_in_chunks_and_in_other_processes(mixed: Mixed) -> None:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    inputs, outputs, proof = mixed
    changed = (*outputs[:3], (outputs[3][0], outputs[3][2], outputs[3][1]), outputs[4])
    with ProcessPoolExecutor(2, mp_context=get_context("forkserver")) as pool:
        for size in (1, 2, 3, 5, 100):
            check_shuffle(
                FP, KEYS.public, inputs, outputs, proof, context=CTX, chunk_rows=size,
                map_chunks=pool.map if size in (2, 3) else map,
            )  # fmt: skip
            with pytest.raises(InvalidProof, match=r"equation \(1\)"):
                check_shuffle(
                    FP, KEYS.public, inputs, changed, proof, context=CTX, chunk_rows=size,
                    map_chunks=pool.map if size in (2, 3) else map,
                )  # fmt: skip
    # A false statement proved anyway: the equation found is the same in every chunking.
    permutation, randomness = _honest_witness(5, 3)
    honest = _outputs(inputs, permutation, randomness)
    swapped = (honest[1], honest[0], *honest[2:])
    lie = _cheat(inputs, swapped, permutation, randomness)
    for size in (1, 4, 2048):
        with pytest.raises(InvalidProof, match=r"equation \(4\) fails in column 1 of 3"):
            check_shuffle(FP, KEYS.public, inputs, swapped, lie, context=CTX, chunk_rows=size)


def test_a_shuffle_made_in_chunks_elsewhere_is_the_same_shuffle() -> None:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    inputs = _rows(_plaintexts(7, 2))
    here = shuffle(FP, KEYS.public, inputs, context=CTX, rand=_rand(b"same"))
    with ProcessPoolExecutor(2, mp_context=get_context("forkserver")) as pool:
        for size in (1, 3, 7):
            there = shuffle(
                FP, KEYS.public, inputs, context=CTX, rand=_rand(b"same"),
                map_chunks=pool.map, chunk_rows=size,
            )  # fmt: skip
            assert there == here
    _check(inputs, *here)


@pytest.mark.parametrize("rows", [6, 600])  # below and above multi_sum's bucket method
def test_a_broken_chain_link_is_found_at_its_row(rows: int) -> None:
    from tellers.crypto.shuffle_check import RowsChunk, chunk_terms
    from tellers.crypto.shuffle_proof import shuffle_challenge, statement_digest, vector_challenges

    inputs = _rows([[i % 3] for i in range(rows)])
    outputs, proof = shuffle(FP, KEYS.public, inputs, context=CTX, chunk_rows=rows)
    gens = shuffle_generators(FP, rows)
    digest = statement_digest(FP, KEYS.public, gens, inputs, outputs, proof.commitments, CTX)
    minus_c = -shuffle_challenge(FP, digest, proof)

    def chunk(t_hat: tuple[Point, ...]) -> RowsChunk:
        return RowsChunk(
            0, inputs, outputs, tuple(vector_challenges(FP, digest, rows)), proof.commitments,
            gens.hs, proof.s_prime, gens.h, proof.chain, t_hat, proof.s_hat, minus_c,
        )  # fmt: skip

    assert chunk_terms(chunk(proof.t_hat)).broken_link is None
    bad = rows - 2
    t_hat = (*proof.t_hat[:bad], proof.t_hat[bad] + Point.generator(), *proof.t_hat[bad + 1 :])
    assert chunk_terms(chunk(t_hat)).broken_link == bad


def test_multi_sum_is_the_sum_of_the_products() -> None:
    from tellers.crypto.group import multi_sum

    draw = _rand(b"multi")
    for count in (0, 1, 7, 600, 1500, 4096):  # plain, 4-bit digits, byte digits
        points = [Point.base_times(draw()) for _ in range(count)]
        scalars = [draw() for _ in range(count)]
        if count > 4:  # zero scalars, infinity, a repeated point, small and large digits
            scalars[0], points[1], points[3] = Scalar(0), Point.infinity(), points[2]
            scalars[4] = Scalar(1 << 255 | 1)
        expected = Point.sum([p * k for p, k in zip(points, scalars, strict=True)])
        assert multi_sum(points, scalars) == expected
    p = Point.base_times(Scalar(7))
    assert multi_sum([p, -p] * 600, [Scalar(3)] * 1200).is_infinity()


def test_chunks_cross_to_other_processes_unchanged(mixed: Mixed) -> None:
    import pickle

    from tellers.crypto.group import (
        points_from_native,
        points_from_wire,
        points_to_native,
        points_to_wire,
    )
    from tellers.crypto.shuffle import ReencryptionChunk
    from tellers.crypto.shuffle_check import RowsChunk
    from tellers.crypto.shuffle_proof import NonceChunk, NonceTerms

    inputs, outputs, proof = mixed
    points = [Point.infinity(), Point.generator(), proof.t1, -proof.t1]
    assert points_from_wire(points_to_wire(points)) == points
    back = points_from_native(points_to_native(points))
    assert back == points and [p.to_bytes() for p in back] == [p.to_bytes() for p in points]
    assert (back[2] + back[3]).is_infinity() and back[1] + back[2] == points[1] + points[2]
    with pytest.raises(EncodingError, match="multiple of 97"):
        points_from_native(bytes(96))
    with pytest.raises(EncodingError, match=r"points\[0\]: not a point"):
        points_from_wire(b"\x04" + bytes(63) + b"\x07")
    with pytest.raises(EncodingError, match="multiple of 65"):
        points_from_wire(bytes(64))
    gens = shuffle_generators(FP, 5)
    for chunk in (
        RowsChunk(
            2, inputs[2:], outputs[2:], tuple(proof.s_hat[2:]), proof.commitments[2:],
            gens.hs[2:], proof.s_prime[2:], proof.chain[1], proof.chain[2:], proof.t_hat[2:],
            proof.s_hat[2:], Scalar(5),
        ),
        NonceChunk(
            outputs, gens.hs, proof.s_prime, gens.h, None, proof.s_hat, proof.s_prime,
            proof.s_hat,
        ),
        NonceChunk(
            outputs[1:], gens.hs[1:], proof.s_prime[1:], gens.h, (Scalar(3), Scalar(4)),
            proof.s_hat[1:], proof.s_prime[1:], proof.s_hat[1:],
        ),
        NonceTerms(proof.t1, proof.t4, proof.chain, proof.t_hat),
        ReencryptionChunk(KEYS.public, inputs, tuple((Scalar(i),) * 3 for i in range(5))),
    ):  # fmt: skip
        assert pickle.loads(pickle.dumps(chunk)) == chunk


@given(st.lists(st.integers(1, 2**128 - 1), min_size=1, max_size=8), st.data())
def test_the_chain_from_its_scalars_is_the_chain_link_by_link(
    u_prime: list[int], data: st.DataObject
) -> None:
    """ĉ_i = R_i·G + U_i·h (``chain_scalars``) is ĉ_i = r̂_i·G + u'_i·ĉ_{i−1} from ĉ_0 = h."""
    from tellers.crypto.shuffle_proof import chain_scalars

    r_hat = [Scalar(data.draw(st.integers(1, 2**256))) for _ in u_prime]
    h = shuffle_generators(FP, 1).h
    rs, us = chain_scalars(u_prime, r_hat)
    previous = h
    for r_i, u_i, r, u in zip(r_hat, u_prime, rs, us, strict=True):
        previous = Point.base_times(r_i) + previous * Scalar(u_i)
        assert previous == Point.base_times(Scalar(r)) + h * Scalar(u)


def test_a_chain_of_three_shuffles_checks_link_by_link_and_keeps_the_rows() -> None:
    # What tellers trustee shuffle and tellers verify will do: each trustee shuffles the
    # list the last one published, under its own context; a verifier checks every link.
    board = _rows(_plaintexts(6, 3))
    lists, proofs = [board], []
    for trustee in (1, 2, 3):
        for earlier, (rows, proof) in enumerate(zip(lists, proofs, strict=False), start=1):
            check_shuffle(FP, KEYS.public, rows, lists[earlier], proof,
                          context=shuffle_context(earlier, earlier))  # fmt: skip
        out, proof = shuffle(FP, KEYS.public, lists[-1], context=shuffle_context(trustee, trustee))
        lists.append(out)
        proofs.append(proof)
    for position, proof in enumerate(proofs, start=1):
        check_shuffle(FP, KEYS.public, lists[position - 1], lists[position], proof,
                      context=shuffle_context(position, position))  # fmt: skip
    assert Counter(map(_decrypt, lists[-1])) == Counter(map(_decrypt, board))
    # A link checked against the wrong list (a trustee skipping the second shuffle) fails.
    with pytest.raises(InvalidProof):
        check_shuffle(FP, KEYS.public, lists[0], lists[3], proofs[2], context=shuffle_context(3, 3))
