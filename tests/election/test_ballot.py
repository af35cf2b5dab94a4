"""Encrypted ballots: ``encrypt_ballot`` and its twin ``check_ballot`` (record.md §4)."""

from __future__ import annotations

import dataclasses

import pytest
from recordtools import Kit, decrypt, make_kit, signed, small_manifest

from tellers.ballot import (
    TOTAL_SLOT,
    ContestBallot,
    EncryptedSelection,
    check_audit,
    check_ballot,
    check_ballot_proofs,
    encrypt_ballot,
    proof_context,
)
from tellers.crypto.elgamal import Ciphertext, encrypt
from tellers.crypto.group import Scalar, bip340_public_key
from tellers.crypto.proofs import prove_bit, prove_range
from tellers.election.manifest import Choice, Contest, Manifest
from tellers.errors import InvalidProof, InvalidSignature, ManifestError

CHOICES = tuple(Choice(x, x.title()) for x in ("a", "b", "c", "d"))


def _one_contest(method: str, seats: int = 1, allow_blank: bool = True) -> Manifest:
    choices = (Choice("yes", "Yes"), Choice("no", "No")) if method == "yes-no" else CHOICES
    contest = Contest("q", "Question", method, choices, seats=seats, allow_blank=allow_blank)  # type: ignore[arg-type]
    return dataclasses.replace(small_manifest(), constituencies=("all",), contests=(contest,))


def _round_trip(kit: Kit, picked: list[str]) -> tuple[list[int], int | None]:
    key = Scalar.random()
    ballot, reveal = encrypt_ballot(
        kit.manifest, kit.fingerprint, kit.keys.public, key, "all", {"q": picked}
    )
    check_ballot(kit.manifest, kit.fingerprint, kit.keys.public, ballot, "all")
    check_audit(kit.manifest, kit.keys.public, ballot, reveal)
    (contest,) = ballot.contests
    values = [decrypt(kit, s.ciphertext, 1) for s in contest.selections]
    blank = None if contest.blank is None else decrypt(kit, contest.blank.ciphertext, 1)
    return values, blank


@pytest.mark.parametrize(
    ("method", "seats", "allow_blank", "picked", "values", "blank"),
    [
        ("plurality", 1, True, ["b"], [0, 1, 0, 0], 0),
        ("plurality", 1, True, [], [0, 0, 0, 0], 1),
        ("plurality", 1, False, ["d"], [0, 0, 0, 1], None),
        ("plurality", 2, True, ["a", "c"], [1, 0, 1, 0], 0),
        ("plurality", 2, True, ["c"], [0, 0, 1, 0], 0),
        ("plurality", 3, False, ["a", "b", "d"], [1, 1, 0, 1], None),
        ("approval", 1, True, ["a", "b", "c", "d"], [1, 1, 1, 1], 0),
        ("approval", 1, True, [], [0, 0, 0, 0], 1),
        ("approval", 1, False, ["b", "c"], [0, 1, 1, 0], None),
        ("yes-no", 1, True, ["yes"], [1, 0], 0),
        ("yes-no", 1, False, ["no"], [0, 1], None),
        ("yes-no", 1, True, [], [0, 0], 1),
    ],
)
def test_encrypt_then_check_and_decrypt(
    method: str,
    seats: int,
    allow_blank: bool,
    picked: list[str],
    values: list[int],
    blank: int | None,
) -> None:
    kit = make_kit(_one_contest(method, seats, allow_blank))
    assert _round_trip(kit, picked) == (values, blank)


@pytest.mark.parametrize(
    ("method", "seats", "allow_blank", "picked", "message"),
    [
        ("plurality", 1, True, ["a", "b"], "at most 1 choices, found 2"),
        ("plurality", 2, True, ["a", "b", "c"], "at most 2 choices, found 3"),
        ("yes-no", 1, True, ["yes", "no"], "at most 1 choices, found 2"),
        ("plurality", 1, False, [], "a blank contest is not allowed"),
        ("approval", 1, False, [], "a blank contest is not allowed"),
        ("plurality", 2, True, ["a", "a"], "a choice is selected twice"),
        ("plurality", 1, True, ["zed"], "no choice 'zed'"),
    ],
)
def test_encryption_refuses_what_the_contest_forbids(
    method: str, seats: int, allow_blank: bool, picked: list[str], message: str
) -> None:
    kit = make_kit(_one_contest(method, seats, allow_blank))
    with pytest.raises(ManifestError, match=message):
        encrypt_ballot(
            kit.manifest, kit.fingerprint, kit.keys.public, Scalar.random(), "all", {"q": picked}
        )


def test_selections_for_a_contest_not_on_the_ballot_are_refused() -> None:
    kit = make_kit()
    with pytest.raises(ManifestError, match="strike-north"):
        encrypt_ballot(
            kit.manifest,
            kit.fingerprint,
            kit.keys.public,
            Scalar.random(),
            "south",
            {"president": ["ada"], "strike-north": ["yes"]},
        )


def test_a_member_gets_exactly_their_constituencys_contests() -> None:
    kit = make_kit()
    args = (kit.manifest, kit.fingerprint, kit.keys.public)
    south, _ = encrypt_ballot(*args, Scalar.random(), "south", {"president": ["bea"]})
    assert [c.contest_id for c in south.contests] == ["president"]
    check_ballot(*args, south, "south")
    with pytest.raises(ManifestError, match="entitlement"):
        check_ballot(*args, south, "north")


