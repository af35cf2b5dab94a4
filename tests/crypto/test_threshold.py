"""The k-of-n key ceremony and threshold decryption (docs/spec/ceremony.md)."""

from __future__ import annotations

import dataclasses
import importlib.util
import itertools
import json
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.public import PublicKey, SealedBox

from tellers.crypto import ceremony_messages
from tellers.crypto.ceremony_messages import (
    CeremonyKey,
    DecryptionShare,
    EncryptedShare,
    TrusteeCommitment,
    TrusteeKey,
    TrusteePolynomial,
)
from tellers.crypto.elgamal import Ciphertext, encrypt
from tellers.crypto.group import Point, Scalar
from tellers.crypto.hashing import int_field
from tellers.crypto.proofs import ChaumPedersenProof, SchnorrProof, check_key
from tellers.crypto.threshold import (
    check_commitment,
    check_decryption_share_of,
    check_decryption_shares,
    check_share,
    combine_shares,
    commit,
    decryption_shares,
    joint_public_key,
    lagrange_coefficient,
    make_shares,
    new_ceremony_key,
    new_polynomial,
    open_share,
    receive_shares,
    threshold_decrypt,
    verification_key,
)
from tellers.errors import EncodingError, InvalidProof, InvalidShare

FP = bytes(range(32))
OTHER_FP = bytes(range(1, 33))
VECTORS = Path(__file__).parent.parent / "vectors" / "crypto"


@dataclasses.dataclass
class Ceremony:
    quorum: int
    keys: list[CeremonyKey]
    polynomials: list[TrusteePolynomial]
    commitments: list[TrusteeCommitment]
    shares: list[tuple[EncryptedShare, ...]]  # shares[i - 1][l - 1]: from i to l

    def inbox(self, l: int) -> list[EncryptedShare]:  # noqa: E741
        return [sent[l - 1] for sent in self.shares]

    def receive(self, l: int) -> TrusteeKey:  # noqa: E741
        return receive_shares(
            FP,
            self.keys[l - 1],
            self.commitments,
            self.inbox(l),
            quorum=self.quorum,
            trustees=len(self.keys),
        )


def run_ceremony(k: int, n: int) -> Ceremony:
    keys = [new_ceremony_key(i) for i in range(1, n + 1)]
    polys = [new_polynomial(i, k) for i in range(1, n + 1)]
    commitments = [commit(FP, p) for p in polys]
    shares = [make_shares(FP, p, keys)[0] for p in polys]
    return Ceremony(k, keys, polys, commitments, shares)


@pytest.fixture(scope="module")
def two_of_three() -> tuple[Ceremony, list[TrusteeKey]]:
    ceremony = run_ceremony(2, 3)
    return ceremony, [ceremony.receive(t) for t in (1, 2, 3)]


def test_ceremony_messages_export_what_they_name() -> None:
    # threshold's own __all__ is pinned with the rest in tests/test_public_api.py.
    assert all(hasattr(ceremony_messages, name) for name in ceremony_messages.__all__)


@settings(max_examples=12, deadline=None)
@given(
    st.integers(1, 5).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))),
    st.lists(st.integers(0, 1000), min_size=1, max_size=4),
)
def test_any_k_trustees_decrypt_and_k_minus_1_cannot(
    kn: tuple[int, int], messages: list[int]
) -> None:
    k, n = kn
    ceremony = run_ceremony(k, n)
    keys = [ceremony.receive(t) for t in range(1, n + 1)]
    h = joint_public_key(ceremony.commitments)
    assert h == Point.base_times(sum((p.coefficients[0] for p in ceremony.polynomials), Scalar(0)))
    for key in keys:
        assert key.public == verification_key(key.trustee, ceremony.commitments)
    ciphertexts = [encrypt(h, m, Scalar.random()) for m in messages]
    shares = {key.trustee: decryption_shares(FP, key, ciphertexts) for key in keys}
    for batch in shares.values():
        check_decryption_shares(FP, ceremony.commitments, ciphertexts, batch)
    for subset in itertools.combinations(range(1, n + 1), k):
        assert threshold_decrypt(ciphertexts, [shares[t] for t in subset], 1000) == messages
    if k > 1:
        few = list(range(1, k))
        points = combine_shares(ciphertexts, [shares[t] for t in few])
        for point, m in zip(points, messages, strict=True):
            assert point != Point.base_times(Scalar(m))


