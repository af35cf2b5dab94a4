"""Record format ``v2``: a trustee's signed shuffle of a ranked contest's rows, and its
decryption of the mixed rows, as JSON (record.md §6.4; ranked.md §4–§5).

Both are the bodies of board events (``mix``, ``mix-decryption``) and are signed by the
trustee with the key it announced in the ceremony (``tellers.parties.sign_object``).
Reading checks every field's presence, type and encoding and names the field at fault;
the proofs, the signature and the chain are the verifier's (``tellers.verify.mix``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from tellers import canonical
from tellers.crypto.group import Point
from tellers.crypto.packed import PackedRows
from tellers.errors import EncodingError
from tellers.ranked.decrypt import RowShares
from tellers.ranked.mix import MixStep
from tellers.record.v2 import cp_proof_from_json, cp_proof_to_json
from tellers.record.v2_fields import bytes_from_hex, exact_keys, get
from tellers.record.v2_shuffle import (
    rows_from_canonical,
    rows_from_json,
    rows_to_json,
    shuffle_proof_from_json,
    shuffle_proof_to_json,
)

__all__ = [
    "MIX",
    "MIX_DECRYPTION",
    "MIX_LINE_END",
    "MixBody",
    "MixDecryption",
    "MixMessage",
    "mix_decryption_from_json",
    "mix_decryption_to_json",
    "mix_event_from_line",
    "mix_from_json",
    "mix_to_json",
]

Json = Any

MIX = "tellers/trustee-mix/v1"
MIX_DECRYPTION = "tellers/trustee-mix-decryption/v2"
_MIX_KEYS = frozenset(
    {"format", "election_id", "fingerprint", "contest", "trustee", "position", "input"}
    | {"rows", "proof", "signature"}
)
_DECRYPTION_KEYS = frozenset(
    {"format", "election_id", "fingerprint", "contest", "trustee", "mix", "shares", "proof"}
    | {"signature"}
)


@dataclass(frozen=True, slots=True)
class MixMessage:
    """A ``mix`` event's body, read."""

    election_id: str
    fingerprint: bytes
    contest: str
    input: bytes
    """The event hash of the line whose rows this shuffle takes: the tally's for position 1,
    else the contest's mix at position − 1."""
    step: MixStep


@dataclass(frozen=True, slots=True)
class MixDecryption:
    """A ``mix-decryption`` event's body, read."""

    election_id: str
    fingerprint: bytes
    contest: str
    trustee: int
    mix: bytes
    """The event hash of the contest's last ``mix`` line, whose rows these shares decrypt."""
    shares: RowShares
    """A share per ciphertext of the mixed rows, row-major, and the batch's proof
    (ranked.md §5)."""


def mix_to_json(
    election_id: str, fingerprint: bytes, contest: str, input_hash: bytes, step: MixStep
) -> Json:
    """The unsigned message of ``step`` (the trustee signs it)."""
    return {
        "format": MIX,
        "election_id": election_id,
        "fingerprint": fingerprint.hex(),
        "contest": contest,
        "trustee": step.trustee,
        "position": step.position,
        "input": input_hash.hex(),
        "rows": rows_to_json(step.rows),
        "proof": shuffle_proof_to_json(step.proof),
    }


def mix_from_json(obj: Json, where: str = "mix") -> MixMessage:
    """The message of a ``mix`` body: its ``rows`` read from the JSON, or, for a body that
    ``mix_event_from_line`` read, the rows it read from the line's bytes."""
    exact_keys(obj, _MIX_KEYS, where)
    _format(obj, MIX, where)
    bytes_from_hex(get(obj, "signature", str, where), 64, f"{where}.signature")
    rows = obj.rows if isinstance(obj, MixBody) else None
    step = MixStep(
        get(obj, "trustee", int, where),
        get(obj, "position", int, where),
        rows or rows_from_json(get(obj, "rows", list, where), f"{where}.rows"),
        shuffle_proof_from_json(get(obj, "proof", dict, where), f"{where}.proof"),
    )
    return MixMessage(
        get(obj, "election_id", str, where),
        bytes_from_hex(get(obj, "fingerprint", str, where), 32, f"{where}.fingerprint"),
        get(obj, "contest", str, where),
        bytes_from_hex(get(obj, "input", str, where), 32, f"{where}.input"),
        step,
    )


