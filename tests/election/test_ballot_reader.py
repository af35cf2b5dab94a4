"""The verifier's one-pass ballot reader agrees with the general path on every input.

``BallotReader.read`` reads a ballot of the election's shape straight from its canonical
bytes; for anything else it gives None and the verifier reads the ballot the general way
(``canonical.loads``, ``ballot_from_json``, ``check_shape``). These tests hold the two to
the same answer: the same ``Ballot`` for every ballot of real records, and for each kind of
damage, either the same ``Ballot`` or None with the general path then deciding.
"""

from __future__ import annotations

from typing import Any

import pytest
from recordtools import SmallElection, read_board

from tellers import canonical
from tellers.ballot import check_shape
from tellers.board import ElectionContext
from tellers.crypto.group import (
    GROUP_ORDER,
    check_x_only,
    is_x_only,
    points_from_encodings,
    scalars_from_hex_bytes,
)
from tellers.errors import EncodingError, ManifestError
from tellers.record.v2 import ballot_from_json
from tellers.verify.ballot_reader import BallotReader
from tellers.verify.ballots import BallotCheck, _read
from tellers.verify.rules import _cast_ballot_bytes


def _general(context: ElectionContext, raw: bytes) -> Any:
    """What the general path makes of ``raw``: a Ballot, or the problem it names."""
    try:
        ballot = ballot_from_json(canonical.loads(raw, "ballot"))
        check_shape(context.manifest, ballot)
    except (EncodingError, ValueError, ManifestError) as exc:
        return ("ballot-format", str(exc))
    return ballot


def _ballots(small: SmallElection) -> list[dict[str, Any]]:
    return [
        e["body"]["ballot"]
        for e in read_board(small.record)
        if e["type"] in ("ballot-accepted", "ballot-refused") and e["body"].get("ballot")
    ]


def test_every_ballot_of_the_record_reads_as_the_general_path_reads_it(
    small_election: SmallElection,
) -> None:
    context = ElectionContext(
        small_election.manifest, small_election.fingerprint, small_election.election_key
    )
    reader = BallotReader(small_election.manifest)
    ballots = _ballots(small_election)
    shapes = {tuple(c["id"] for c in b["contests"]) for b in ballots}
    assert len(shapes) == 2  # both constituencies' ballots: one contest and two
    for obj in ballots:
        raw = canonical.dumps(obj)
        found = reader.read(raw)
        assert found is not None
        assert found == _general(context, raw)


def _damaged(obj: dict[str, Any]) -> list[tuple[str, bytes]]:
    """(what, bytes) for each kind of damage to one two-contest ballot."""
    raw = canonical.dumps(obj)
    out: list[tuple[str, bytes]] = []

    def edit(what: str, change: Any) -> None:
        copy = canonical.loads(raw)
        change(copy)
        out.append((what, canonical.dumps(copy)))

    first = obj["contests"][0]["selections"][0]
    x_off = next(
        x for x in range(7, 100) if not is_x_only(x.to_bytes(32, "big"))
    )  # an x with no curve point
    edit("alpha off the curve", lambda b: b["contests"][0]["selections"][0].update(
        alpha="02" + x_off.to_bytes(32, "big").hex()))  # fmt: skip
    edit("alpha at infinity", lambda b: b["contests"][0]["selections"][0].update(alpha="00" * 33))
    edit("beta with prefix 04", lambda b: b["contests"][0]["selections"][0].update(
        beta="04" + first["beta"][2:]))  # fmt: skip
    edit("a scalar equal to n", lambda b: b["contests"][0]["selections"][0]["proof"]["c"]
         .__setitem__(0, f"{GROUP_ORDER:064x}"))  # fmt: skip
    edit("a scalar in upper case", lambda b: b["contests"][0]["total"]["s"]
         .__setitem__(0, b["contests"][0]["total"]["s"][0].upper()))  # fmt: skip
    edit("a short signature", lambda b: b.update(signature=b["signature"][:-2]))
    edit("a selection missing", lambda b: b["contests"][0]["selections"].pop())
    edit("a selection too many", lambda b: b["contests"][0]["selections"].append(first))
    edit("no blank where one is allowed", lambda b: b["contests"][0].update(blank=None))
    edit("a blank where none is allowed", lambda b: b["contests"][1].update(blank=first))
    edit("a third branch to a 0/1 proof", lambda b: b["contests"][0]["selections"][0]["proof"]
         ["c"].append(first["proof"]["c"][0]))  # fmt: skip
    edit("a total proof of two branches", lambda b: b["contests"][0]["total"]["c"].append(
        b["contests"][0]["total"]["c"][0]))  # fmt: skip
    edit("contests out of order", lambda b: b["contests"].reverse())
    edit("a contest twice", lambda b: b["contests"].append(b["contests"][1]))
    edit("no contests", lambda b: b.update(contests=[]))
    edit("an unknown contest", lambda b: b["contests"][1].update(id="strike-west"))
    edit("an extra field", lambda b: b.update(note="x"))
    edit("preferences on a contest of choices", lambda b: b["contests"][0].update(
        preferences=[]))  # fmt: skip
    edit("a number for a hex field", lambda b: b.update(election=7))
    # the reader captures each hex field as so many bytes of any kind, then checks them all
    edit("a hex field with a g", lambda b: b["contests"][0]["selections"][0]["proof"]["s"]
         .__setitem__(1, "g" + first["proof"]["s"][1][1:]))  # fmt: skip
    edit("a point in upper case", lambda b: b["contests"][1]["selections"][0].update(
        beta=b["contests"][1]["selections"][0]["beta"].upper()))  # fmt: skip
    edit("a credential in upper case", lambda b: b.update(credential=b["credential"].upper()))
    scalar = first["proof"]["c"][0].encode()
    out.append(("a quote inside a scalar", raw.replace(scalar, b'"' + scalar[1:], 1)))
    out.append(("an escape inside a signature", raw.replace(
        obj["signature"][:2].encode() + obj["signature"][2:].encode(),
        b"\\" + obj["signature"][2:].encode(), 1)))  # fmt: skip
    out.append(("white space", raw.replace(b'","', b'", "', 1)))
    unsorted = raw.replace(b'{"contests":', b'{"signature":"00","contests":')
    out.append(("keys out of order", unsorted))
    escaped = raw.replace(b'"id":"president"', b'"id":"pre\\u0073ident"')
    out.append(("an escaped character", escaped))
    out.append(("trailing bytes", raw + b" "))
    out.append(("truncated", raw[:-1]))
    return out