def test_more_than_k_trustees_also_decrypt(two_of_three: tuple[Ceremony, list[TrusteeKey]]) -> None:
    ceremony, keys = two_of_three
    ciphertexts = [encrypt(joint_public_key(ceremony.commitments), 7, Scalar.random())]
    shares = [decryption_shares(FP, key, ciphertexts) for key in keys]
    assert threshold_decrypt(ciphertexts, shares, 10) == [7]


@settings(max_examples=25)
@given(st.lists(st.integers(1, 2**64), min_size=1, max_size=6), st.integers(1, 6))
def test_lagrange_interpolates_at_zero(coefficients: list[int], extra: int) -> None:
    poly = TrusteePolynomial(1, tuple(Scalar(a) for a in coefficients))
    indices = list(range(extra, extra + len(coefficients)))
    total = sum((lagrange_coefficient(t, indices) * poly.at(t) for t in indices), Scalar(0))
    assert total == Scalar(coefficients[0])


def test_lagrange_refuses_a_trustee_outside_the_set() -> None:
    with pytest.raises(EncodingError):
        lagrange_coefficient(2, [1, 3])
    with pytest.raises(EncodingError):
        lagrange_coefficient(1, [1, 1, 3])


# A cheating trustee is named. ----------------------------------------------------------


def _reseal(
    share: EncryptedShare, key: CeremonyKey, value: Scalar, fp: bytes = FP
) -> EncryptedShare:
    body = fp + int_field(share.sender) + int_field(share.recipient) + value.to_bytes()
    return dataclasses.replace(share, sealed=bytes(SealedBox(PublicKey(key.public)).encrypt(body)))


def test_a_corrupted_share_names_its_sender(
    two_of_three: tuple[Ceremony, list[TrusteeKey]],
) -> None:
    ceremony, _ = two_of_three
    inbox = ceremony.inbox(3)
    good = open_share(FP, inbox[1], ceremony.keys[2])
    inbox[1] = _reseal(inbox[1], ceremony.keys[2], good + 1)
    with pytest.raises(InvalidShare) as caught:
        receive_shares(FP, ceremony.keys[2], ceremony.commitments, inbox, quorum=2, trustees=3)
    assert caught.value.sender == 2
    assert "does not match the commitments" in str(caught.value)


def test_check_share_judges_a_complaint_in_public(
    two_of_three: tuple[Ceremony, list[TrusteeKey]],
) -> None:
    ceremony, _ = two_of_three
    commitment = ceremony.commitments[0]
    check_share(commitment, 2, ceremony.polynomials[0].at(2))
    with pytest.raises(InvalidShare) as caught:
        check_share(commitment, 2, ceremony.polynomials[0].at(3))
    assert caught.value.sender == 1


def test_a_share_sealed_to_the_wrong_trustee_names_its_sender(
    two_of_three: tuple[Ceremony, list[TrusteeKey]],
) -> None:
    ceremony, _ = two_of_three
    inbox = ceremony.inbox(2)
    inbox[0] = _reseal(inbox[0], ceremony.keys[2], ceremony.polynomials[0].at(2))  # to 3's key
    with pytest.raises(InvalidShare) as caught:
        receive_shares(FP, ceremony.keys[1], ceremony.commitments, inbox, quorum=2, trustees=3)
    assert caught.value.sender == 1
    assert "does not decrypt" in str(caught.value)


@pytest.mark.parametrize(
    "tamper, message",
    [
        (lambda s, c: dataclasses.replace(s, recipient=3), "addressed to trustee 3"),
        (lambda s, c: _reseal(s, c.keys[1], c.polynomials[0].at(2), OTHER_FP), "labelled"),
        (lambda s, c: dataclasses.replace(s, sealed=s.sealed[:-1]), "does not decrypt"),
    ],
)
def test_a_mislabelled_share_names_its_sender(
    two_of_three: tuple[Ceremony, list[TrusteeKey]], tamper: object, message: str
) -> None:
    ceremony, _ = two_of_three
    inbox = ceremony.inbox(2)
    inbox[0] = tamper(inbox[0], ceremony)  # type: ignore[operator]
    with pytest.raises(InvalidShare, match=message) as caught:
        receive_shares(FP, ceremony.keys[1], ceremony.commitments, inbox, quorum=2, trustees=3)
    assert caught.value.sender == 1


