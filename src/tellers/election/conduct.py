"""Running an election, step by step, into its record (record.md §8).

    issue_credentials  codes for the mailing house, public credentials for the board
    open_election      manifest, ceremony and credential list written; board opened
    (Board.cast / Board.audit while open)
    close_and_tally    board closed; counted ballots summed; tally published
    (each trustee: trustee_decrypt on their own machine)
    publish_result     shares checked and combined, result declared, record sealed

The command line's demo and the web service drive exactly these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tellers.board import Board, ElectionContext
from tellers.crypto import threshold
from tellers.crypto.ceremony_messages import TrusteeCommitment, TrusteeKey
from tellers.crypto.credentials import issue_credential
from tellers.crypto.group import Point
from tellers.election.fingerprint import election_fingerprint, manifest_hash
from tellers.election.manifest import Manifest
from tellers.election.roll import Member
from tellers.errors import InvalidProof
from tellers.parallel import chunked_map, worker_context
from tellers.record.store import seal, write_credentials, write_json
from tellers.record.v1 import ballot_from_json, manifest_to_json
from tellers.record.v1_tally import (
    ceremony_to_json,
    decryption_to_json,
    result_to_json,
    tally_to_json,
)
from tellers.tally import Aggregator, ContestTally, Result, decrypt_and_declare, flatten

__all__ = [
    "IssuedMember",
    "OpenElection",
    "close_and_tally",
    "issue_credentials",
    "open_election",
    "publish_result",
    "trustee_decrypt",
]


@dataclass(frozen=True, slots=True)
class IssuedMember:
    """One line of the private code sheet, with the public credential."""

    member_id: str
    constituency: str
    code: str
    """Secret: printed in the member's pack, never published."""
    credential: bytes


def _issue_chunk(members: list[tuple[str, str]]) -> list[IssuedMember]:
    election_id: bytes = worker_context()
    out = []
    for member_id, constituency in members:
        issued = issue_credential(election_id)
        out.append(IssuedMember(member_id, constituency, issued.code, issued.public))
    return out


def issue_credentials(
    manifest: Manifest, members: Iterable[Member], *, workers: int = 1
) -> Iterator[IssuedMember]:
    """A fresh credential for every member, in roll order (parallel over ``workers``)."""
    pairs = ((m.member_id, m.constituency) for m in members)
    for chunk in chunked_map(
        _issue_chunk,
        pairs,
        context=manifest.election_id.encode(),
        workers=workers,
        chunk=5000,
    ):
        yield from chunk


@dataclass(frozen=True, slots=True)
class OpenElection:
    directory: Path
    manifest: Manifest
    commitments: tuple[TrusteeCommitment, ...]
    election_key: Point
    fingerprint: bytes
    credentials: dict[bytes, str]
    board: Board

    @property
    def context(self) -> ElectionContext:
        return ElectionContext(self.manifest, self.fingerprint, self.election_key)


def open_election(
    directory: Path,
    manifest: Manifest,
    trustee_names: Sequence[str],
    commitments: Sequence[TrusteeCommitment],
    credentials: Iterable[tuple[bytes, str]],
    opened_at: str,
    *,
    fsync: bool = True,
) -> OpenElection:
    """Check the ceremony, publish the manifest, ceremony and credentials, and open the board."""
    directory.mkdir(parents=True, exist_ok=True)
    digest = manifest_hash(manifest)
    threshold.check_commitments(digest, commitments, manifest.quorum, manifest.trustees)
    key = threshold.joint_public_key(commitments)
    table = dict(credentials)
    write_json(directory / "manifest.json", manifest_to_json(manifest))
    write_json(
        directory / "ceremony.json", ceremony_to_json(list(trustee_names), list(commitments))
    )
    credentials_hash = write_credentials(directory / "credentials.jsonl", table.items())
    fingerprint = election_fingerprint(digest, key, credentials_hash)
    context = ElectionContext(manifest, fingerprint, key)
    board = Board(directory / "board.jsonl", context, table, fsync=fsync)
    board.append(
        "election-opened",
        {
            "manifest_hash": digest.hex(),
            "joint_key": key.hex(),
            "credentials_hash": credentials_hash.hex(),
            "credentials": len(table),
            "fingerprint": fingerprint.hex(),
            "opened_at": opened_at,
        },
    )
    return OpenElection(directory, manifest, tuple(commitments), key, fingerprint, table, board)


def _aggregate_chunk(lines: list[bytes]) -> tuple[ContestTally, ...]:
    manifest: Manifest = worker_context()
    from tellers import canonical

    agg = Aggregator(manifest)
    for line in lines:
        agg.add(ballot_from_json(canonical.loads(line)["body"]["ballot"]))
    return agg.result()


def close_and_tally(
    election: OpenElection, closed_at: str, *, workers: int = 1
) -> tuple[ContestTally, ...]:
    """Close the board, sum the counted ballots and publish the encrypted tally."""
    board = election.board
    board.close(closed_at)
    counted = set(board.counted.values())
    total = Aggregator(election.manifest)
    for partial in chunked_map(
        _aggregate_chunk,
        _counted_lines(board.path, counted),
        context=election.manifest,
        workers=workers,
        chunk=1000,
    ):
        total.add_partial(partial)
    tallies = total.result()
    board.append("tally", tally_to_json(tallies))
    return tallies


def _counted_lines(path: Path, counted: set[bytes]) -> Iterator[bytes]:
    from tellers import canonical

    with open(path, "rb") as handle:
        for raw in handle:
            if b'"type":"ballot-accepted"' not in raw:
                continue
            body = canonical.loads(raw)["body"]
            if bytes.fromhex(body["tracker"]) in counted:
                yield raw


def trustee_decrypt(
    fingerprint: bytes, key: TrusteeKey, tallies: Sequence[ContestTally]
) -> tuple[threshold.DecryptionShare, ...]:
    """A trustee's shares of every total, with proofs (runs on the trustee's machine)."""
    return threshold.decryption_shares(fingerprint, key, flatten(tallies))


def publish_result(
    election: OpenElection,
    tallies: Sequence[ContestTally],
    shares: Sequence[Sequence[threshold.DecryptionShare]],
) -> tuple[Result, bytes]:
    """Check the quorum's shares, decrypt, declare, and seal the record; return (result, root)."""
    if len(shares) < election.manifest.quorum:
        raise InvalidProof(
            f"decryption needs {election.manifest.quorum} trustees, found {len(shares)}"
        )
    ciphertexts = flatten(tallies)
    for batch in shares:
        threshold.check_decryption_shares(
            election.fingerprint, election.commitments, ciphertexts, batch
        )
        election.board.append("decryption", decryption_to_json(batch[0].trustee, tuple(batch)))
    result = decrypt_and_declare(
        election.manifest,
        tallies,
        shares,
        election.credentials.values(),
        len(election.board.counted),
    )
    body = result_to_json(result)
    election.board.append("result", body)
    write_json(election.directory / "result.json", body)
    election.board.close_file()
    root = seal(election.directory, election.board.seq, election.board.head)
    return result, root