def test_damaged_ballots_read_as_the_general_path_reads_them(
    small_election: SmallElection,
) -> None:
    context = ElectionContext(
        small_election.manifest, small_election.fingerprint, small_election.election_key
    )
    reader = BallotReader(small_election.manifest)
    obj = next(b for b in _ballots(small_election) if len(b["contests"]) == 2)
    damaged = _damaged(obj)
    assert len(damaged) == 29
    for what, raw in damaged:
        general = _general(context, raw)
        found = reader.read(raw)
        assert found is None or found == general, what
        # and the worker's reading, which tries the reader first, gives the general answer
        read = _read(context, (5, "ballot-accepted", raw, None))
        if isinstance(read, BallotCheck):
            assert read.problems == (general,), what
        else:
            assert read == general, what
    # none of this damage leaves a well-formed canonical ballot of the election's shape
    assert [what for what, raw in damaged if reader.read(raw) is not None] == []


def test_points_and_scalars_decoded_once_refuse_what_the_general_path_refuses() -> None:
    g = bytes.fromhex("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
    points = points_from_encodings([g])
    assert points is not None and points[0].to_bytes() == g
    assert points_from_encodings([bytes(33)]) is None  # infinity: not where a ballot holds it
    assert points_from_encodings([b"\x04" + g[1:]]) is None
    assert points_from_encodings([g[:-1]]) is None
    assert points_from_encodings([b"\x02" + (7).to_bytes(32, "big")]) is None  # no such point
    assert scalars_from_hex_bytes([b"%064x" % (GROUP_ORDER - 1)]) is not None
    assert scalars_from_hex_bytes([b"%064x" % GROUP_ORDER]) is None


@pytest.mark.parametrize(
    "key",
    [
        bytes.fromhex("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"),
        (5).to_bytes(32, "big"),  # x = 5: x³ + 7 is not a square modulo p
        b"\xff" * 32,  # not below p
        bytes(31),
        bytes(33),
        bytearray(32),
        "00" * 32,
    ],
)
def test_is_x_only_decides_as_check_x_only(key: Any) -> None:
    try:
        check_x_only(key)
        expected = True
    except EncodingError:
        expected = False
    assert is_x_only(key) is expected


def test_a_cast_ballot_goes_to_the_workers_as_its_bytes_in_the_line(
    small_election: SmallElection,
) -> None:
    """The scan cuts a cast ballot's bytes out of its canonical line instead of writing the
    ballot out again: for every cast ballot of a record they are the ballot's canonical
    form; a line that does not begin as the event's canonical form does is not cut."""
    lines = (small_election.record / "board.jsonl").read_bytes().splitlines()
    cast = [(line, canonical.loads(line)) for line in lines if line.endswith(b'"ballot-accepted"}')]
    assert len(cast) > 5
    for line, event in cast:
        cut = _cast_ballot_bytes(line, event["body"]["at"])
        assert cut == canonical.dumps(event["body"]["ballot"])
    line, event = cast[0]
    assert _cast_ballot_bytes(line, "2026-03-02T09:00:00+00:00") is None  # another time
    assert (
        _cast_ballot_bytes(line.replace(b',"supersedes":', b',"superseded":'), event["body"]["at"])
        is None
    )
