"""The trustees' signed messages and exchange files: round trips, refusals naming the field.

(ceremony.md §7; the protocol around them is ``test_ceremony.py``.)
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from recordtools import SmallElection, read_board, read_json_file, small_manifest

from tellers.ceremony import Ceremony
from tellers.election.fingerprint import manifest_hash
from tellers.errors import EncodingError, InputFileError
from tellers.record import v2_trustee as files
from tellers.simulate import local_ceremony


@pytest.fixture(scope="module")
def ceremony() -> Ceremony:
    return local_ceremony(small_manifest())[0]


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value))  # as it travels: through a file


def test_every_message_round_trips_as_signed(ceremony: Ceremony) -> None:
    back = files.ceremony_from_json(_json(files.ceremony_to_json(ceremony)))
    assert back == ceremony
    assert [a.signed for a in back.announcements] == [a.signed for a in ceremony.announcements]
    manifest = small_manifest()
    digest = manifest_hash(manifest)
    keys = _json(files.ceremony_keys_to_json(manifest, digest, ceremony.announcements))
    assert files.ceremony_keys_from_json(keys) == ceremony.announcements
    bundle = _json(files.bundle_to_json(manifest, digest, ceremony))
    assert files.bundle_from_json(bundle) == ceremony


def test_the_record_keeps_the_messages_exactly(small_election: SmallElection) -> None:
    obj = read_json_file(small_election.record, "ceremony.json")
    assert files.ceremony_to_json(files.ceremony_from_json(obj)) == obj
    for event in read_board(small_election.record):
        if event["type"] == "decryption":
            assert files.decryption_from_json(event["body"]).signed == event["body"]


def _set(path: list[Any], value: Any) -> Callable[[Any], None]:
    def edit(obj: Any) -> None:
        for key in path[:-1]:
            obj = obj[key]
        obj[path[-1]] = value

    return edit


def _drop(path: list[Any]) -> Callable[[Any], None]:
    def edit(obj: Any) -> None:
        for key in path[:-1]:
            obj = obj[key]
        del obj[path[-1]]

    return edit


@pytest.mark.parametrize(
    ("path", "edit", "field"),
    [
        (["announcements", 0], _set(["signing_key"], "AB" * 32), "announcements[0].signing_key"),
        (["announcements", 1], _drop(["ceremony_key"]), "announcements[1]"),
        (["announcements", 1], _set(["name"], "x"), "announcements[1]"),
        (["announcements", 2], _set(["trustee"], True), "announcements[2].trustee"),
        (["announcements", 0], _set(["format"], "tellers/x/v2"), "announcements[0].format"),
        (["commitments", 0], _set(["keys"], "ab"), "commitments[0].keys"),
        (["commitments", 1], _set(["commitments", 0], "02"), "commitments[1].commitments[0]"),
        (["commitments", 1], _set(["proofs", 1, "s"], 5), "commitments[1].proofs[1].s"),
        (
            ["commitments", 2],
            _set(["shares", 0, "sealed"], "zz"),
            "commitments[2].shares[0].sealed",
        ),
        (["commitments", 2], _set(["shares", 1, "to"], 1), "commitments[2].shares[1]"),
        (["confirmations", 0], _set(["qualified"], [1, "2"]), "confirmations[0].qualified"),
        (["confirmations", 2], _set(["verification_key"], "00" * 33), "confirmations[2]."),
        (["confirmations", 1], _set(["signature"], "ab"), "confirmations[1].signature"),
    ],
)
def test_bad_message_shapes_name_the_field(
    ceremony: Ceremony, path: list[Any], edit: Callable[[Any], None], field: str
) -> None:
    obj = copy.deepcopy(files.ceremony_to_json(ceremony))
    target = obj
    for key in path:
        target = target[key]
    edit(target)
    with pytest.raises(EncodingError) as caught:
        files.ceremony_from_json(obj)
    assert caught.value.field.startswith(f"ceremony.{field}"), caught.value


def test_ceremony_json_refuses_extra_fields_and_disorder(ceremony: Ceremony) -> None:
    obj = copy.deepcopy(files.ceremony_to_json(ceremony))
    obj["trustees"][0]["email"] = "a@example.org"
    with pytest.raises(EncodingError, match="unexpected"):
        files.ceremony_from_json(obj)
    obj = copy.deepcopy(files.ceremony_to_json(ceremony))
    obj["confirmations"].reverse()
    with pytest.raises(EncodingError, match="increasing order"):
        files.ceremony_from_json(obj)


@pytest.mark.parametrize(
    ("data", "line", "problem"),
    [
        (b"\xff", 0, "not UTF-8 text"),
        (b'{"format":\n', 2, "not JSON"),
        (b"[]", 1, "expected a JSON object"),
        (b'{"format": "tellers/ceremony-keys/v1"}', 0, "format: expected"),
        (b"[" * 100_000 + b"]" * 100_000, 0, "nested too deeply"),
    ],
)
def test_parse_file_names_the_file(data: bytes, line: int, problem: str) -> None:
    with pytest.raises(InputFileError) as caught:
        files.parse_file(data, "upload.json", [files.COMMITMENT, files.CONFIRMATION])
    assert (caught.value.path, caught.value.line) == ("upload.json", line)
    assert caught.value.problem.startswith(problem)


def test_parse_file_accepts_the_formats_given() -> None:
    data = json.dumps({"format": files.CONFIRMATION, "trustee": 1}).encode()
    assert files.parse_file(data, "c.json", [files.CONFIRMATION])["trustee"] == 1


def test_secrets_round_trip_and_refuse_bad_fields() -> None:
    from tellers import trustee

    secrets, _ = trustee.announce(small_manifest(), 2)
    obj = _json(files.secrets_to_json(secrets))
    assert files.secrets_from_json(obj) == secrets
    obj["polynomial"] = ["00" * 32]
    with pytest.raises(EncodingError) as caught:
        files.secrets_from_json(obj)
    assert caught.value.field == "secrets.polynomial"
