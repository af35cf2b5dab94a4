"""The trustees' exchange files: round trips, and refusals that name the field (ceremony.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from recordtools import make_kit, small_manifest

from tellers.crypto import threshold
from tellers.crypto.ceremony_messages import (
    CeremonyKey,
    EncryptedShare,
    TrusteeCommitment,
    TrusteeKey,
    TrusteePolynomial,
)
from tellers.crypto.elgamal import encrypt
from tellers.crypto.group import Scalar
from tellers.election.fingerprint import manifest_hash
from tellers.errors import EncodingError, InputFileError
from tellers.record import v1_trustee as files
from tellers.tally import ContestTally

FINGERPRINT = b"F" * 32


@dataclass(frozen=True)
class Ceremony:
    keys: list[CeremonyKey]
    polynomial: TrusteePolynomial
    commitment: TrusteeCommitment
    shares: tuple[EncryptedShare, ...]
    trustee_key: TrusteeKey


@pytest.fixture(scope="module")
def ceremony() -> Ceremony:
    manifest = small_manifest()
    digest = manifest_hash(manifest)
    keys = [threshold.new_ceremony_key(i) for i in range(1, manifest.trustees + 1)]
    polynomials = [threshold.new_polynomial(k.trustee, manifest.quorum) for k in keys]
    commitments = [threshold.commit(digest, p) for p in polynomials]
    shares = [threshold.make_shares(digest, p, keys) for p in polynomials]
    mine = [s for batch in shares for s in batch if s.recipient == 1]
    trustee_key = threshold.receive_shares(
        digest, keys[0], commitments, mine, quorum=manifest.quorum, trustees=manifest.trustees
    )
    return Ceremony(keys, polynomials[0], commitments[0], shares[0], trustee_key)


def _tallies() -> tuple[ContestTally, ...]:
    kit = make_kit()
    c = [encrypt(kit.keys.public, m, Scalar.random()) for m in (1, 0, 2)]
    return (
        ContestTally("president", 3, (c[0], c[1]), c[2]),
        ContestTally("strike", 1, (c[1],), None),
    )


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value))  # as it travels: through a file


def test_ceremony_files_round_trip(ceremony: Ceremony) -> None:
    manifest = small_manifest()
    public = {k.trustee: k.public.hex() for k in ceremony.keys}
    keys = _json(files.ceremony_keys_to_json(manifest, public))
    assert keys["format"] == files.KEYS
    assert [(k.trustee, k.public) for k in files.ceremony_keys_from_json(keys)] == [
        (k.trustee, k.public) for k in ceremony.keys
    ]
    commitment = _json({"commitment": files.commitment_to_json(ceremony.commitment)})
    assert files.commitment_from_json(commitment, "c") == ceremony.commitment
    shares = _json(files.shares_to_json(ceremony.shares))
    assert tuple(files.shares_from_json(shares, "shares")) == ceremony.shares
    bundle = _json(files.bundle_to_json(manifest, 2, ["A"], [ceremony.commitment], ceremony.shares))
    assert files.bundle_from_json(bundle) == ([ceremony.commitment], list(ceremony.shares))


def test_secret_files_round_trip(ceremony: Ceremony) -> None:
    key = ceremony.keys[0]
    assert files.ceremony_key_from_json(_json(files.ceremony_key_to_json(key))) == key
    polynomial = _json(files.polynomial_to_json(ceremony.polynomial))
    assert files.polynomial_from_json(polynomial) == ceremony.polynomial
    trustee_key = _json(files.trustee_key_to_json(ceremony.trustee_key))
    assert files.trustee_key_from_json(trustee_key) == ceremony.trustee_key


def test_decryption_files_round_trip(ceremony: Ceremony) -> None:
    tallies = _tallies()
    tally = _json(files.tally_for_trustees_to_json("small-2026", FINGERPRINT, tallies))
    assert files.tally_for_trustees_from_json(tally) == (FINGERPRINT, tallies)
    ciphertexts = [c for t in tallies for c in (*t.choices, t.blank) if c is not None]
    shares = threshold.decryption_shares(FINGERPRINT, ceremony.trustee_key, ciphertexts)
    decryption = _json(files.decryption_to_file("small-2026", FINGERPRINT, 1, shares))
    assert decryption["format"] == files.DECRYPTION
    assert files.decryption_shares_from_json(decryption, "d") == (1, list(shares))


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


def _file(ceremony: Ceremony, kind: str) -> Any:
    manifest = small_manifest()
    key, tallies = ceremony.keys[0], _tallies()
    return _json(
        {
            "keys": lambda: files.ceremony_keys_to_json(manifest, {1: key.public.hex()}),
            "commitment": lambda: {"commitment": files.commitment_to_json(ceremony.commitment)},
            "shares": lambda: files.shares_to_json(ceremony.shares),
            "bundle": lambda: files.bundle_to_json(
                manifest, 1, ["A"], [ceremony.commitment], ceremony.shares
            ),
            "tally": lambda: files.tally_for_trustees_to_json("e", FINGERPRINT, tallies),
            "decryption": lambda: files.decryption_to_file(
                "e",
                FINGERPRINT,
                1,
                threshold.decryption_shares(
                    FINGERPRINT, ceremony.trustee_key, [tallies[1].choices[0]]
                ),
            ),
            "ceremony-key": lambda: files.ceremony_key_to_json(key),
            "polynomial": lambda: files.polynomial_to_json(ceremony.polynomial),
            "trustee-key": lambda: files.trustee_key_to_json(ceremony.trustee_key),
        }[kind]()
    )


DECODE: dict[str, Callable[[Any], object]] = {
    "keys": files.ceremony_keys_from_json,
    "commitment": lambda obj: files.commitment_from_json(obj, "c"),
    "shares": lambda obj: files.shares_from_json(obj, "shares"),
    "bundle": files.bundle_from_json,
    "tally": files.tally_for_trustees_from_json,
    "decryption": lambda obj: files.decryption_shares_from_json(obj, "d"),
    "ceremony-key": files.ceremony_key_from_json,
    "polynomial": files.polynomial_from_json,
    "trustee-key": files.trustee_key_from_json,
}


@pytest.mark.parametrize(
    ("kind", "edit", "field"),
    [
        ("keys", _set(["keys"], {}), "ceremony-keys.keys"),
        ("keys", _set(["keys", 0], "ab"), "ceremony-keys.keys[0]"),
        ("keys", _set(["keys", 0, "public"], "AB" * 32), "ceremony-keys.keys[0].public"),
        ("keys", _drop(["keys", 0, "trustee"]), "ceremony-keys.keys[0].trustee"),
        ("commitment", _set(["commitment"], []), "c.commitment"),
        ("commitment", _set(["commitment", "index"], "1"), "c.commitment.index"),
        ("commitment", _set(["commitment", "commitments", 0], "02"), "c.commitment.commitments[0]"),
        ("commitment", _set(["commitment", "proofs", 1, "s"], 5), "c.commitment.proofs[1].s"),
        ("shares", _set([0], 7), "shares[0]"),
        ("shares", _set([0, "sealed"], "zz"), "shares[0].sealed"),
        ("shares", _set([1, "recipient"], True), "shares[1].recipient"),
        ("bundle", _set(["shares"], {}), "bundle.shares"),
        ("bundle", _set(["ceremony", "trustees"], None), "bundle.ceremony.trustees"),
        ("tally", _set(["fingerprint"], "ab"), "tally.fingerprint"),
        ("tally", _set(["tally", "contests", 1, "blank"], 0), "tally.tally.contests[1].blank"),
        ("decryption", _set(["decryption"], []), "d.decryption"),
        ("decryption", _set(["decryption", "shares", 0], 1), "d.decryption.shares[0]"),
        ("ceremony-key", _set(["private"], "00"), "key.private"),
        ("polynomial", _set(["coefficients", 0], 1), "polynomial.coefficients[0]"),
        ("polynomial", _set(["coefficients"], "ab"), "polynomial.coefficients"),
        ("trustee-key", _set(["secret"], None), "key.secret"),
    ],
)
def test_bad_shapes_name_the_field(
    ceremony: Ceremony, kind: str, edit: Callable[[Any], None], field: str
) -> None:
    obj = _file(ceremony, kind)
    edit(obj)
    with pytest.raises(EncodingError) as caught:
        DECODE[kind](obj)
    assert caught.value.field == field, caught.value


@pytest.mark.parametrize(
    ("data", "line", "problem"),
    [
        (b"\xff", 0, "not UTF-8 text"),
        (b'{"format":\n', 2, "not JSON"),
        (b"[]", 1, "expected a JSON object"),
        (b'{"format": "tellers/ceremony-keys/v1"}', 0, "format: expected"),
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


def test_uploaded_files_round_trip(ceremony: Ceremony) -> None:
    m = small_manifest()
    key, commitment, shares = ceremony.keys[0], ceremony.commitment, ceremony.shares
    x_l = ceremony.trustee_key.public

    def parsed(obj: Any, fmt: str) -> dict[str, Any]:
        return files.parse_file(json.dumps(obj).encode(), "upload.json", [fmt])

    assert files.public_key_file_from_json(
        parsed(files.public_key_file_to_json(m, 1, key.public), files.PUBLIC_KEY), "key"
    ) == (1, key.public)
    assert files.commitment_file_from_json(
        parsed(files.commitment_file_to_json(m, commitment, shares), files.COMMITMENT), "c"
    ) == (commitment.trustee, commitment, list(shares))
    assert files.confirmation_from_json(
        parsed(files.confirmation_to_json(m, 1, x_l), files.CONFIRMATION), "confirmation"
    ) == (1, x_l)
    assert files.complaint_from_json(
        parsed(files.complaint_to_json(m, 1, 2, "bad share"), files.COMPLAINT), "complaint"
    ) == (1, 2, "bad share")


@pytest.mark.parametrize(
    ("read", "obj", "field"),
    [
        (files.public_key_file_from_json, {"trustee": 1, "public": "AB" * 32}, "key.public"),
        (files.public_key_file_from_json, {"trustee": 1, "public": "ab" * 31}, "key.public"),
        (files.public_key_file_from_json, {"public": "ab" * 32}, "key.trustee"),
        (
            files.confirmation_from_json,
            {"trustee": 1, "verification_key": "00"},
            "c.verification_key",
        ),
        (files.complaint_from_json, {"trustee": 1, "against": "2", "problem": "x"}, "c.against"),
        (files.commitment_file_from_json, {"trustee": 1, "commitment": {}}, "c.commitment"),
    ],
)
def test_uploaded_files_refuse_bad_fields(
    read: Callable[[Any, str], Any], obj: dict[str, Any], field: str
) -> None:
    where = "key" if read is files.public_key_file_from_json else "c"
    with pytest.raises(EncodingError) as caught:
        read(obj, where)
    assert caught.value.field.startswith(field)
