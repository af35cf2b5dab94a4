"""The bulletin board: durable acceptance, re-voting, refusals, reopening (record.md §5)."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from recordtools import Kit, audit_signature, make_kit, signed, small_manifest

from tellers import canonical
from tellers.ballot import encrypt_ballot
from tellers.board import Board, ElectionContext, read_events
from tellers.crypto.group import Scalar, bip340_public_key
from tellers.errors import BallotRejected
from tellers.record.v2 import ballot_from_json, ballot_to_json, reveal_to_json
from tellers.simulate import SimulatedClock

SOUTH = {"president": ["bea"]}


class Election:
    """A board over a kit, with three members: two south, one north."""

    def __init__(self, path: Path, revote: str = "last") -> None:
        self.kit: Kit = make_kit(small_manifest(revote))
        self.keys = [Scalar.random() for _ in range(3)]
        self.credentials = {
            bip340_public_key(k): c
            for k, c in zip(self.keys, ["south", "south", "north"], strict=False)
        }
        self.path = path
        self.clock = SimulatedClock(self.kit.manifest.opens)
        self.board = self.open()
        self.board.append("election-opened", {"opened_at": self.kit.manifest.opens})

    def kit_credential(self, member: int) -> bytes:
        return bip340_public_key(self.keys[member])

    @property
    def context(self) -> ElectionContext:
        return ElectionContext(self.kit.manifest, self.kit.fingerprint, self.kit.keys.public)

    def open(self) -> Board:
        return Board(self.path, self.context, self.credentials, fsync=True, clock=self.clock)

    def ballot(
        self,
        member: int,
        selections: dict[str, list[str]] = SOUTH,
        constituency: str = "south",
        fingerprint: bytes | None = None,
        key: Scalar | None = None,
    ) -> tuple[bytes, bytes]:
        ballot, reveal = encrypt_ballot(
            self.kit.manifest,
            fingerprint or self.kit.fingerprint,
            self.kit.keys.public,
            key or self.keys[member],
            constituency,
            selections,
        )
        return canonical.dumps(ballot_to_json(ballot)), canonical.dumps(reveal_to_json(reveal))

    def audit(self, member: int, raw: bytes, reveal: bytes) -> Any:
        return self.board.audit(raw, reveal, audit_signature(self.keys[member], raw, reveal))

    def events(self) -> list[tuple[str, dict]]:
        return [(e.type, e.body) for e in read_events(self.path)]


@pytest.fixture
def election(tmp_path: Path) -> Election:
    return Election(tmp_path / "board.jsonl")


def test_acceptance_is_on_disk_before_cast_returns(
    election: Election, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw, _ = election.ballot(0)
    on_disk_at_fsync: list[bytes] = []
    real_fsync = __import__("os").fsync

    def watching_fsync(fd: int) -> None:
        real_fsync(fd)
        on_disk_at_fsync.append(election.path.read_bytes())

    monkeypatch.setattr("tellers.board.os.fsync", watching_fsync)
    (receipt,) = election.board.cast([raw])
    assert receipt.accepted
    assert len(on_disk_at_fsync) == 1
    last = on_disk_at_fsync[0].splitlines()[-1]
    assert canonical.loads(last)["body"]["tracker"] == receipt.tracker


@pytest.mark.parametrize(
    ("revote", "second_type", "reason", "counted"),
    [
        ("last", "ballot-accepted", None, 1),
        ("first", "ballot-refused", "first-counts", 0),
        ("forbidden", "ballot-refused", "revote-forbidden", 0),
    ],
)
def test_re_voting_policies(
    tmp_path: Path, revote: str, second_type: str, reason: str | None, counted: int
) -> None:
    election = Election(tmp_path / "board.jsonl", revote)
    first, _ = election.ballot(0, {"president": ["ada"]})
    second, _ = election.ballot(0, {"president": ["cyd"]})
    receipts = election.board.cast([first]) + election.board.cast([second])
    trackers = [r.tracker for r in receipts]
    (kind, body) = election.events()[-1]
    assert kind == second_type
    assert receipts[1].reason == body.get("reason") == reason
    if reason is None:
        assert body["supersedes"] == receipts[1].supersedes == trackers[0]
    credential = bip340_public_key(election.keys[0])
    assert election.board.counted == {credential: bytes.fromhex(trackers[counted] or "")}


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("replay", "replay"),
        ("unknown-credential", "unknown-credential"),
        ("wrong-election", "wrong-election"),
        ("not-entitled", "not-entitled"),
        ("not-json", "malformed"),
        ("missing-field", "malformed"),
        ("deeply-nested", "malformed"),
        ("lone-surrogate", "malformed"),
        ("unknown-contest", "malformed"),
        ("extra-selections", "malformed"),
        ("bad-signature", "bad-signature"),
        ("bad-proof", "bad-proof"),
    ],
)
def test_refusals_leave_an_event_with_the_reason(
    election: Election, case: str, reason: str
) -> None:
    raw, _ = election.ballot(0)
    election.board.cast([raw])
    obj = canonical.loads(raw)
    if case == "replay":
        bad = raw
    elif case == "unknown-credential":
        bad, _ = election.ballot(0, key=Scalar.random())
    elif case == "wrong-election":
        bad, _ = election.ballot(1, fingerprint=b"G" * 32)
    elif case == "not-entitled":  # member 2 is north but sends a south ballot
        bad, _ = election.ballot(2)
    elif case == "not-json":
        bad = b'{"election": '
    elif case == "missing-field":
        del obj["signature"]
        bad = canonical.dumps(obj)
    elif case == "deeply-nested":  # deeper than Python's own parser can go
        bad = b'{"contests":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    elif case == "lone-surrogate":  # valid JSON, but not text: it could never be written out
        bad = canonical.dumps(obj).replace(b'"president"', b'"\\ud800"')
    else:
        bad = b""
    if case in ("unknown-contest", "extra-selections"):  # signed by the member, wrong shape
        valid = ballot_from_json(obj)
        (contest,) = valid.contests
        if case == "unknown-contest":
            contest = dataclasses.replace(contest, contest_id="x" * 10_000)
        else:
            contest = dataclasses.replace(contest, selections=contest.selections * 200)
        bad = canonical.dumps(
            ballot_to_json(signed(valid.fingerprint, election.keys[0], [contest]))
        )
    if case == "bad-signature":
        obj["signature"] = obj["signature"][:-2] + ("00" if obj["signature"][-2:] != "00" else "01")
        bad = canonical.dumps(obj)
    elif (
        case == "bad-proof"
    ):  # two selections swapped and signed again by the member: the proofs fail
        valid = ballot_from_json(canonical.loads(election.ballot(1)[0]))
        (contest,) = valid.contests
        swapped = (contest.selections[1], contest.selections[0], *contest.selections[2:])
        moved = dataclasses.replace(contest, selections=swapped)
        bad = canonical.dumps(ballot_to_json(signed(valid.fingerprint, election.keys[1], [moved])))
    (receipt,) = election.board.cast([bad])
    kind, body = election.events()[-1]
    assert not receipt.accepted
    assert kind == "ballot-refused"
    assert receipt.reason == body["reason"] == reason
    assert len(election.board.counted) == 1
    if reason == "malformed":  # only the reason is kept: a member cannot grow the board at will
        assert body["ballot"] is None and body["tracker"] is None
        assert len(canonical.dumps(body)) < 800


def test_a_closed_board_takes_no_ballots(election: Election) -> None:
    raw, _ = election.ballot(0)
    election.board.close("2026-03-23T12:00:00+00:00")
    with pytest.raises(BallotRejected, match="closed"):
        election.board.cast([raw])
    assert election.events()[-1] == (
        "election-closed",
        {"closed_at": "2026-03-23T12:00:00+00:00", "events": 1, "counted": 0},
    )


def test_audits_are_published_and_never_counted(election: Election) -> None:
    raw, reveal = election.ballot(0)
    assert election.audit(0, raw, reveal).accepted
    fresh, _ = election.ballot(0)
    _other_raw, other_reveal = election.ballot(1)
    refused = election.audit(0, fresh, other_reveal)
    assert (refused.accepted, refused.reason) == (False, "bad-audit")
    kinds = [kind for kind, _ in election.events()]
    assert kinds == ["election-opened", "ballot-audited", "ballot-refused"]
    audited, bad = election.events()[1][1], election.events()[2][1]
    assert audited["reveal"] == canonical.loads(reveal)
    assert bad["audit"]["reveal"] == canonical.loads(other_reveal)  # the failed reveal, to check
    assert election.board.counted == {}


def test_an_audited_ballot_is_published_without_its_credential(election: Election) -> None:
    """Attack 6: nothing published with an audit links it to the member's credential."""
    raw, reveal = election.ballot(0)
    assert election.audit(0, raw, reveal).accepted
    body = election.events()[1][1]
    assert set(body) == {"at", "contests", "reveal", "tracker"}
    line = election.path.read_bytes().splitlines()[1]
    ballot = canonical.loads(raw)
    for secret in (ballot["credential"], ballot["signature"], *_proof_scalars(ballot)):
        assert secret.encode() not in line