def mix_decryption_to_json(
    election_id: str,
    fingerprint: bytes,
    contest: str,
    trustee: int,
    mix_hash: bytes,
    shares: RowShares,
) -> Json:
    """The unsigned message of one trustee's shares of the mixed rows."""
    return {
        "format": MIX_DECRYPTION,
        "election_id": election_id,
        "fingerprint": fingerprint.hex(),
        "contest": contest,
        "trustee": trustee,
        "mix": mix_hash.hex(),
        "shares": [p.hex() for p in shares.shares],
        "proof": cp_proof_to_json(shares.proof),
    }


def mix_decryption_from_json(obj: Json, where: str = "mix-decryption") -> MixDecryption:
    exact_keys(obj, _DECRYPTION_KEYS, where)
    _format(obj, MIX_DECRYPTION, where)
    bytes_from_hex(get(obj, "signature", str, where), 64, f"{where}.signature")
    trustee = get(obj, "trustee", int, where)
    shares = []
    for i, text in enumerate(get(obj, "shares", list, where)):
        shares.append(Point.from_hex(text, f"{where}.shares[{i}]", allow_infinity=True))
    proof = cp_proof_from_json(get(obj, "proof", dict, where), f"{where}.proof")
    return MixDecryption(
        get(obj, "election_id", str, where),
        bytes_from_hex(get(obj, "fingerprint", str, where), 32, f"{where}.fingerprint"),
        get(obj, "contest", str, where),
        trustee,
        bytes_from_hex(get(obj, "mix", str, where), 32, f"{where}.mix"),
        RowShares(trustee, tuple(shares), proof),
    )


def _format(obj: Json, expected: str, where: str) -> None:
    if obj["format"] != expected:
        raise EncodingError(f"{where}.format", f"expected {expected!r}, found {obj['format']!r}")


class MixBody(dict[str, Any]):
    """A ``mix`` body as ``mix_event_from_line`` read it: its fields as JSON values but
    ``rows``, which holds the line's own bytes of the rows (``canonical.fragment``), so
    that the body's canonical form, which the trustee signed, is written out again as it
    was without a JSON value of every point; and the rows read from those bytes."""

    __slots__ = ("rows",)
    rows: PackedRows


MIX_LINE_END: Final = b'"type":"mix"}'
"""How a ``mix`` event's canonical line ends (its type is the event's last key)."""
_ROWS_KEY: Final = b',"rows":'
_SIGNATURE_KEY: Final = b',"signature":"'
_MIX_TAIL: Final = re.compile(
    rb',"signature":"[0-9a-f]{128}","trustee":(?:0|[1-9][0-9]{0,17})\},'
    rb'"prev":"[0-9a-f]{64}","seq":(?:0|[1-9][0-9]{0,17}),"type":"mix"\}'
)


def mix_event_from_line(line: bytes, where: str = "mix") -> dict[str, Any] | None:
    """The event of a board line (without its newline) that is a ``mix`` event in canonical
    form with rows as ``rows_to_json`` writes them, its body a ``MixBody``; else None, and
    the caller reads the line the general way, which accepts, refuses and names the fault
    exactly as before. The rows are read from the line's bytes without a JSON value of
    them (``rows_from_canonical``), the rest of the line as JSON with an empty list in
    their place: canonical exactly when the whole line is, the rows being so."""
    if not line.endswith(MIX_LINE_END):  # any other event: found without a search
        return None
    start = line.find(_ROWS_KEY)
    tail = line.rfind(_SIGNATURE_KEY)
    if (
        start < 0
        or tail < start
        or line.find(b"\\", 0, start) >= 0  # an escape: canonical.fragment is not for it
        or _MIX_TAIL.fullmatch(line, tail) is None
    ):
        return None
    text = line[start + len(_ROWS_KEY) : tail]
    rows = rows_from_canonical(text, f"{where}.rows")
    if rows is None:
        return None
    event = canonical.loads_fast(line[: start + len(_ROWS_KEY)] + b"[]" + line[tail:])
    if (
        not isinstance(event, dict)
        or event.keys() != {"seq", "prev", "type", "body"}
        or not isinstance(event["body"], dict)
        or event["body"].get("rows") != []
    ):
        return None
    body = MixBody(event["body"])
    body["rows"] = canonical.fragment(text)
    body.rows = rows
    event["body"] = body
    return event
