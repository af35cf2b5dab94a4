"""The record's JSON, as introduced with format v2 and unchanged in v3: every mapping between
in-memory values and JSON (record.md).

Nothing else in Tellers builds or reads record JSON. ``*_to_json`` returns
plain JSON values (serialise with ``canonical.dumps``); ``*_from_json``
validates shape and encodings and raises ``EncodingError`` naming the field
path (``ballot.contests[0].selections[2].proof.c[1]``).
"""

from __future__ import annotations

import re
from typing import Any

from tellers.ballot import (
    AuditedBallot,
    AuditedContest,
    Ballot,
    ContestBallot,
    ContestReveal,
    EncryptedSelection,
    Reveal,
)
from tellers.crypto.elgamal import Ciphertext
from tellers.crypto.group import points_from_hex, scalars_from_hex
from tellers.crypto.proofs import ChaumPedersenProof, RangeProof, SchnorrProof
from tellers.errors import EncodingError
from tellers.ranked.ballot import EncryptedPreference
from tellers.record.v2_fields import (
    _exact_keys,
    _name,
    _scalar,
    bytes_from_hex,
    exact_keys,
    get,
    point_from_json,
)
from tellers.record.v2_manifest import (
    MANIFEST_FORMAT,
    MANIFEST_FORMATS,
    manifest_from_json,
    manifest_to_json,
)

__all__ = [
    "FORMAT",
    "FORMATS",
    "MANIFEST_FORMAT",
    "MANIFEST_FORMATS",
    "audited_from_json",
    "audited_to_json",
    "ballot_from_json",
    "ballot_to_json",
    "bytes_from_hex",
    "ciphertext_from_json",
    "ciphertext_to_json",
    "cp_proof_from_json",
    "cp_proof_to_json",
    "exact_keys",
    "get",
    "manifest_from_json",
    "manifest_to_json",
    "point_from_json",
    "range_proof_from_json",
    "range_proof_to_json",
    "reveal_from_json",
    "reveal_to_json",
    "schnorr_from_json",
    "schnorr_to_json",
]

FORMAT = "tellers-record/v9"
FORMATS = (
    "tellers-record/v3",
    "tellers-record/v4",
    "tellers-record/v5",
    "tellers-record/v6",
    "tellers-record/v7",
    "tellers-record/v8",
    FORMAT,
)
"""What this verifier reads: v9, whose trustees decrypt a ranked contest's mixed rows with
one batched proof each; v8 — a v9 record without such decryptions, whose manifest may give
a ranked contest's tie order; v7 —
a v8 record whose manifest is not v7, its contests perhaps with their nominations logs; v6 —
a v7 record without them; v5 — a v6 record whose manifest is not v5; v4 — a v5 record whose
manifest is not v4; and v3 — a v4 record without the postal channel, under the same rules
(record.md §1.2)."""

Json = Any


# Ciphertexts and proofs ----------------------------------------------------


def ciphertext_to_json(c: Ciphertext) -> Json:
    return {"alpha": c.alpha.hex(), "beta": c.beta.hex()}


def ciphertext_from_json(obj: Json, where: str, *, allow_infinity: bool = False) -> Ciphertext:
    get(obj, "alpha", str, where)
    _exact_keys(obj, {"alpha", "beta"}, where)
    return Ciphertext(
        point_from_json(obj["alpha"], f"{where}.alpha", allow_infinity=allow_infinity),
        point_from_json(
            get(obj, "beta", str, where), f"{where}.beta", allow_infinity=allow_infinity
        ),
    )


def range_proof_to_json(p: RangeProof) -> Json:
    return {"c": [c.hex() for c in p.challenges], "s": [s.hex() for s in p.responses]}


def range_proof_from_json(obj: Json, where: str) -> RangeProof:
    cs, ss = get(obj, "c", list, where), get(obj, "s", list, where)
    _exact_keys(obj, {"c", "s"}, where)
    return RangeProof(
        tuple(_scalar(c, f"{where}.c[{i}]") for i, c in enumerate(cs)),
        tuple(_scalar(s, f"{where}.s[{i}]") for i, s in enumerate(ss)),
    )


def cp_proof_to_json(p: ChaumPedersenProof | SchnorrProof) -> Json:
    return {"c": p.challenge.hex(), "s": p.response.hex()}


def cp_proof_from_json(obj: Json, where: str) -> ChaumPedersenProof:
    _exact_keys(obj, {"c", "s"}, where)
    return ChaumPedersenProof(
        _scalar(get(obj, "c", str, where), f"{where}.c"),
        _scalar(get(obj, "s", str, where), f"{where}.s"),
    )


schnorr_to_json = cp_proof_to_json


def schnorr_from_json(obj: Json, where: str) -> SchnorrProof:
    p = cp_proof_from_json(obj, where)
    return SchnorrProof(p.challenge, p.response)


# Ballots ---------------------------------------------------------------------