def _proof_scalars(ballot: dict) -> list[str]:
    return [
        c for contest in ballot["contests"] for s in contest["selections"] for c in s["proof"]["c"]
    ]


def test_an_audit_not_asked_for_by_the_credential_is_never_recorded(election: Election) -> None:
    """Attack 5: a cast ballot passed off as a failed audit would vanish from the count. A
    bad-audit refusal needs the member's own signed request, so nobody else can make one."""
    raw, _reveal = election.ballot(0)
    _, other_reveal = election.ballot(0)
    forged = audit_signature(election.keys[1], raw, other_reveal)  # not the ballot's credential
    with pytest.raises(BallotRejected, match="not signed by the ballot's credential"):
        election.board.audit(raw, other_reveal, forged)
    assert [kind for kind, _ in election.events()] == ["election-opened"]
    election.audit(0, raw, other_reveal)
    body = election.events()[-1][1]
    assert body["reason"] == "bad-audit" and set(body["audit"]) == {"reveal", "signature"}


@pytest.mark.parametrize(
    "reveal",
    [
        b"{oops",
        b"[" * 50 + b"]" * 50,
        b'[{"blank":0,"choices":[1],"id":"\\udfff","randomness":[]}]',
        b"[]",
    ],
    ids=["not-json", "deeply-nested", "lone-surrogate", "wrong-shape"],
)
def test_an_audit_whose_reveal_cannot_be_read_keeps_only_its_reason(
    election: Election, reveal: bytes
) -> None:
    """A reveal that is not a reveal of the ballot is refused as malformed, keeping nothing the
    member sent, so neither the board's size nor what it publishes is the member's to set."""
    raw, _ = election.ballot(0)
    try:  # the member's signature where the reveal is JSON at all; it is not checked otherwise
        signature = audit_signature(election.keys[0], raw, reveal)
    except (ValueError, RecursionError):
        signature = bytes(64)
    got = election.board.audit(raw, reveal, signature)
    kind, body = election.events()[-1]
    assert (got.accepted, got.reason, kind) == (False, "malformed", "ballot-refused")
    assert (body["request"], body["ballot"], body["tracker"], body["audit"]) == (
        "audit", None, None, None
    )  # fmt: skip


