"""Record format ``v2``: every mapping between in-memory values and JSON (record.md).

Nothing else in Tellers builds or reads record JSON. ``*_to_json`` returns
plain JSON values (serialise with ``canonical.dumps``); ``*_from_json``
validates shape and encodings and raises ``EncodingError`` naming the field
path (``ballot.contests[0].selections[2].proof.c[1]``).
"""

from __future__ import annotations

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
from tellers.crypto.group import Point, Scalar
from tellers.crypto.proofs import ChaumPedersenProof, RangeProof, SchnorrProof
from tellers.election.manifest import Choice, Contest, Manifest, Thresholds
from tellers.errors import EncodingError, ManifestError

__all__ = [
    "FORMAT",
    "MANIFEST_FORMAT",
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

FORMAT = "tellers-record/v2"
MANIFEST_FORMAT = "tellers-manifest/v2"

Json = Any


def get(obj: Json, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """``obj[key]`` checked to be of ``kind``; errors name ``where.key``."""
    if not isinstance(obj, dict):
        raise EncodingError(where, f"expected an object, found {_name(obj)}")
    if key not in obj:
        raise EncodingError(f"{where}.{key}", "missing")
    value = obj[key]
    # bool is an int in Python; never accept one for the other.
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise EncodingError(f"{where}.{key}", "expected a number, found a boolean")
    if not isinstance(value, kind):
        raise EncodingError(f"{where}.{key}", f"expected {_kind(kind)}, found {_name(value)}")
    return value


def _kind(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(_name(k()) if k is not type(None) else "null" for k in kinds)


def _name(value: object) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        int: "an integer",
        bool: "a boolean",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _exact_keys(obj: Json, keys: set[str], where: str) -> None:
    extra = set(obj) - keys
    if extra:
        raise EncodingError(where, f"unexpected field(s) {sorted(extra)}")


def exact_keys(obj: Json, keys: set[str] | frozenset[str], where: str) -> dict[str, Any]:
    """``obj`` with exactly ``keys``; ``EncodingError`` naming the extra or missing ones."""
    if not isinstance(obj, dict):
        raise EncodingError(where, f"expected an object, found {_name(obj)}")
    extra, missing = set(obj) - set(keys), set(keys) - set(obj)
    if extra:
        raise EncodingError(where, f"unexpected field(s) {sorted(extra)}")
    if missing:
        raise EncodingError(where, f"missing field(s) {sorted(missing)}")
    return obj


def bytes_from_hex(text: Json, size: int, where: str) -> bytes:
    if not isinstance(text, str):
        raise EncodingError(where, f"expected a hex string, found {_name(text)}")
    if len(text) != 2 * size or text != text.lower():
        raise EncodingError(where, f"expected {2 * size} lower-case hex digits, found {len(text)}")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise EncodingError(where, "not hexadecimal") from None


def point_from_json(text: Json, where: str, *, allow_infinity: bool = False) -> Point:
    if not isinstance(text, str):
        raise EncodingError(where, f"expected a hex string, found {_name(text)}")
    return Point.from_hex(text, where, allow_infinity=allow_infinity)


def _scalar(text: Json, where: str) -> Scalar:
    if not isinstance(text, str):
        raise EncodingError(where, f"expected a hex string, found {_name(text)}")
    return Scalar.from_hex(text, where)


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
            for c in b.contests
        ],
        "signature": b.signature.hex(),
    }


def ballot_from_json(obj: Json, where: str = "ballot") -> Ballot:
    _exact_keys(
        obj if isinstance(obj, dict) else {},
        {"election", "credential", "contests", "signature"},
        where,
    )
    contests = []
    for i, c in enumerate(get(obj, "contests", list, where)):
        w = f"{where}.contests[{i}]"
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


# Manifest --------------------------------------------------------------------


def manifest_to_json(m: Manifest) -> Json:
    return {
        "format": MANIFEST_FORMAT,
        "election_id": m.election_id,
        "title": m.title,
        "organisation": m.organisation,
        "scrutineer": m.scrutineer,
        "opens": m.opens,
        "closes": m.closes,
        "revote": m.revote,
        "trustees": {"count": m.trustees, "quorum": m.quorum},
        "constituencies": list(m.constituencies),
        "contests": [_contest_to_json(c) for c in m.contests],
        "public_board": m.public_board,
    }


def _contest_to_json(c: Contest) -> Json:
    return {
        "id": c.id,
        "title": c.title,
        "method": c.method,
        "seats": c.seats,
        "allow_blank": c.allow_blank,
        "constituencies": None if c.constituencies is None else list(c.constituencies),
        "statement": c.statement,
        "choices": [{"id": x.id, "name": x.name, "address": x.address} for x in c.choices],
        "thresholds": None
        if c.thresholds is None
        else {
            "turnout_percent": c.thresholds.turnout_percent,
            "yes_majority": c.thresholds.yes_majority,
            "yes_percent_of_entitled": c.thresholds.yes_percent_of_entitled,
        },
    }


def manifest_from_json(obj: Json, where: str = "manifest") -> Manifest:
    """Read a manifest; shape errors raise ``EncodingError``, rule errors ``ManifestError``."""
    fmt = get(obj, "format", str, where)
    if fmt != MANIFEST_FORMAT:
        hint = ' (add "public_board" and change the format)' if fmt == "tellers-manifest/v1" else ""
        raise EncodingError(f"{where}.format", f"expected {MANIFEST_FORMAT!r}, found {fmt!r}{hint}")
    _exact_keys(obj, _MANIFEST_KEYS, where)
    trustees = get(obj, "trustees", dict, where)
    _exact_keys(trustees, {"count", "quorum"}, f"{where}.trustees")
    try:
        return Manifest(
            election_id=get(obj, "election_id", str, where),
            title=get(obj, "title", str, where),
            organisation=get(obj, "organisation", str, where),
            scrutineer=get(obj, "scrutineer", str, where),
            opens=get(obj, "opens", str, where),
            closes=get(obj, "closes", str, where),
            revote=get(obj, "revote", str, where),
            public_board=_optional(obj, "public_board", str, "live", where),
            trustees=get(trustees, "count", int, f"{where}.trustees"),
            quorum=get(trustees, "quorum", int, f"{where}.trustees"),
            constituencies=_strings(obj, "constituencies", where),
            contests=tuple(
                _contest_from_json(c, f"{where}.contests[{i}]")
                for i, c in enumerate(get(obj, "contests", list, where))
            ),
        )
    except ManifestError as exc:
        raise ManifestError(f"{where}: {exc}") from None


_MANIFEST_KEYS = {
    "format",
    "election_id",
    "title",
    "organisation",
    "scrutineer",
    "opens",
    "closes",
    "revote",
    "trustees",
    "constituencies",
    "contests",
    "public_board",
}
_CONTEST_KEYS = {
    "id",
    "title",
    "method",
    "seats",
    "allow_blank",
    "constituencies",
    "statement",
    "choices",
    "thresholds",
}


def _strings(obj: Json, key: str, where: str) -> tuple[str, ...]:
    items = get(obj, key, list, where)
    for i, x in enumerate(items):
        if not isinstance(x, str):
            raise EncodingError(f"{where}.{key}[{i}]", f"expected a string, found {_name(x)}")
    return tuple(items)


def _optional(obj: Json, key: str, kind: type, default: Any, where: str) -> Any:
    """``obj[key]`` checked like ``get``, or ``default`` when absent or null."""
    return default if obj.get(key) is None else get(obj, key, kind, where)


def _contest_from_json(obj: Json, where: str) -> Contest:
    if not isinstance(obj, dict):
        raise EncodingError(where, f"expected an object, found {_name(obj)}")
    _exact_keys(obj, _CONTEST_KEYS, where)
    for i, x in enumerate(get(obj, "choices", list, where)):
        _exact_keys(
            x if isinstance(x, dict) else {}, {"id", "name", "address"}, f"{where}.choices[{i}]"
        )
    t = get(obj, "thresholds", (dict, type(None)), where) if "thresholds" in obj else None
    constituencies = None
    if obj.get("constituencies") is not None:
        constituencies = _strings(obj, "constituencies", where)
    choices = tuple(
        Choice(
            get(x, "id", str, f"{where}.choices[{i}]"),
            get(x, "name", str, f"{where}.choices[{i}]"),
            _optional(x, "address", str, "", f"{where}.choices[{i}]"),
        )
        for i, x in enumerate(get(obj, "choices", list, where))
    )
    return Contest(
        id=get(obj, "id", str, where),
        title=get(obj, "title", str, where),
        method=get(obj, "method", str, where),
        choices=choices,
        seats=get(obj, "seats", int, where) if "seats" in obj else 1,
        allow_blank=get(obj, "allow_blank", bool, where) if "allow_blank" in obj else True,
        constituencies=constituencies,
        thresholds=None if t is None else _thresholds_from_json(t, f"{where}.thresholds"),
        statement=get(obj, "statement", str, where) if "statement" in obj else "",
    )


def _thresholds_from_json(obj: Json, where: str) -> Thresholds:
    _exact_keys(obj, {"turnout_percent", "yes_majority", "yes_percent_of_entitled"}, where)
    return Thresholds(
        turnout_percent=_optional(obj, "turnout_percent", int, None, where),
        yes_majority=_optional(obj, "yes_majority", bool, True, where),
        yes_percent_of_entitled=_optional(obj, "yes_percent_of_entitled", int, None, where),
    )
