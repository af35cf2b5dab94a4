"""Helpers for the election tests: a tiny election run end to end, and record surgery.

``build_small_record`` runs a two-contest election through ``election.conduct``
exactly as the demo and the web service do, with a refused replay, a re-vote,
an audit and blank contests, so one small record exercises every board rule.

The surgery helpers alter a record and then *re-seal* it: the board's hash
chain is rebuilt (``board.event_line``/``event_hash``) and ``index.json``
rewritten (``record.store.seal``), so that the file-hash index no longer
catches the change and the verifier's deep check has to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tellers import canonical, trustee
from tellers.ballot import Ballot, ContestBallot, Reveal, ballot_message, encrypt_ballot, tracker
from tellers.board import GENESIS, audit_request_message, event_hash, event_line
from tellers.ceremony import TrusteeSecrets
from tellers.crypto.credentials import derive_signing_key
from tellers.crypto.dlog import discrete_log
from tellers.crypto.elgamal import Ciphertext, KeyPair, decrypt_to_point, partial_decrypt
from tellers.crypto.group import Point, Scalar, bip340_public_key, bip340_sign
from tellers.election.conduct import close_and_tally, open_election, publish_result
from tellers.election.manifest import Choice, Contest, Manifest, Thresholds
from tellers.election.roll import Member
from tellers.parties import SigningKey, sign_object
from tellers.record.store import seal
from tellers.record.v2 import ballot_from_json, ballot_to_json, manifest_from_json, reveal_to_json
from tellers.simulate import SimulatedClock, local_authority, local_ceremony
from tellers.verify import Report, verify_record

__all__ = [
    "SMALL_FIGURES",
    "Kit",
    "SmallElection",
    "accepted_lines",
    "audit_signature",
    "build_small_record",
    "decrypt",
    "failed",
    "fresh_ballot",
    "make_kit",
    "read_board",
    "read_json_file",
    "reseal",
    "signed",
    "small_manifest",
    "trustee_key",
    "write_board",
    "write_json_file",
]

# Decrypted figures of the small record (record.md §10 describes it).
SMALL_FIGURES = {
    "president": {"ada": 3, "bea": 1, "cyd": 1, "blank": 1},
    "strike-north": {"yes": 3, "no": 1, "blank": 0},
}


def small_manifest(revote: str = "last", election_id: str = "small-2026") -> Manifest:
    """Two constituencies; a plurality contest for all with blanks, a yes/no for one."""
    return Manifest(
        election_id=election_id,
        title="Small test election",
        organisation="Test Workers' Union",
        scrutineer="Independent Scrutineer Ltd",
        opens="2026-03-02T09:00:00+00:00",
        closes="2026-03-23T12:00:00+00:00",
        revote=revote,  # type: ignore[arg-type]
        trustees=3,
        quorum=2,
        constituencies=("north", "south"),
        contests=(
            Contest(
                "president",
                "President",
                "plurality",
                (Choice("ada", "Ada"), Choice("bea", "Bea"), Choice("cyd", "Cyd")),
            ),
            Contest(
                "strike-north",
                "Are you prepared to take part in a strike?",
                "yes-no",
                (Choice("yes", "Yes"), Choice("no", "No")),
                allow_blank=False,
                constituencies=("north",),
                thresholds=Thresholds(turnout_percent=50),
            ),
        ),
    )


@dataclass(frozen=True, slots=True)
class SmallElection:
    record: Path
    manifest: Manifest
    fingerprint: bytes
    election_key: Point
    codes: tuple[str, ...]
    """Secret codes by member, in roll order (members 0-4 north, 5-7 south)."""
    root: bytes
    trustees: tuple[TrusteeSecrets, ...] = ()
    """The three trustees' secrets after the election (for tests that act as one)."""


# (member, selections); member 1 votes twice (re-vote), member 0's ballot is replayed.
_VOTES: tuple[tuple[int, dict[str, list[str]]], ...] = (
    (0, {"president": ["ada"], "strike-north": ["yes"]}),
    (1, {"president": ["cyd"], "strike-north": ["no"]}),
    (2, {"president": ["bea"], "strike-north": ["yes"]}),
    (3, {"president": [], "strike-north": ["no"]}),
    (5, {"president": ["ada"]}),
    (6, {"president": ["cyd"]}),
)
_REVOTE = (1, {"president": ["ada"], "strike-north": ["yes"]})
_AUDIT = (6, {"president": ["bea"]})


