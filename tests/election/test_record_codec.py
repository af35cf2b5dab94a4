"""Record format v2: round trips, and refusals that name the field path (record.md §2–§7)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from recordtools import SmallElection, make_kit, read_board, read_json_file, small_manifest

from tellers import canonical
from tellers.ballot import encrypt_ballot
from tellers.crypto.group import Scalar
from tellers.errors import EncodingError
from tellers.record.v2 import (
    _ballot_by_field,
    audited_from_json,
    audited_to_json,
    ballot_from_json,
    ballot_to_json,
    manifest_from_json,
    manifest_to_json,
    reveal_from_json,
    reveal_to_json,
)
from tellers.record.v2_tally import tally_from_json, tally_to_json
from tellers.record.v2_trustee import ceremony_from_json, ceremony_to_json, decryption_from_json


def _ballot_json() -> tuple[Any, Any]:
    kit = make_kit()
    ballot, reveal = encrypt_ballot(
        kit.manifest,
        kit.fingerprint,
        kit.keys.public,
        Scalar.random(),
        "north",
        {"president": ["bea"], "strike-north": ["yes"]},
    )
    return ballot_to_json(ballot), reveal_to_json(reveal)


def test_ballot_and_reveal_round_trip() -> None:
    ballot, reveal = _ballot_json()
    assert ballot_to_json(ballot_from_json(ballot)) == ballot
    assert reveal_to_json(reveal_from_json(reveal)) == reveal
    assert canonical.dumps(
        ballot_to_json(ballot_from_json(canonical.loads(canonical.dumps(ballot))))
    ) == canonical.dumps(ballot)


def test_manifest_round_trip() -> None:
    manifest = small_manifest()
    assert manifest_from_json(manifest_to_json(manifest)) == manifest


def test_record_files_round_trip(small_election: SmallElection) -> None:
    record: Path = small_election.record
    events = read_board(record)
    ceremony = read_json_file(record, "ceremony.json")
    assert ceremony_to_json(ceremony_from_json(ceremony)) == ceremony
    tally = next(e["body"] for e in events if e["type"] == "tally")
    assert tally_to_json(tally_from_json(tally)) == tally
    for body in (e["body"] for e in events if e["type"] == "decryption"):
        assert decryption_from_json(body).signed == body
    manifest = read_json_file(record, "manifest.json")
    assert manifest_to_json(manifest_from_json(manifest)) == manifest


def _drop(path: list[Any]) -> Callable[[Any], None]:
    def edit(obj: Any) -> None:
        for key in path[:-1]:
            obj = obj[key]
        del obj[path[-1]]

    return edit


def _set(path: list[Any], value: Any) -> Callable[[Any], None]:
    def edit(obj: Any) -> None:
        for key in path[:-1]:
            obj = obj[key]
        obj[path[-1]] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (_drop(["signature"]), "ballot.signature"),
        (_drop(["contests", 0, "total"]), "ballot.contests[0].total"),
        (_set(["signature"], "ab" * 63), "ballot.signature"),
        (_set(["election"], "AB" * 32), "ballot.election"),
        (_set(["credential"], 7), "ballot.credential"),
        (_set(["contests"], {}), "ballot.contests"),
        (
            _set(["contests", 1, "selections", 1, "proof", "c", 1], "zz"),
            "ballot.contests[1].selections[1].proof.c[1]",
        ),
        (
            _set(["contests", 0, "selections", 2, "alpha"], "02" + "00" * 32),
            "ballot.contests[0].selections[2].alpha",
        ),
        (_set(["contests", 0, "blank", "beta"], None), "ballot.contests[0].blank.beta"),
        (_set(["contests", 0, "blank"], []), "ballot.contests[0].blank"),
        (_set(["contests", 0, "extra"], 1), "ballot.contests[0]"),
        (_set(["extra"], 1), "ballot"),
        (_set(["contests", 0, "id"], True), "ballot.contests[0].id"),
    ],
)
def test_bad_ballot_shapes_name_the_field(edit: Callable[[Any], None], field: str) -> None:
    ballot, _ = _ballot_json()
    edit(ballot)
    with pytest.raises(EncodingError) as caught:
        ballot_from_json(ballot)
    assert caught.value.field == field, caught.value


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (_set(["format"], "tellers-manifest/v0"), "manifest.format"),
        (_set(["trustees", "count"], True), "manifest.trustees.count"),
        (_drop(["revote"]), "manifest.revote"),
        (_set(["contests", 1, "title"], 3), "manifest.contests[1].title"),
        (_set(["contests", 0, "choices", 1, "id"], None), "manifest.contests[0].choices[1].id"),
        (_set(["constituencies"], ["north", 2]), "manifest.constituencies[1]"),
        (_set(["constituencies"], "north"), "manifest.constituencies"),
        (_set(["trustees"], [3, 2]), "manifest.trustees"),
        (_set(["contests", 0], 5), "manifest.contests[0]"),
        (_set(["contests", 1], ["id"]), "manifest.contests[1]"),
        (_set(["contests", 0, "choices", 0], "ada"), "manifest.contests[0].choices[0]"),
        (_set(["declaration"], "Ada is elected"), "manifest"),
        (_set(["trustees", "spare"], 1), "manifest.trustees"),
        (_set(["contests", 1, "notes"], ""), "manifest.contests[1]"),
        (_set(["contests", 0, "choices", 2, "photo"], ""), "manifest.contests[0].choices[2]"),
        (_set(["contests", 1, "thresholds", "ballot"], 1), "manifest.contests[1].thresholds"),
        (_set(["public_board"], True), "manifest.public_board"),
        (_set(["format"], "tellers-manifest/v1"), "manifest.format"),
    ],
)
def test_bad_manifest_shapes_name_the_field(edit: Callable[[Any], None], field: str) -> None:
    manifest = manifest_to_json(small_manifest())
    edit(manifest)
    with pytest.raises(EncodingError) as caught:
        manifest_from_json(manifest)
    assert caught.value.field == field, caught.value


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["choices", 1, "address"], 3, "choices[1].address"),
        (["constituencies"], "north", "constituencies"),
        (["constituencies"], [1], "constituencies[0]"),
        (["thresholds"], [], "thresholds"),
        (["thresholds", "turnout_percent"], "50", "thresholds.turnout_percent"),
        (["thresholds", "turnout_percent"], True, "thresholds.turnout_percent"),
        (["thresholds", "yes_majority"], "no", "thresholds.yes_majority"),
        (["thresholds", "yes_percent_of_entitled"], 40.0, "thresholds.yes_percent_of_entitled"),
    ],
)
def test_bad_contest_shapes_name_the_field(path: list[Any], value: Any, field: str) -> None:
    manifest = manifest_to_json(small_manifest())
    _set(["contests", 1, *path], value)(manifest)
    with pytest.raises(EncodingError) as caught:
        manifest_from_json(manifest)
    assert caught.value.field == f"manifest.contests[1].{field}", caught.value


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (_set([0, "choices"], [1, True, 0]), "reveal[0].choices"),
        (_set([1, "randomness", 0], 5), "reveal[1].randomness[0]"),
        (_drop([0, "blank"]), "reveal[0].blank"),
    ],
)
def test_bad_reveal_shapes_name_the_field(edit: Callable[[Any], None], field: str) -> None:
    _, reveal = _ballot_json()
    edit(reveal)
    with pytest.raises(EncodingError) as caught:
        reveal_from_json(reveal)
    assert caught.value.field == field, caught.value


def test_audited_ballots_round_trip_and_refuse_extra_fields(small_election: SmallElection) -> None:
    body = next(
        e["body"] for e in read_board(small_election.record) if e["type"] == "ballot-audited"
    )
    assert audited_to_json(audited_from_json(body["contests"])) == body["contests"]
    extra = copy.deepcopy(body["contests"])
    extra[0]["credential"] = "00" * 32
    with pytest.raises(EncodingError) as caught:
        audited_from_json(extra)
    assert caught.value.field == "contests[0]"


def test_bad_tally_shape_names_the_field(small_election: SmallElection) -> None:
    tally = copy.deepcopy(
        next(e["body"] for e in read_board(small_election.record) if e["type"] == "tally")
    )
    tally["contests"][1]["choices"][0]["alpha"] = "04" + "11" * 32
    with pytest.raises(EncodingError) as caught:
        tally_from_json(tally)
    assert caught.value.field == "tally.contests[1].choices[0].alpha"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b'{"a":1.5}', "non-integer number"),
        (b'{"a":1,"a":2}', "duplicate key"),
        (b'{"a":NaN}', "not valid JSON"),
        (b'{"a":', "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_canonical_json_refuses(text: bytes, problem: str) -> None:
    with pytest.raises(EncodingError, match=problem):
        canonical.loads(text, "here")


def test_canonical_bytes() -> None:
    assert canonical.dumps({"b": [1, "é\n"], "a": None, "A": True}) == (
        '{"A":true,"a":null,"b":[1,"é\\n"]}'.encode()
    )
    with pytest.raises(EncodingError, match=r"\$\.x\[1\]: floats"):
        canonical.dumps({"x": [1, 2.0]})
    # A lone surrogate parses as JSON but is not text: it has no UTF-8, so no canonical form.
    with pytest.raises(EncodingError, match="lone surrogate"):
        canonical.dumps(canonical.loads(b'{"a":"\\ud800"}'))
    assert canonical.dumps(canonical.loads(b'"\\ud83d\\ude00"')) == '"\U0001f600"'.encode()


# The one-pass reading of a well-formed ballot and the field-by-field one agree on every input.

_BALLOT, _ = _ballot_json()
_G_HEX = _BALLOT["contests"][0]["selections"][0]["alpha"]
_ODD = [
    None,
    True,
    0,
    "",
    [],
    {},
    _G_HEX.upper(),
    _G_HEX[:-2],
    "04" + _G_HEX[2:],
    "02" + "ff" * 32,  # x >= p
    "00" * 33,  # infinity
    "0" * 64,
    "ff" * 32,  # a scalar >= n
    "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",  # n
    "ab" * 31 + " ab",
    "ab" * 31 + "  ",  # 64 characters, 31 bytes
    "AB" * 32,
    "ab" * 64,
    "ab" * 32,
    "00" * 32,
]
_ODD_VALUES = st.one_of(st.sampled_from(_ODD), st.text(max_size=4))


def _paths(obj: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    if isinstance(obj, dict):
        for key, value in obj.items():
            out += _paths(value, (*at, key))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            out += _paths(value, (*at, i))
    return out


_PATHS = _paths(_BALLOT)


def _edited(obj: Any, path: tuple[Any, ...], how: str, value: Any) -> Any:
    """``obj`` with the value at ``path`` set to ``value``, dropped, or given a sibling."""
    value = copy.deepcopy(value)
    if not path:
        return value if how == "set" else obj
    parent = obj
    try:
        for key in path[:-1]:
            parent = parent[key]
        if how == "set":
            parent[path[-1]] = value
        elif how == "drop":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent["extra"] = value
        else:
            parent.append(value)
    except (KeyError, IndexError, TypeError):
        pass  # an earlier edit took this path away
    return obj


def test_every_single_edit_is_read_alike_both_ways() -> None:
    for path in _PATHS:
        for how in ("set", "drop", "add"):
            for value in _ODD if how != "drop" else [None]:
                obj = _edited(copy.deepcopy(_BALLOT), path, how, value)
                assert _outcome(ballot_from_json, obj) == _outcome(_by_field, obj), (path, how)


def _by_field(obj: Any) -> Any:
    return _ballot_by_field(obj, "ballot")


def _outcome(read: Callable[[Any], Any], obj: Any) -> Any:
    try:
        return ballot_to_json(read(obj))
    except EncodingError as exc:
        return ("refused", str(exc))


@given(
    st.lists(
        st.tuples(st.sampled_from(_PATHS), st.sampled_from(["set", "drop", "add"]), _ODD_VALUES),
        max_size=3,
    )
)
def test_one_pass_and_field_by_field_readings_agree(edits: list[tuple[Any, str, Any]]) -> None:
    obj = copy.deepcopy(_BALLOT)
    for path, how, value in edits:
        obj = _edited(obj, path, how, value)
    assert _outcome(ballot_from_json, obj) == _outcome(_by_field, obj)
    if not edits:
        assert _outcome(ballot_from_json, obj) == _BALLOT
