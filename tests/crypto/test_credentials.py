"""Voter credential codes, keys and signatures (docs/spec/credentials.md)."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tellers.crypto import credentials
from tellers.crypto.credentials import (
    ALPHABET,
    CODE_LENGTH,
    check_character,
    check_signature,
    derive_signing_key,
    format_code,
    generate_code,
    issue_credential,
    normalise_code,
    public_credential,
    sign,
)
from tellers.crypto.group import bip340_public_key
from tellers.errors import EncodingError, InvalidCredential, InvalidSignature

VECTORS = Path(__file__).parent.parent / "vectors" / "crypto"
ELECTION = bytes.fromhex("00112233445566778899aabbccddeeff")
OTHER_ELECTION = bytes.fromhex("00112233445566778899aabbccddeef0")


def sample_codes(count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return [generate_code(rng.randbytes) for _ in range(count)]


def test_public_api_is_pinned() -> None:
    assert set(credentials.__all__) == {
        "ALPHABET",
        "CODE_LENGTH",
        "DATA_LENGTH",
        "TAG_CREDENTIAL",
        "IssuedCredential",
        "check_character",
        "check_signature",
        "derive_signing_key",
        "format_code",
        "generate_code",
        "issue_credential",
        "normalise_code",
        "public_credential",
        "sign",
    }


def test_alphabet_has_32_unambiguous_characters() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)


def test_a_generated_code_looks_as_printed() -> None:
    code = generate_code()
    assert len(code) == 29 and code.count("-") == 5
    assert all(len(group) == 4 for group in code.split("-"))
    assert normalise_code(code) == code.replace("-", "")


def test_every_single_substitution_is_caught() -> None:
    for code in sample_codes(40):
        canonical = normalise_code(code)
        for p in range(CODE_LENGTH):
            for c in ALPHABET:
                if c != canonical[p]:
                    with pytest.raises(InvalidCredential, match="probably a typo"):
                        normalise_code(canonical[:p] + c + canonical[p + 1 :])


def test_every_transposition_is_caught() -> None:
    for code in sample_codes(40, seed=2):
        s = normalise_code(code)
        for p in range(CODE_LENGTH):
            for q in range(p + 1, CODE_LENGTH):
                if s[p] != s[q]:
                    swapped = s[:p] + s[q] + s[p + 1 : q] + s[p] + s[q + 1 :]
                    with pytest.raises(InvalidCredential, match="probably a typo"):
                        normalise_code(swapped)


def test_adjacent_transpositions_of_every_pair_of_values_are_caught() -> None:
    """Every pair of values a != b, placed then swapped at every adjacent pair of data positions."""
    base = list(normalise_code(sample_codes(1, seed=3)[0])[:23])
    for p in range(22):
        for a in ALPHABET:
            for b in ALPHABET:
                if a != b:
                    data = [*base[:p], a, b, *base[p + 2 :]]
                    check = check_character("".join(data))
                    data[p], data[p + 1] = b, a
                    with pytest.raises(InvalidCredential, match="probably a typo"):
                        normalise_code("".join(data) + check)


@settings(max_examples=100)
@given(
    st.sampled_from(sample_codes(20, seed=4)),
    st.lists(st.sampled_from(["", " ", "-", "  ", "\t"]), min_size=25, max_size=25),
    st.lists(st.booleans(), min_size=24, max_size=24),
)
def test_normalisation_ignores_case_separators_and_look_alikes(
    code: str, separators: list[str], lower: list[bool]
) -> None:
    canonical = normalise_code(code)
    look = {"0": "O", "1": "I"}
    typed = separators[0]
    for c, sep, low in zip(canonical, separators[1:], lower, strict=True):
        c = look.get(c, c) if low else c
        typed += (c.lower() if low else c) + sep
    assert normalise_code(typed) == canonical
    assert normalise_code(typed.replace("I", "L").replace("i", "l")) == canonical


@pytest.mark.parametrize(
    "typed, message",
    [
        ("", "expected 24 characters .*found 0"),
        ("ABCD-EFGH", "expected 24 characters .*found 8"),
        ("ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2", "found 25"),
        ("ABCD-EFGU-JKMN-PQRS-TVWX-YZ01", "'U' at position 9"),
        ("ABCD_EFGH-JKMN-PQRS-TVWX-YZ01", "'_' at position 5"),
        ("ABCD-EFGH-JKMN-PQRS-TVWX-YZ0é", "'é' at position 29"),
    ],
)
def test_malformed_codes_say_what_is_wrong(typed: str, message: str) -> None:
    with pytest.raises(InvalidCredential, match=message) as caught:
        normalise_code(typed)
    assert str(caught.value).startswith("credential code: ")


def test_check_character_refuses_bad_data() -> None:
    with pytest.raises(InvalidCredential):
        check_character("ABC")
    with pytest.raises(InvalidCredential):
        check_character("U" * 23)


def test_format_code_groups_any_valid_form() -> None:
    code = sample_codes(1)[0]
    assert format_code(code.lower().replace("-", " ")) == code


def test_derivation_is_deterministic_and_per_election() -> None:
    code = sample_codes(1)[0]
    key = derive_signing_key(ELECTION, code)
    assert key == derive_signing_key(ELECTION, code.lower().replace("-", ""))
    assert key != derive_signing_key(OTHER_ELECTION, code)
    assert public_credential(ELECTION, code) == bip340_public_key(key)
    assert public_credential(ELECTION, code) != public_credential(OTHER_ELECTION, code)


@pytest.mark.parametrize("election_id", [b"", b"x" * 256, "a-string"])
def test_a_bad_election_id_is_named(election_id: object) -> None:
    with pytest.raises(EncodingError, match="election_id"):
        derive_signing_key(election_id, sample_codes(1)[0])  # type: ignore[arg-type]


def test_issue_credential_gives_a_matching_pair() -> None:
    issued = issue_credential(ELECTION)
    assert issued.public == public_credential(ELECTION, issued.code)


def test_signatures_verify_and_fail_precisely() -> None:
    code = sample_codes(1)[0]
    key = derive_signing_key(ELECTION, code)
    public = public_credential(ELECTION, code)
    message = bytes(range(32))
    signature = sign(key, message)
    check_signature(public, message, signature)
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    with pytest.raises(InvalidSignature):
        check_signature(public, message, flipped)
    with pytest.raises(InvalidSignature):
        check_signature(public_credential(OTHER_ELECTION, code), message, signature)
    with pytest.raises(InvalidSignature, match="64 bytes"):
        check_signature(public, message, signature[:63])


def test_the_code_reproduces_credential_vectors() -> None:
    path = VECTORS / "make_ceremony_vectors.py"
    spec = importlib.util.spec_from_file_location("make_ceremony_vectors", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stored = json.loads((VECTORS / "credentials.json").read_text(encoding="utf-8"))
    assert module.credential_vectors() == stored


def test_credential_vectors_one_case_at_a_time() -> None:
    v = json.loads((VECTORS / "credentials.json").read_text(encoding="utf-8"))
    election = bytes.fromhex(v["election_id"])
    for case in v["codes"]:
        entropy = bytes.fromhex(case["entropy"])
        assert generate_code(lambda n, e=entropy: e[:n]) == case["code"]  # type: ignore[misc]
        assert normalise_code(case["code"]) == case["normalised"]
        assert derive_signing_key(election, case["code"]).hex() == case["signing_key"]
        assert public_credential(election, case["code"]).hex() == case["public_credential"]
    for case in v["normalisation"]:
        assert normalise_code(case["input"]) == case["normalised"]
    for case in v["invalid"]:
        with pytest.raises(InvalidCredential, match=case["error"]):
            normalise_code(case["input"])
    s = v["signature"]
    public = public_credential(election, s["code"])
    check_signature(public, bytes.fromhex(s["message"]), bytes.fromhex(s["signature"]))
    key = derive_signing_key(election, s["code"])
    assert (
        sign(
            key, bytes.fromhex(s["message"]), aux_randomness=bytes.fromhex(s["aux_randomness"])
        ).hex()
        == s["signature"]
    )