def test_missing_and_duplicate_shares_name_the_sender(
    two_of_three: tuple[Ceremony, list[TrusteeKey]],
) -> None:
    ceremony, _ = two_of_three
    inbox = ceremony.inbox(1)
    for broken, text in ((inbox[:2], "sent no share"), ([*inbox, inbox[2]], "more than one")):
        with pytest.raises(InvalidShare, match=text) as caught:
            receive_shares(FP, ceremony.keys[0], ceremony.commitments, broken, quorum=2, trustees=3)
        assert caught.value.sender == 3


def _bad_proof(c: TrusteeCommitment) -> TrusteeCommitment:
    p = c.proofs[0]
    return dataclasses.replace(c, proofs=(SchnorrProof(p.challenge, p.response + 1), *c.proofs[1:]))


@pytest.mark.parametrize(
    "tamper, message",
    [
        (_bad_proof, "C_2,0: key proof"),
        (lambda c: dataclasses.replace(c, proofs=(c.proofs[1], c.proofs[0])), "key proof"),
        (
            lambda c: dataclasses.replace(c, coefficients=c.coefficients[:1], proofs=c.proofs[:1]),
            "expected 2 commitments",
        ),
        (lambda c: dataclasses.replace(c, proofs=c.proofs[:1]), "and 1 proofs"),
        (
            lambda c: dataclasses.replace(
                c,
                coefficients=(*c.coefficients, c.coefficients[0]),
                proofs=(*c.proofs, c.proofs[0]),
            ),
            "found 3 commitments",
        ),
    ],
)
def test_a_bad_commitment_names_its_sender(
    two_of_three: tuple[Ceremony, list[TrusteeKey]], tamper: object, message: str
) -> None:
    ceremony, _ = two_of_three
    commitments = list(ceremony.commitments)
    commitments[1] = tamper(commitments[1])  # type: ignore[operator]
    with pytest.raises(InvalidShare, match=message) as caught:
        receive_shares(FP, ceremony.keys[0], commitments, ceremony.inbox(1), quorum=2, trustees=3)
    assert caught.value.sender == 2


def test_commitment_proofs_are_bound_to_the_fingerprint_and_trustee(
    two_of_three: tuple[Ceremony, list[TrusteeKey]],
) -> None:
    ceremony, _ = two_of_three
    commitment = ceremony.commitments[0]
    check_commitment(FP, commitment, 2, 3)
    with pytest.raises(InvalidShare):
        check_commitment(OTHER_FP, commitment, 2, 3)
    with pytest.raises(InvalidShare) as caught:
        check_commitment(FP, dataclasses.replace(commitment, trustee=2), 2, 3)
    assert caught.value.sender == 2
    with pytest.raises(InvalidShare, match="index"):
        check_commitment(FP, dataclasses.replace(commitment, trustee=4), 2, 3)


# Decryption shares. ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def tally(
    two_of_three: tuple[Ceremony, list[TrusteeKey]],
) -> tuple[Ceremony, list[Ciphertext], tuple[DecryptionShare, ...]]:
    ceremony, keys = two_of_three
    h = joint_public_key(ceremony.commitments)
    ciphertexts = [encrypt(h, m, Scalar.random()) for m in (3, 0, 11)]
    return ceremony, ciphertexts, decryption_shares(FP, keys[2], ciphertexts)


def _mutations(share: DecryptionShare) -> list[DecryptionShare]:
    p = share.proof
    g = Point.generator()
    return [
        dataclasses.replace(share, share=share.share + g),
        dataclasses.replace(share, proof=ChaumPedersenProof(p.challenge + 1, p.response)),
        dataclasses.replace(share, proof=ChaumPedersenProof(p.challenge, p.response + 1)),
        dataclasses.replace(share, trustee=2),
    ]


def test_decryption_proofs_fail_when_one_field_changes(
    tally: tuple[Ceremony, list[Ciphertext], tuple[DecryptionShare, ...]],
) -> None:
    ceremony, ciphertexts, shares = tally
    check_decryption_shares(FP, ceremony.commitments, ciphertexts, shares)
    public = verification_key(3, ceremony.commitments)
    for bad in _mutations(shares[1]):
        with pytest.raises(InvalidProof):
            check_decryption_share_of(FP, public, ciphertexts[1], bad)
        with pytest.raises(InvalidProof, match=r"ciphertext 1|decryption share 1"):
            check_decryption_shares(
                FP, ceremony.commitments, ciphertexts, [shares[0], bad, shares[2]]
            )