def _forged_contest(
    kit: Kit, credential: bytes, bits: list[int], total_range: tuple[int, int]
) -> ContestBallot:
    """Contest 0 of a 3-choice plurality ballot with blank, encrypting ``bits`` as given.

    Each selection gets a proof that it is in {m, m+1} (so a proof "for 2" has a bit
    proof's shape); the total gets a proof over ``total_range``.
    """
    fp, key = kit.fingerprint, kit.keys.public
    randomness = [Scalar.random() for _ in bits]
    slots = []
    for slot, (m, r) in enumerate(zip(bits, randomness, strict=True)):
        c = encrypt(key, m, r)
        context = proof_context(credential, 0, slot)
        if m <= 1:
            proof = prove_bit(fp, key, c, m, r, context=context)
        else:
            proof = prove_range(fp, key, c, m, r, m - 1, m, context=context)
        slots.append(EncryptedSelection(c, proof))
    # K = 1 (plurality, one seat), so T = sum(selections) + blank.
    total = Ciphertext.sum([s.ciphertext for s in slots])
    m_total = sum(bits)
    r_total = sum((r.value for r in randomness), 0)
    lo, hi = total_range
    total_proof = prove_range(
        fp,
        key,
        total,
        m_total,
        Scalar(r_total),
        lo,
        hi,
        context=proof_context(credential, 0, TOTAL_SLOT),
    )
    return ContestBallot("president", tuple(slots[:3]), slots[3], total_proof)


@pytest.mark.parametrize(
    ("bits", "total_range", "message"),
    [
        ([2, 0, 0, 0], (1, 2), "contest president, selection 0"),
        ([0, 0, 2, 0], (1, 2), "contest president, selection 2"),
        ([1, 1, 0, 0], (1, 2), "contest president, selection total"),
        ([0, 0, 0, 0], (0, 0), "contest president, selection total"),
        ([1, 0, 0, 1], (2, 2), "contest president, selection total"),
    ],
)
def test_forged_proofs_are_refused_naming_the_slot(
    bits: list[int], total_range: tuple[int, int], message: str
) -> None:
    kit = make_kit()
    key = Scalar.random()
    contest = _forged_contest(kit, bip340_public_key(key), bits, total_range)
    ballot = signed(kit.fingerprint, key, [contest])
    with pytest.raises(InvalidProof, match=message):
        check_ballot(kit.manifest, kit.fingerprint, kit.keys.public, ballot, "south")


def test_the_honest_twin_of_the_forgery_passes() -> None:
    """The forging helper itself is sound: with honest values the ballot checks."""
    kit = make_kit()
    key = Scalar.random()
    contest = _forged_contest(kit, bip340_public_key(key), [0, 1, 0, 0], (1, 1))
    ballot = signed(kit.fingerprint, key, [contest])
    check_ballot(kit.manifest, kit.fingerprint, kit.keys.public, ballot, "south")


def test_a_proof_cannot_move_to_another_slot() -> None:
    kit = make_kit()
    ballot, _ = encrypt_ballot(
        kit.manifest,
        kit.fingerprint,
        kit.keys.public,
        Scalar.random(),
        "south",
        {"president": ["ada"]},
    )
    (contest,) = ballot.contests
    swapped = (contest.selections[1], contest.selections[0], contest.selections[2])
    moved = dataclasses.replace(contest, selections=swapped)
    forged = dataclasses.replace(ballot, contests=(moved,))
    with pytest.raises(InvalidProof, match="selection 0"):
        check_ballot_proofs(kit.manifest, kit.fingerprint, kit.keys.public, forged)


def test_signature_covers_every_ciphertext() -> None:
    kit = make_kit()
    ballot, _ = encrypt_ballot(
        kit.manifest,
        kit.fingerprint,
        kit.keys.public,
        Scalar.random(),
        "south",
        {"president": ["ada"]},
    )
    (contest,) = ballot.contests
    other = dataclasses.replace(contest, blank=contest.selections[1])
    with pytest.raises(InvalidSignature):
        check_ballot(
            kit.manifest,
            kit.fingerprint,
            kit.keys.public,
            dataclasses.replace(ballot, contests=(other,)),
            "south",
        )


def test_a_ballot_for_another_election_is_refused() -> None:
    kit = make_kit()
    ballot, _ = encrypt_ballot(
        kit.manifest, b"G" * 32, kit.keys.public, Scalar.random(), "south", {"president": []}
    )
    with pytest.raises(InvalidProof, match="another election"):
        check_ballot(kit.manifest, kit.fingerprint, kit.keys.public, ballot, "south")


def test_audit_opens_to_the_revealed_choices() -> None:
    kit = make_kit()
    ballot, reveal = encrypt_ballot(
        kit.manifest,
        kit.fingerprint,
        kit.keys.public,
        Scalar.random(),
        "north",
        {"president": ["cyd"], "strike-north": ["no"]},
    )
    check_audit(kit.manifest, kit.keys.public, ballot, reveal)
    assert [c.choices for c in reveal.contests] == [(0, 0, 1), (0, 1)]
    lie = dataclasses.replace(reveal.contests[0], choices=(1, 0, 0))
    with pytest.raises(InvalidProof, match="contest president, selection 0 does not encrypt 1"):
        check_audit(
            kit.manifest,
            kit.keys.public,
            ballot,
            dataclasses.replace(reveal, contests=(lie, reveal.contests[1])),
        )
    wrong_r = dataclasses.replace(
        reveal.contests[1], randomness=tuple(reversed(reveal.contests[1].randomness))
    )
    with pytest.raises(InvalidProof, match="contest strike-north, selection 0"):
        check_audit(
            kit.manifest,
            kit.keys.public,
            ballot,
            dataclasses.replace(reveal, contests=(reveal.contests[0], wrong_r)),
        )
    with pytest.raises(InvalidProof, match="revealed contests do not match"):
        check_audit(
            kit.manifest,
            kit.keys.public,
            ballot,
            dataclasses.replace(reveal, contests=reveal.contests[:1]),
        )