def test_a_cast_ballot_cannot_be_audited_and_an_audited_one_cannot_be_cast(
    election: Election,
) -> None:
    """Attack 4: auditing a cast ballot would publish the counted vote with its randomness."""
    cast, cast_reveal = election.ballot(0)
    assert election.board.cast([cast])[0].accepted
    refused = election.audit(0, cast, cast_reveal)
    assert (refused.accepted, refused.reason) == (False, "replay")
    body = election.events()[-1][1]
    assert (body["request"], body["audit"]) == ("audit", None)  # the reveal is not published
    assert canonical.dumps(canonical.loads(cast_reveal)) not in election.path.read_bytes()
    audited, reveal = election.ballot(1)
    assert election.audit(1, audited, reveal).accepted
    (again,) = election.board.cast([audited])
    assert (again.accepted, again.reason) == (False, "replay")
    assert election.board.counted == {election.kit_credential(0): bytes.fromhex(str(
        election.events()[1][1]["tracker"]))}  # fmt: skip


def test_no_ballot_is_taken_after_the_closing_time_whatever_anyone_pressed(
    election: Election,
) -> None:
    """Attack 7: the board refuses late ballots itself, writing nothing."""
    raw, reveal = election.ballot(0)
    election.clock.at = datetime.fromisoformat(election.kit.manifest.closes) - timedelta(seconds=1)
    with pytest.raises(BallotRejected, match="closed"):
        election.board.cast([raw])  # the clock now reads the closing time
    with pytest.raises(BallotRejected, match="closed"):
        election.audit(0, raw, reveal)
    assert [kind for kind, _ in election.events()] == ["election-opened"]
    assert not election.board.closed


def test_reopening_drops_a_half_written_line_and_keeps_the_rest(election: Election) -> None:
    first, _ = election.ballot(0)
    second, _ = election.ballot(1)
    receipts = election.board.cast([first, second])
    election.board.close_file()
    kept = election.path.read_bytes()
    with open(election.path, "ab") as handle:
        handle.write(b'{"body":{"ballot":{"contests":[{"bla')  # the crash
    board = election.open()
    assert election.path.read_bytes() == kept
    assert (board.seq, board.head) == (3, list(read_events(election.path))[-1].hash)
    assert set(board.counted.values()) == {bytes.fromhex(r.tracker or "") for r in receipts}
    (replayed,) = board.cast([first])
    assert replayed.reason == "replay"
    assert [e.seq for e in read_events(election.path)] == [0, 1, 2, 3]


def test_reopening_a_closed_board_keeps_it_closed(election: Election) -> None:
    election.board.close("2026-03-23T12:00:00+00:00")
    election.board.close_file()
    assert election.open().closed


def test_events_chain_each_to_the_one_before(election: Election) -> None:
    election.board.cast([election.ballot(0)[0], election.ballot(1)[0]])
    events = list(read_events(election.path))
    lines = election.path.read_bytes().splitlines()
    for before, after in itertools.pairwise(events):
        assert canonical.loads(lines[after.seq])["prev"] == before.hash.hex()
