"""Reading a ``mix`` board line's rows straight from its bytes (``mix_event_from_line``).

A canonical line is read to the event the general path reads, its rows in the compact
form and its signed bytes the same; any line that is not exactly canonical, or whose
rows are not as ``rows_to_json`` writes them, is left to the general path (None), which
accepts or refuses it and names the fault as before.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import pytest

from tellers import canonical
from tellers.board import event_line
from tellers.crypto.elgamal import KeyPair, encrypt
from tellers.crypto.group import Scalar
from tellers.crypto.shuffle import shuffle
from tellers.errors import EncodingError
from tellers.parties import SigningKey, sign_object, signed_digest
from tellers.ranked.mix import MixStep, mix_context
from tellers.record.v2_mix import MixBody, mix_event_from_line, mix_from_json, mix_to_json

KEYS = KeyPair.from_secret(Scalar.from_digest(hashlib.sha256(b"mix-line-key").digest()))
FP = hashlib.sha256(b"mix-line-fingerprint").digest()


def _body(contest: str = "executive") -> dict[str, Any]:
    counter = itertools.count()
    draw = lambda: Scalar.from_digest(hashlib.sha256(bytes([next(counter) % 256] * 3)).digest())  # noqa: E731
    rows = tuple(tuple(encrypt(KEYS.public, i % 4, draw()) for _ in range(3)) for i in range(5))
    out, proof = shuffle(FP, KEYS.public, rows, context=mix_context(contest, 1, 1))
    step = MixStep(1, 1, out, proof)
    message = mix_to_json("nec-2026", FP, contest, bytes(32), step)
    return sign_object(SigningKey.generate(), message)


@pytest.fixture(scope="module")
def body() -> dict[str, Any]:
    return _body()


def test_a_canonical_line_is_read_as_the_general_path_reads_it(body: dict[str, Any]) -> None:
    line = event_line(12, bytes(range(32)), "mix", body)
    fast = mix_event_from_line(line)
    general = canonical.loads(line)
    assert fast is not None and isinstance(fast["body"], MixBody)
    assert {k: v for k, v in fast.items() if k != "body"} == {
        k: v for k, v in general.items() if k != "body"
    }
    assert {k: v for k, v in fast["body"].items() if k != "rows"} == {
        k: v for k, v in general["body"].items() if k != "rows"
    }
    assert signed_digest(fast["body"]) == signed_digest(general["body"])
    assert canonical.dumps({**fast, "body": dict(fast["body"])}) == line
    assert mix_from_json(fast["body"]) == mix_from_json(general["body"])


def _variants(line: bytes) -> list[bytes]:
    first = line.index(b'"alpha":"', line.index(b'"rows":')) + len(b'"alpha":"')
    return [
        line.replace(b'"rows":[[', b'"rows": [[', 1),  # white space
        line[:first] + line[first : first + 66].upper() + line[first + 66 :],  # upper-case hex
        line[:first] + b"00" * 33 + line[first + 66 :],  # the point at infinity
        line.replace(b'}],[{"alpha"', b'}]],[[{"alpha"', 1),  # a row nested one deeper
        line.replace(b'"}],[{"alpha"', b'","gamma":"00"}],[{"alpha"', 1),  # an extra field
        line.replace(b'"}],[{', b'"}],[', 1),  # not JSON at all
        line.replace(b'"type":"mix"}', b'"type":"mix" }'),
        line.replace(b'"seq":12,', b'"seq":012,'),
    ]


def test_a_line_not_exactly_canonical_is_left_to_the_general_path(body: dict[str, Any]) -> None:
    line = event_line(12, bytes(32), "mix", body)
    for variant in _variants(line):
        assert mix_event_from_line(variant) is None, variant[:80]
    # A width other than the first row's; an escaped character in the contest's id.
    rows = body["rows"]
    ragged = event_line(12, bytes(32), "mix", {**body, "rows": [rows[0], rows[1][:2]]})
    assert mix_event_from_line(ragged) is None
    escaped = event_line(12, bytes(32), "mix", _body('exec"utive'))
    assert mix_event_from_line(escaped) is None
    assert canonical.loads(escaped)["body"]["contest"] == 'exec"utive'


def test_a_point_off_the_curve_is_named_as_the_general_path_names_it(
    body: dict[str, Any],
) -> None:
    rows = [list(row) for row in body["rows"]]
    rows[3][2] = {**rows[3][2], "beta": "02" + "ff" * 32}
    line = event_line(12, bytes(32), "mix", {**body, "rows": rows})
    fast = mix_event_from_line(line)
    assert fast is not None
    general = canonical.loads(line)
    errors = []
    for read in (fast, general):
        with pytest.raises(EncodingError) as found:
            mix_from_json(read["body"]).step.rows.decode()
        errors.append(str(found.value))
    assert (
        errors[0]
        == errors[1]
        == ("mix.rows[3][2].beta: not the x-coordinate of a point on secp256k1")
    )