def build_small_record(
    out: Path,
    manifest: Manifest | None = None,
    nominations: dict[str, list[bytes]] | None = None,
    *,
    in_progress: bool = False,
) -> SmallElection:
    """Run the small election into ``out`` (the record directory) and seal it; ``manifest``
    (the small manifest's contests and times) and its contests' ``nominations`` logs may be
    given. ``in_progress``: stop at the tally (a record the trustees would not decrypt)."""
    manifest = small_manifest() if manifest is None else manifest
    ceremony, secrets = local_ceremony(manifest, ("Scrutineer", "Rep A", "Rep B"))
    constituencies = ["north"] * 5 + ["south"] * 3
    members = [Member(f"M{i}", k) for i, k in enumerate(constituencies)]
    issued, statement = local_authority(manifest, members)
    election = open_election(
        out,
        manifest,
        ceremony,
        [(c.credential, c.constituency) for c in issued],
        statement,
        manifest.opens,
        fsync=False,
        clock=SimulatedClock(manifest.opens),
        nominations=nominations,
    )
    codes = tuple(c.code for c in issued)

    def encrypt(member: int, selections: dict[str, list[str]]) -> tuple[bytes, bytes]:
        key = derive_signing_key(manifest.election_id.encode(), codes[member])
        ballot, reveal = encrypt_ballot(
            manifest,
            election.fingerprint,
            election.election_key,
            key,
            constituencies[member],
            selections,
        )
        return canonical.dumps(ballot_to_json(ballot)), canonical.dumps(reveal_to_json(reveal))

    board = election.board
    audited, reveal = encrypt(*_AUDIT)
    key = derive_signing_key(manifest.election_id.encode(), codes[_AUDIT[0]])
    assert board.audit(audited, reveal, audit_signature(key, audited, reveal)).accepted
    first = [encrypt(m, s)[0] for m, s in _VOTES]
    receipts = board.cast(first)
    receipts += board.cast([first[0], encrypt(*_REVOTE)[0]])  # a replay, then a re-vote
    assert [r.reason for r in receipts] == [None] * 6 + ["replay", None]
    close_and_tally(election, manifest.closes)
    if in_progress:
        return SmallElection(out, manifest, election.fingerprint, election.election_key, codes, b"")
    verified = verify_record(out).tally
    assert verified is not None
    decryptions = [trustee.decrypt(secrets[i], manifest, verified)[1] for i in (0, 2)]
    _, root = publish_result(election, verified, decryptions)
    for one in secrets:
        SIGNERS[bip340_public_key(one.signing_key)] = one.signing_key
    return SmallElection(
        out, manifest, election.fingerprint, election.election_key, codes, root, tuple(secrets)
    )


# Reading and re-sealing records ---------------------------------------------------------


def read_board(record: Path) -> list[dict[str, Any]]:
    """Every event of ``board.jsonl`` as a dict, in order."""
    return [canonical.loads(line) for line in (record / "board.jsonl").read_bytes().splitlines()]


SIGNERS: dict[bytes, Scalar] = {}
"""Trustees' signing keys by public key, from the records built here: re-sealing a board
re-signs the decryptions over the new tally line, as trustees who went along would."""


