"""A ranked contest in a ballot, its manifest and its record JSON (record.md §3.7, §4;
ranked.md §2–§3)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from recordtools import decrypt, make_kit, small_manifest

from tellers.ballot import (
    audited_form,
    ballot_message,
    check_audit,
    check_ballot,
    check_ballot_proofs,
    check_ballot_signature,
    check_reveal_shape,
    check_shape,
    encrypt_ballot,
)
from tellers.crypto.group import Point, Scalar
from tellers.election.manifest import Choice, Contest, Manifest, Postal
from tellers.errors import EncodingError, InvalidProof, InvalidSignature, ManifestError
from tellers.ranked.ballot import EncryptedPreference
from tellers.ranked.outcome import ranked_result
from tellers.record.v2 import (
    ballot_from_json,
    ballot_to_json,
    manifest_from_json,
    manifest_to_json,
    reveal_from_json,
    reveal_to_json,
)
from tellers.tally import count_ballots, declare

NAMES = ("ash", "birch", "cedar", "damson", "elm")


def ranked_manifest(preferences: int | None = 3, method: str = "stv-ers97") -> Manifest:
    """The small election with a 2-seat STV contest of 5 candidates beside its plurality."""
    executive = Contest(
        "executive",
        "National executive",
        method,  # type: ignore[arg-type]
        tuple(Choice(n, n.title()) for n in NAMES),
        seats=2 if method.startswith("stv") else 1,
        preferences=preferences,
    )
    base = small_manifest()
    return dataclasses.replace(
        base, kind="election", contests=(base.contests[0], executive, *base.contests[1:])
    )


@pytest.fixture
def kit():  # type: ignore[no-untyped-def]
    return make_kit(ranked_manifest())


def _cast(kit, ranking: list[str]):  # type: ignore[no-untyped-def]
    key = Scalar.random()
    return encrypt_ballot(
        kit.manifest, kit.fingerprint, kit.keys.public, key, "south",
        {"president": ["ada"], "executive": ranking},
    )  # fmt: skip


def test_a_ranked_ballot_checks_and_decrypts_to_its_ranking(kit) -> None:  # type: ignore[no-untyped-def]
    ballot, reveal = _cast(kit, ["cedar", "ash"])
    check_ballot(kit.manifest, kit.fingerprint, kit.keys.public, ballot, "south")
    row = ballot.contests[1]
    assert row.selections == () and row.blank is None and row.total_proof is None
    assert [decrypt(kit, p.ciphertext) for p in row.preferences] == [3, 1, 0]
    assert reveal.contests[1].choices == (3, 1, 0)
    check_audit(kit.manifest, kit.keys.public, ballot, reveal)


@pytest.mark.parametrize(
    ("ranking", "what"),
    [
        (["ash", "ash"], "ranked twice"),
        (["ash", "birch", "cedar", "elm"], "at most 3 preferences"),
        (["oak"], "no choice 'oak'"),
    ],
)
def test_an_invalid_ranking_is_refused_before_encrypting(kit, ranking, what) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ManifestError, match=what):
        _cast(kit, ranking)


def test_the_signature_and_proofs_cover_every_preference(kit) -> None:  # type: ignore[no-untyped-def]
    ballot, _ = _cast(kit, ["elm"])
    row = ballot.contests[1]
    g = Point.base_times(Scalar(1))
    first = row.preferences[0]
    moved = EncryptedPreference(
        dataclasses.replace(first.ciphertext, beta=first.ciphertext.beta + g), first.proof
    )
    changed = dataclasses.replace(row, preferences=(moved, *row.preferences[1:]))
    forged = dataclasses.replace(ballot, contests=(ballot.contests[0], changed))
    with pytest.raises(InvalidSignature):
        check_ballot_signature(forged)
    # Re-signed by the member, the changed preference still fails its own proof.
    with pytest.raises(InvalidProof, match="contest executive, preference 1"):
        check_ballot_proofs(kit.manifest, kit.fingerprint, kit.keys.public, forged)
    swapped = dataclasses.replace(
        row, preferences=(row.preferences[1], row.preferences[0], row.preferences[2])
    )
    assert ballot_message(ballot.fingerprint, ballot.credential, (ballot.contests[0], swapped)) != (
        ballot_message(ballot.fingerprint, ballot.credential, ballot.contests)
    )


def test_a_ranked_row_of_the_wrong_shape_is_malformed(kit) -> None:  # type: ignore[no-untyped-def]
    ballot, _ = _cast(kit, ["elm"])
    row, plural = ballot.contests[1], ballot.contests[0]
    short = dataclasses.replace(row, preferences=row.preferences[:2])
    with pytest.raises(ManifestError, match="expected 3 preferences, found 2"):
        check_shape(kit.manifest, dataclasses.replace(ballot, contests=(plural, short)))
    choices = dataclasses.replace(plural, contest_id="executive")
    with pytest.raises(ManifestError, match="a ranked contest has only preferences"):
        check_shape(kit.manifest, dataclasses.replace(ballot, contests=(plural, choices)))
    ranked = dataclasses.replace(row, contest_id="president")
    with pytest.raises(ManifestError, match="preferences on a contest of choices"):
        check_shape(kit.manifest, dataclasses.replace(ballot, contests=(ranked, row)))


def test_the_record_json_round_trips_in_both_readers(kit) -> None:  # type: ignore[no-untyped-def]
    ballot, reveal = _cast(kit, ["birch", "damson", "ash"])
    obj = json.loads(json.dumps(ballot_to_json(ballot)))
    assert set(obj["contests"][1]) == {"id", "preferences"}
    assert set(obj["contests"][1]["preferences"][0]) == {"alpha", "beta", "proof"}
    assert ballot_from_json(obj) == ballot
    # A field the fast reader does not take sends it to the reader that names the field.
    obj["contests"][1]["preferences"][2]["proof"]["s"] = "zz"
    with pytest.raises(EncodingError) as caught:
        ballot_from_json(obj)
    assert caught.value.field == "ballot.contests[1].preferences[2].proof.s"
    obj = ballot_to_json(ballot)
    obj["contests"][1]["extra"] = 1
    with pytest.raises(EncodingError, match=r"ballot\.contests\[1\]"):
        ballot_from_json(obj)
    assert reveal_from_json(reveal_to_json(reveal)) == reveal


def test_an_audit_refuses_a_revealed_row_no_honest_client_makes(kit) -> None:  # type: ignore[no-untyped-def]
    ballot, reveal = _cast(kit, ["birch", "damson"])
    published = audited_form(ballot)
    assert len(published.contests[1].selections) == 3
    check_audit(kit.manifest, kit.keys.public, published, reveal)
    ranked = reveal.contests[1]
    for values, what in (
        ((2, 2, 0), "ranked twice"),
        ((0, 2, 4), "a preference after a blank one"),
        ((2, 6, 0), "expected a candidate"),
        ((4, 2, 0), "does not encrypt"),
    ):
        bad = dataclasses.replace(
            reveal,
            contests=(
                reveal.contests[0],
                dataclasses.replace(ranked, choices=values),
                *reveal.contests[2:],
            ),
        )
        with pytest.raises(InvalidProof, match=what):
            check_audit(kit.manifest, kit.keys.public, published, bad)


def test_the_tally_counts_ballots_holding_it_but_declares_no_ranked_result(kit) -> None:  # type: ignore[no-untyped-def]
    ballots = [_cast(kit, r)[0] for r in (["ash"], ["elm", "ash"])]
    tallies = count_ballots(kit.manifest, ballots)
    assert tallies[1].contest_id == "executive"
    assert (tallies[1].ballots, tallies[1].choices, tallies[1].blank) == (2, (), None)
    with pytest.raises(ManifestError, match=r"\['executive'\] are ranked"):
        declare(kit.manifest, tallies, [2, 0, 0, 0], {"president": 8, "executive": 8}, 8, 2)


# The manifest ------------------------------------------------------------------------------


def test_a_ranked_manifest_is_v5_and_round_trips() -> None:
    m = ranked_manifest()
    obj = manifest_to_json(m)
    assert obj["format"] == "tellers-manifest/v5"
    assert obj["contests"][1]["preferences"] == 3 and obj["contests"][0]["preferences"] is None
    assert manifest_from_json(json.loads(json.dumps(obj))) == m
    assert m.contests[1].width == 3 and ranked_manifest(None).contests[1].width == 5


def test_a_ranked_method_needs_the_v5_format() -> None:
    obj = manifest_to_json(ranked_manifest())
    obj["format"] = "tellers-manifest/v4"
    for c in obj["contests"]:
        del c["preferences"]
    with pytest.raises(EncodingError, match="needs tellers-manifest/v5") as caught:
        manifest_from_json(obj)
    assert caught.value.field == "manifest.contests[1].method"


@pytest.mark.parametrize(
    ("change", "what"),
    [
        ({"preferences": 6}, r"preferences: expected 1\.\.5, found 6"),
        ({"preferences": 0}, r"preferences: expected 1\.\.5, found 0"),
        ({"method": "irv", "seats": 2}, "irv elects one"),
        ({"method": "plurality", "preferences": 2}, "only ranked contests have preferences"),
    ],
)
def test_a_ranked_contest_out_of_its_rules_is_refused(change: dict, what: str) -> None:  # type: ignore[type-arg]
    m = ranked_manifest()
    with pytest.raises(ManifestError, match=what):
        dataclasses.replace(
            m, contests=(m.contests[0], dataclasses.replace(m.contests[1], **change))
        )


def test_a_ranked_contest_is_an_elections_and_is_voted_online() -> None:
    m = ranked_manifest()
    with pytest.raises(ManifestError, match='needs "kind": "election"'):
        dataclasses.replace(m, kind=None)
    postal = Postal("hybrid", "online", "2026-03-16T12:00:00+00:00", "Freepost TELLERS")
    with pytest.raises(ManifestError, match="papers carry no ranked contest"):
        dataclasses.replace(m, postal=postal)


def test_an_audit_request_s_reveal_fits_a_ranked_ballot(kit) -> None:  # type: ignore[no-untyped-def]
    """The board checks an audit request's reveal against the cast form of the ballot, whose
    ranked contest has preferences and no selections (record.md §4.4)."""
    ballot, reveal = _cast(kit, ["elm"])
    check_reveal_shape(ballot, reveal)
    check_reveal_shape(audited_form(ballot), reveal)
    short = dataclasses.replace(
        reveal.contests[1],
        choices=reveal.contests[1].choices[:2],
        randomness=reveal.contests[1].randomness[:2],
    )
    with pytest.raises(ManifestError, match="2 choices for 3 selections"):
        check_reveal_shape(
            ballot, dataclasses.replace(reveal, contests=(reveal.contests[0], short))
        )


# A tie order (manifest v7) -------------------------------------------------------------------


def _ordered(order: tuple[str, ...] | None) -> Manifest:
    m = ranked_manifest()
    return dataclasses.replace(
        m, contests=(m.contests[0], dataclasses.replace(m.contests[1], tie_order=order))
    )


def test_a_tie_order_makes_a_v7_manifest_that_round_trips() -> None:
    order = tuple(reversed(NAMES))
    m = _ordered(order)
    obj = manifest_to_json(m)
    assert obj["format"] == "tellers-manifest/v7"
    assert obj["contests"][1]["tie_order"] == list(order)
    assert obj["contests"][0]["tie_order"] is None and obj["contests"][0]["nominations"] is None
    assert manifest_from_json(json.loads(json.dumps(obj))) == m
    assert manifest_to_json(_ordered(None))["format"] == "tellers-manifest/v5"
    obj["format"] = "tellers-manifest/v6"
    with pytest.raises(EncodingError, match="tie_order"):
        manifest_from_json(obj)


@pytest.mark.parametrize(
    ("order", "what"),
    [
        (NAMES[:-1], rf"missing \['{NAMES[-1]}'\]"),
        ((*NAMES, "zed"), r"not a choice \['zed'\]"),
        ((*NAMES[:-1], NAMES[0]), rf"given twice \['{NAMES[0]}'\]"),
    ],
)
def test_a_tie_order_names_every_candidate_once(order: tuple[str, ...], what: str) -> None:
    with pytest.raises(ManifestError, match=what):
        _ordered(order)
    m = small_manifest()
    with pytest.raises(ManifestError, match="only ranked contests have a tie order"):
        dataclasses.replace(
            m, contests=(dataclasses.replace(m.contests[0], tie_order=("ada",)), *m.contests[1:])
        )


def test_the_manifest_s_tie_order_decides_the_ties_tellers_count_would(tmp_path: Path) -> None:
    """Two papers each for two candidates and one seat left: the tie the rule leaves open
    goes by the manifest's order, either way round, as ``tellers count --tie-order`` does."""
    fingerprint = bytes(range(32))
    rows = [(1, 0, 0), (1, 0, 0), (2, 0, 0), (2, 0, 0), (3, 0, 0), (3, 0, 0), (3, 0, 0)]
    sheets = {}
    for order in (("ash", "birch", "cedar", "damson", "elm"),
                  ("birch", "ash", "cedar", "damson", "elm")):  # fmt: skip
        contest = _ordered(order).contests[1]
        result = ranked_result(contest, rows, 10, fingerprint)
        assert result.winners[0] == "cedar" and result.winners[1] == order[0]
        names = [c.name for c in contest.choices]
        ballots = tmp_path / "ballots.jsonl"
        lines = [json.dumps({"candidates": names, "seats": 2, "title": contest.title})]
        lines += [json.dumps({"ranks": [names[row[0] - 1]]}) for row in rows]
        ballots.write_text("\n".join(lines) + "\n", encoding="utf-8")
        labels = ",".join(names[NAMES.index(i)] for i in order)
        sheet = subprocess.run(
            [sys.executable, "-m", "tellers.cli", "count", "--method", "stv-ers97",
             "--tie-order", labels, str(ballots)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert result.sheet == sheet
        sheets[order[0]] = result.sheet
    assert sheets["ash"] != sheets["birch"]