def _selection_to_json(s: EncryptedSelection) -> Json:
    return {**ciphertext_to_json(s.ciphertext), "proof": range_proof_to_json(s.proof)}


def _preference_to_json(p: EncryptedPreference) -> Json:
    return {**ciphertext_to_json(p.ciphertext), "proof": schnorr_to_json(p.proof)}


def _preference_from_json(obj: Json, where: str) -> EncryptedPreference:
    proof = schnorr_from_json(get(obj, "proof", dict, where), f"{where}.proof")
    _exact_keys(obj, {"alpha", "beta", "proof"}, where)
    return EncryptedPreference(
        ciphertext_from_json({"alpha": obj.get("alpha"), "beta": obj.get("beta")}, where), proof
    )


def _selection_from_json(obj: Json, where: str) -> EncryptedSelection:
    proof = range_proof_from_json(get(obj, "proof", dict, where), f"{where}.proof")
    _exact_keys(obj, {"alpha", "beta", "proof"}, where)
    return EncryptedSelection(
        ciphertext_from_json({"alpha": obj.get("alpha"), "beta": obj.get("beta")}, where), proof
    )


def ballot_to_json(b: Ballot) -> Json:
    return {
        "election": b.fingerprint.hex(),
        "credential": b.credential.hex(),
        "contests": [
            {
                "id": c.contest_id,
                "selections": [_selection_to_json(s) for s in c.selections],
                "blank": None if c.blank is None else _selection_to_json(c.blank),
                "total": range_proof_to_json(c.total_proof),
            }
            if c.total_proof is not None
            else {
                "id": c.contest_id,
                "preferences": [_preference_to_json(p) for p in c.preferences],
            }
            for c in b.contests
        ],
        "signature": b.signature.hex(),
    }


def ballot_from_json(obj: Json, where: str = "ballot") -> Ballot:
    try:  # a verifier reads every ballot on the board: the well-formed ones in one pass
        return _well_formed_ballot(obj)
    except (_Irregular, EncodingError):
        return _ballot_by_field(obj, where)  # read again to name the field at fault


def _ballot_by_field(obj: Json, where: str) -> Ballot:
    _exact_keys(
        obj if isinstance(obj, dict) else {},
        {"election", "credential", "contests", "signature"},
        where,
    )
    contests = []
    for i, c in enumerate(get(obj, "contests", list, where)):
        w = f"{where}.contests[{i}]"
        if isinstance(c, dict) and "preferences" in c:  # a ranked contest (record.md §4.1)
            _exact_keys(c, set(_RANKED_KEYS), w)
            preferences = tuple(
                _preference_from_json(p, f"{w}.preferences[{j}]")
                for j, p in enumerate(get(c, "preferences", list, w))
            )
            contests.append(ContestBallot(get(c, "id", str, w), (), None, None, preferences))
            continue
        _exact_keys(c if isinstance(c, dict) else {}, {"id", "selections", "blank", "total"}, w)
        blank = get(c, "blank", (dict, type(None)), w)
        contests.append(
            ContestBallot(
                get(c, "id", str, w),
                tuple(
                    _selection_from_json(s, f"{w}.selections[{j}]")
                    for j, s in enumerate(get(c, "selections", list, w))
                ),
                None if blank is None else _selection_from_json(blank, f"{w}.blank"),
                range_proof_from_json(get(c, "total", dict, w), f"{w}.total"),
            )
        )
    return Ballot(
        bytes_from_hex(get(obj, "election", str, where), 32, f"{where}.election"),
        bytes_from_hex(get(obj, "credential", str, where), 32, f"{where}.credential"),
        tuple(contests),
        bytes_from_hex(get(obj, "signature", str, where), 64, f"{where}.signature"),
    )


# A ballot read in one pass, without the field paths: only when every field is of exactly its
# JSON type and form. Anything else raises, and ballot_from_json reads it again by the path
# that names the field at fault, so both accept the same ballots and read them alike.
_BALLOT_KEYS = frozenset({"election", "credential", "contests", "signature"})
_CONTEST_KEYS = frozenset({"id", "selections", "blank", "total"})
_RANKED_KEYS = frozenset({"id", "preferences"})
_SELECTION_KEYS = frozenset({"alpha", "beta", "proof"})
_PROOF_KEYS = frozenset({"c", "s"})
_HEX_32 = re.compile("[0-9a-f]{64}")
_HEX_64 = re.compile("[0-9a-f]{128}")


class _Irregular(Exception):
    """Not a well-formed ballot: read it the slow way."""