def write_board(
    record: Path, events: Sequence[dict[str, Any]], *, rechain: bool = True, resign: bool = True
) -> None:
    """Write the events back; with ``rechain``, renumber, relink and re-sign, then re-seal.

    Each decryption names the hash of the tally line, which changes with any
    line above it; re-sealing makes the decryptions name the new one, signed
    by their trustees, so that the check a tamper test aims at is what fails.
    """
    lines: list[bytes] = []
    prev = GENESIS
    tally = b""
    keys = _announced_keys(record)
    for seq, event in enumerate(events):
        if rechain:
            body = event["body"]
            if event["type"] == "decryption" and isinstance(body, dict) and tally and resign:
                body = _resigned(body, tally, keys)
            line = event_line(seq, prev, event["type"], body)
        else:
            line = canonical.dumps(event)
        lines.append(line)
        prev = event_hash(line)
        if event["type"] == "tally":
            tally = prev
    (record / "board.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))
    reseal(record)


def trustee_key(record: Path, trustee: int) -> SigningKey:
    """Trustee ``trustee``'s signing key, for a test that plays it (records built here only)."""
    public = _announced_keys(record)[trustee]
    return SigningKey(SIGNERS[public], public)


def _announced_keys(record: Path) -> dict[int, bytes]:
    try:
        ceremony = read_json_file(record, "ceremony.json")
        return {a["trustee"]: bytes.fromhex(a["signing_key"]) for a in ceremony["announcements"]}
    except (OSError, KeyError, TypeError, ValueError):
        return {}


def _resigned(body: dict[str, Any], tally: bytes, keys: dict[int, bytes]) -> dict[str, Any]:
    public = keys.get(body.get("trustee"))  # type: ignore[arg-type]
    if public not in SIGNERS:
        return body
    assert public is not None
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    return sign_object(SigningKey(SIGNERS[public], public), {**unsigned, "tally": tally.hex()})


def reseal(record: Path) -> None:
    """Rewrite ``index.json`` over the files as they are now (board head = last line's hash)."""
    lines = (record / "board.jsonl").read_bytes().splitlines()
    head = event_hash(lines[-1]) if lines else GENESIS
    seal(record, len(lines), head, complete=(record / "result.json").exists())


def read_json_file(record: Path, name: str) -> Any:
    return canonical.loads((record / name).read_bytes())


def write_json_file(record: Path, name: str, value: Any) -> None:
    (record / name).write_bytes(canonical.dumps(value) + b"\n")


def accepted_lines(events: Sequence[dict[str, Any]]) -> list[int]:
    """1-based board lines of ballots that count: accepted and never superseded."""
    superseded = {e["body"]["supersedes"] for e in events if e["type"] == "ballot-accepted"}
    return [
        i
        for i, e in enumerate(events, start=1)
        if e["type"] == "ballot-accepted" and e["body"]["tracker"] not in superseded
    ]


def audit_signature(signing_key: Scalar, raw_ballot: bytes, raw_reveal: bytes) -> bytes:
    """The member's signature asking to audit ``raw_ballot`` with ``raw_reveal``."""
    ballot = ballot_from_json(canonical.loads(raw_ballot))
    message = audit_request_message(tracker(ballot), canonical.loads(raw_reveal))
    return bip340_sign(signing_key, message, bytes(32))


def fresh_ballot(
    record: Path,
    constituency: str,
    selections: dict[str, list[str]],
    *,
    signing_key: Scalar | None = None,
) -> tuple[Ballot, Reveal]:
    """A well-formed ballot for the record's election under a new (unlisted) credential."""
    manifest = manifest_from_json(read_json_file(record, "manifest.json"))
    opened = read_board(record)[0]["body"]
    return encrypt_ballot(
        manifest,
        bytes.fromhex(opened["fingerprint"]),
        Point.from_hex(opened["joint_key"]),
        signing_key or Scalar.random(),
        constituency,
        selections,
    )


def failed(report: Report) -> dict[str, list[str]]:
    """Failed check name -> the places named, for compact assertions."""
    out: dict[str, list[str]] = {}
    for failure in report.failures:
        out.setdefault(failure.check, []).append(failure.where)
    return out


Edit = Callable[[Path], None]


# Elections without a ceremony, for unit tests: one key pair whose secret we hold. ---------


@dataclass(frozen=True, slots=True)
class Kit:
    manifest: Manifest
    keys: KeyPair
    fingerprint: bytes


def make_kit(manifest: Manifest | None = None, fingerprint: bytes = b"F" * 32) -> Kit:
    return Kit(manifest or small_manifest(), KeyPair.generate(), fingerprint)


def decrypt(kit: Kit, ciphertext: Ciphertext, bound: int = 50) -> int:
    point = decrypt_to_point(ciphertext, partial_decrypt(kit.keys.secret, ciphertext))
    return discrete_log(point, bound)


def signed(fingerprint: bytes, signing_key: Scalar, contests: Sequence[ContestBallot]) -> Ballot:
    """A ballot over ``contests`` with a valid credential signature (to forge proofs under)."""
    credential = bip340_public_key(signing_key)
    message = ballot_message(fingerprint, credential, contests)
    signature = bip340_sign(signing_key, message, bytes(32))
    return Ballot(fingerprint, credential, tuple(contests), signature)