def test_decryption_proofs_fail_under_another_fingerprint_or_ciphertext(
    tally: tuple[Ceremony, list[Ciphertext], tuple[DecryptionShare, ...]],
) -> None:
    ceremony, ciphertexts, shares = tally
    with pytest.raises(InvalidProof, match="trustee 3, ciphertext 0"):
        check_decryption_shares(OTHER_FP, ceremony.commitments, ciphertexts, shares)
    with pytest.raises(InvalidProof):
        check_decryption_shares(FP, ceremony.commitments, ciphertexts[::-1], shares)
    with pytest.raises(InvalidProof, match="expected 3"):
        check_decryption_shares(FP, ceremony.commitments, ciphertexts, shares[:2])


def test_a_wrong_decryption_share_is_refused(
    two_of_three: tuple[Ceremony, list[TrusteeKey]],
    tally: tuple[Ceremony, list[Ciphertext], tuple[DecryptionShare, ...]],
) -> None:
    ceremony, ciphertexts, _ = tally
    honest = two_of_three[1][2]
    liar = TrusteeKey(3, honest.secret + 1, Point.base_times(honest.secret + 1))
    wrong = decryption_shares(FP, liar, ciphertexts)  # a valid proof, for the wrong key
    with pytest.raises(InvalidProof):
        check_decryption_shares(FP, ceremony.commitments, ciphertexts, wrong)


def test_combine_refuses_inconsistent_batches(
    tally: tuple[Ceremony, list[Ciphertext], tuple[DecryptionShare, ...]],
) -> None:
    _, ciphertexts, shares = tally
    with pytest.raises(EncodingError, match="twice"):
        combine_shares(ciphertexts, [shares, shares])
    with pytest.raises(EncodingError, match="expected 3"):
        combine_shares(ciphertexts, [shares[:2]])


# Vectors. -------------------------------------------------------------------------------


def _generator() -> ModuleType:
    path = VECTORS / "make_ceremony_vectors.py"
    spec = importlib.util.spec_from_file_location("make_ceremony_vectors", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_code_reproduces_ceremony_vectors() -> None:
    stored = json.loads((VECTORS / "ceremony.json").read_text(encoding="utf-8"))
    assert _generator().ceremony_vectors() == stored


def test_ceremony_vectors_check_from_the_published_data_alone() -> None:
    v = json.loads((VECTORS / "ceremony.json").read_text(encoding="utf-8"))
    fp = bytes.fromhex(v["fingerprint"])
    commitments = [
        TrusteeCommitment(
            t["trustee"],
            tuple(Point.from_hex(c) for c in t["commitments"]),
            tuple(
                SchnorrProof(Scalar.from_hex(p["challenge"]), Scalar.from_hex(p["response"]))
                for p in t["proofs"]
            ),
        )
        for t in v["trustee"]
    ]
    for c in commitments:
        check_commitment(fp, c, v["quorum"], v["trustees"])
        check_key(
            fp,
            c.coefficients[0],
            c.proofs[0],
            context=b"trustee" + int_field(c.trustee) + int_field(0),
        )
    for t, c in zip(v["trustee"], commitments, strict=True):
        for recipient, s in t["shares"].items():
            check_share(c, int(recipient), Scalar.from_hex(s))
    assert joint_public_key(commitments).hex() == v["joint_public_key"]
    for trustee, x in v["verification_keys"].items():
        assert verification_key(int(trustee), commitments).hex() == x
        assert Point.base_times(Scalar.from_hex(v["secret_shares"][trustee])).hex() == x
    ct = Ciphertext(
        Point.from_hex(v["ciphertext"]["alpha"]), Point.from_hex(v["ciphertext"]["beta"])
    )
    shares = [
        DecryptionShare(
            d["trustee"],
            Point.from_hex(d["share"]),
            ChaumPedersenProof(Scalar.from_hex(d["challenge"]), Scalar.from_hex(d["response"])),
        )
        for d in v["decryption_shares"]
    ]
    for d in shares:
        check_decryption_shares(fp, commitments, [ct], [d])
    assert threshold_decrypt([ct], [[d] for d in shares], 100) == [v["plaintext"]]
    assert combine_shares([ct], [[d] for d in shares])[0].hex() == v["plaintext_point"]