def _well_formed_ballot(obj: Json) -> Ballot:
    if type(obj) is not dict or obj.keys() != _BALLOT_KEYS:
        raise _Irregular
    election, credential, signature = obj["election"], obj["credential"], obj["signature"]
    contests = obj["contests"]
    if (
        type(election) is not str
        or type(credential) is not str
        or type(signature) is not str
        or type(contests) is not list
        or not _HEX_32.fullmatch(election)
        or not _HEX_32.fullmatch(credential)
        or not _HEX_64.fullmatch(signature)
    ):
        raise _Irregular
    read = []
    for contest in contests:
        if type(contest) is dict and contest.keys() == _RANKED_KEYS:
            read.append(_well_formed_ranked(contest))
            continue
        if type(contest) is not dict or contest.keys() != _CONTEST_KEYS:
            raise _Irregular
        contest_id, selections, blank = contest["id"], contest["selections"], contest["blank"]
        if type(contest_id) is not str or type(selections) is not list:
            raise _Irregular
        read.append(
            ContestBallot(
                contest_id,
                tuple([_well_formed_selection(s) for s in selections]),
                None if blank is None else _well_formed_selection(blank),
                _well_formed_proof(contest["total"]),
            )
        )
    return Ballot(
        bytes.fromhex(election), bytes.fromhex(credential), tuple(read), bytes.fromhex(signature)
    )


def _well_formed_ranked(obj: Json) -> ContestBallot:
    contest_id, preferences = obj["id"], obj["preferences"]
    if type(contest_id) is not str or type(preferences) is not list:
        raise _Irregular
    row = []
    for p in preferences:
        if type(p) is not dict or p.keys() != _SELECTION_KEYS:
            raise _Irregular
        proof = p["proof"]
        if type(proof) is not dict or proof.keys() != _PROOF_KEYS:
            raise _Irregular
        alpha, beta = points_from_hex(p["alpha"], p["beta"])
        c, s = scalars_from_hex([proof["c"], proof["s"]])
        row.append(EncryptedPreference(Ciphertext(alpha, beta), SchnorrProof(c, s)))
    return ContestBallot(contest_id, (), None, None, tuple(row))


def _well_formed_selection(obj: Json) -> EncryptedSelection:
    if type(obj) is not dict or obj.keys() != _SELECTION_KEYS:
        raise _Irregular
    alpha, beta = points_from_hex(obj["alpha"], obj["beta"])
    return EncryptedSelection(Ciphertext(alpha, beta), _well_formed_proof(obj["proof"]))


def _well_formed_proof(obj: Json) -> RangeProof:
    if type(obj) is not dict or obj.keys() != _PROOF_KEYS:
        raise _Irregular
    challenges, responses = obj["c"], obj["s"]
    if type(challenges) is not list or type(responses) is not list:
        raise _Irregular
    return RangeProof(scalars_from_hex(challenges), scalars_from_hex(responses))


def reveal_to_json(r: Reveal) -> Json:
    return [
        {
            "id": c.contest_id,
            "choices": list(c.choices),
            "blank": c.blank,
            "randomness": [x.hex() for x in c.randomness],
        }
        for c in r.contests
    ]


def reveal_from_json(obj: Json, where: str = "reveal") -> Reveal:
    if not isinstance(obj, list):
        raise EncodingError(where, f"expected a list, found {_name(obj)}")
    contests = []
    for i, c in enumerate(obj):
        w = f"{where}[{i}]"
        _exact_keys(c if isinstance(c, dict) else {}, {"id", "choices", "blank", "randomness"}, w)
        choices = get(c, "choices", list, w)
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in choices):
            raise EncodingError(f"{w}.choices", "expected a list of integers")
        contests.append(
            ContestReveal(
                get(c, "id", str, w),
                tuple(choices),
                get(c, "blank", int, w),
                tuple(
                    _scalar(x, f"{w}.randomness[{j}]")
                    for j, x in enumerate(get(c, "randomness", list, w))
                ),
            )
        )
    return Reveal(tuple(contests))


def audited_to_json(a: AuditedBallot) -> Json:
    """The ``contests`` of a ``ballot-audited`` event: ciphertexts only (record.md §4.4)."""
    return [
        {
            "id": c.contest_id,
            "selections": [ciphertext_to_json(x) for x in c.selections],
            "blank": None if c.blank is None else ciphertext_to_json(c.blank),
        }
        for c in a.contests
    ]


def audited_from_json(obj: Json, where: str = "contests") -> AuditedBallot:
    if not isinstance(obj, list):
        raise EncodingError(where, f"expected a list, found {_name(obj)}")
    contests = []
    for i, c in enumerate(obj):
        w = f"{where}[{i}]"
        exact_keys(c, {"id", "selections", "blank"}, w)
        blank = get(c, "blank", (dict, type(None)), w)
        contests.append(
            AuditedContest(
                get(c, "id", str, w),
                tuple(
                    ciphertext_from_json(x, f"{w}.selections[{j}]")
                    for j, x in enumerate(get(c, "selections", list, w))
                ),
                None if blank is None else ciphertext_from_json(blank, f"{w}.blank"),
            )
        )
    return AuditedBallot(tuple(contests))
