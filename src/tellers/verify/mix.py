"""The ranked contests' mix and its decryption, as the verifier and each trustee check them
(record.md §6.4; ranked.md §4–§5): the ``mix`` and ``mix-decryption`` checks.

For each ranked contest whose board rows (``tellers.ranked.board.counted_rows``) are not
empty, the ``mix`` events naming it form its chain: position 1, 2, … in board order, each
signed by a distinct qualified trustee, each taking the rows of the line its ``input``
names (the tally's for position 1, the contest's previous mix for the others), each proof
checked against those rows. The ``mix-decryption`` events naming the contest must each
name its last mix line, be signed by a qualified trustee who has not decrypted it before,
and hold one valid share per ciphertext; the first ``quorum`` valid ones open the rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from tellers import canonical
from tellers.board import event_hash
from tellers.ceremony import check_signed_by
from tellers.crypto.packed import PackedRows
from tellers.crypto.shuffle import check_shuffle
from tellers.crypto.shuffle_proof import ChunkMap, chunk_rows_for
from tellers.election.manifest import Manifest
from tellers.errors import EncodingError, InvalidProof, InvalidShare, InvalidSignature, RecordError
from tellers.parallel import process_map
from tellers.ranked.decrypt import RowShares, check_row_shares, open_rows
from tellers.ranked.mix import mix_context
from tellers.record.v2_mix import mix_decryption_from_json, mix_event_from_line, mix_from_json
from tellers.verify.report import Report
from tellers.verify.tally import VerifiedTally

__all__ = ["MixChain", "bodies_at", "check_mix_decryptions", "check_mixes"]

T = TypeVar("T")

_FAULTS = (EncodingError, InvalidProof, InvalidShare, InvalidSignature)


@dataclass(frozen=True, slots=True)
class MixChain:
    """One ranked contest's verified chain: its last rows and the line that published them."""

    rows: PackedRows
    """The rows, as their encodings (``PackedRows``)."""
    head: bytes
    """The event hash of the contest's last valid mix line (the tally's if there is none)."""
    shuffles: int
    trustees: frozenset[int] = frozenset()
    """The trustees who shuffled it."""


def check_mixes(
    report: Report,
    manifest: Manifest,
    verified: VerifiedTally,
    board_rows: Mapping[str, PackedRows],
    events: Iterable[tuple[int, Any, bytes]],
    *,
    complete: bool,
    start: Mapping[str, MixChain] | None = None,
    workers: int = 1,
) -> dict[str, MixChain]:
    """Each ranked contest's chain, checked event by event; a chain stops at its first bad
    event (the next trustee must shuffle from the last good rows, and a later event that
    names a bad one fails too). ``start`` continues chains already checked (the events are
    then only those after them). With ``workers`` > 1 each proof's row terms are computed
    by that many processes of this machine (``shuffle_check``'s chunks)."""
    chains = {c: MixChain(rows, verified.tally_hash, 0) for c, rows in board_rows.items()}
    del board_rows  # each contest's board rows live on only in its chain, until shuffled
    chains.update(start or {})
    pending = _first(events)
    if pending is not None:
        with process_map(workers) as map_chunks:
            _check_events(report, manifest, verified, chains, pending, map_chunks, workers)
    for contest, chain in chains.items():
        if chain.shuffles < manifest.quorum and complete:
            report.ran("mix")
            report.fail("mix", f"contest {contest}", _too_few(chain, manifest.quorum))
    return chains


def _too_few(chain: MixChain, quorum: int) -> str:
    """Why a chain of fewer than ``quorum`` shuffles may not be decrypted (ranked.md §4):
    with fewer, the shufflers alone, fewer trustees than can decrypt, could link the
    decrypted rankings to their ballots."""
    if chain.shuffles == 0:
        return "no valid shuffle of its rows"
    return (
        f"only {chain.shuffles} trustee(s) validly shuffled its rows; at least the quorum, "
        f"{quorum}, must shuffle them before any decryption"
    )


def _check_events(
    report: Report,
    manifest: Manifest,
    verified: VerifiedTally,
    chains: dict[str, MixChain],
    events: Iterable[tuple[int, Any, bytes]],
    map_chunks: ChunkMap,
    workers: int,
) -> None:
    broken: set[str] = set()
    for line, body, digest in events:
        report.ran("mix")
        where = read_where = f"board.jsonl:{line} trustee {body.get('trustee')!r}"
        try:
            message = mix_from_json(body)
            contest = message.contest
            if contest not in chains:
                raise InvalidProof(f"contest {contest!r} is not a ranked contest with ballots")
            chain = chains[contest]
            step = message.step
            where = f"board.jsonl:{line} contest {contest} shuffle {step.position}"
            if contest in broken:
                raise InvalidProof("follows a shuffle that failed")
            _check_message(manifest, verified, message.election_id, message.fingerprint)
            if step.trustee not in verified.qualified:
                raise InvalidProof(f"trustee {step.trustee} is not a qualified trustee")
            if step.trustee in chain.trustees:
                raise InvalidProof(f"trustee {step.trustee} has already shuffled these rows")
            if step.position != chain.shuffles + 1:
                raise InvalidProof(f"expected position {chain.shuffles + 1}, found {step.position}")
            if message.input != chain.head:
                raise InvalidProof("its input is not the line before it in the chain")
            check_signed_by(verified.announcements, step.trustee, body, "mix")
            check_shuffle(
                verified.fingerprint,
                verified.outcome.joint_key,
                chain.rows,
                step.rows,
                step.proof,
                context=mix_context(contest, step.trustee, step.position),
                map_chunks=map_chunks,
                chunk_rows=chunk_rows_for(len(chain.rows), workers),
            )
        except _FAULTS as exc:
            if isinstance(exc, EncodingError) and exc.field.startswith("mix.rows"):
                # A point of the rows that is none, found as they were decoded for the
                # proof's sums: named where the reading of the event names its faults.
                where = read_where
            report.fail("mix", where, str(exc))
            if isinstance(body, dict) and body.get("contest") in chains:
                broken.add(body["contest"])
            continue
        chains[contest] = MixChain(
            step.rows, digest, step.position, chain.trustees | {step.trustee}
        )
        del chain, body  # the rows before this shuffle, and its JSON, are freed now


def check_mix_decryptions(
    report: Report,
    manifest: Manifest,
    verified: VerifiedTally,
    chains: Mapping[str, MixChain],
    events: Iterable[tuple[int, Any]],
    *,
    complete: bool,
    workers: int = 1,
) -> dict[str, tuple[tuple[int | None, ...], ...]] | None:
    """Each ranked contest's decrypted rows, from the first ``quorum`` valid decryptions of
    its last mixed rows; None if a contest with ballots lacks them. With ``workers`` > 1 the
    shares' proofs are checked by that many processes."""
    pending = _first(events)
    with process_map(workers if pending is not None else 1) as map_chunks:
        return _decryptions(
            report, manifest, verified, chains, pending or iter(()), complete, map_chunks
        )


def _decryptions(
    report: Report,
    manifest: Manifest,
    verified: VerifiedTally,
    chains: Mapping[str, MixChain],
    events: Iterable[tuple[int, Any]],
    complete: bool,
    map_chunks: ChunkMap,
) -> dict[str, tuple[tuple[int | None, ...], ...]] | None:
    good: dict[str, list[RowShares]] = {c: [] for c in chains}
    done: dict[str, set[int]] = {c: set() for c in chains}
    for line, body in events:
        report.ran("mix-decryption")
        where = f"board.jsonl:{line} trustee {body.get('trustee')!r}"
        try:
            message = mix_decryption_from_json(body)
            contest = message.contest
            if contest not in chains:
                raise InvalidProof(f"contest {contest!r} is not a ranked contest with ballots")
            where = f"board.jsonl:{line} contest {contest} trustee {message.trustee}"
            chain = chains[contest]
            _check_message(manifest, verified, message.election_id, message.fingerprint)
            if chain.shuffles == 0 or message.mix != chain.head:
                raise InvalidProof("it decrypts other rows than the contest's last valid shuffle")
            if chain.shuffles < manifest.quorum:
                raise InvalidProof(
                    f"it decrypts rows only {chain.shuffles} trustee(s) shuffled; at least "
                    f"the quorum, {manifest.quorum}, must shuffle them before any decryption"
                )
            if message.trustee not in verified.qualified:
                raise InvalidProof(f"trustee {message.trustee} is not a qualified trustee")
            if message.trustee in done[contest]:
                raise InvalidProof("decrypted twice")
            check_signed_by(verified.announcements, message.trustee, body, "mix-decryption")
            check_row_shares(
                verified.fingerprint, verified.outcome.commitments, chain.rows, message.shares,
                map_chunks=map_chunks,
            )  # fmt: skip
        except _FAULTS as exc:
            report.fail("mix-decryption", where, str(exc))
            continue
        done[contest].add(message.trustee)
        good[contest].append(message.shares)
        del body  # its JSON is freed before the next decryption is read
    opened: dict[str, tuple[tuple[int | None, ...], ...]] = {}
    for contest, batches in good.items():
        if len(batches) < manifest.quorum:
            if complete:
                report.ran("mix-decryption")
                report.fail(
                    "mix-decryption",
                    f"contest {contest}",
                    f"{len(batches)} valid trustee decryptions; the quorum is {manifest.quorum}",
                )
            return None
        candidates = len(manifest.contest(contest).choices)
        opened[contest] = open_rows(chains[contest].rows, batches[: manifest.quorum], candidates)
    return opened


def bodies_at(path: Path, lines: Iterable[tuple[int, bytes]]) -> Iterator[tuple[int, Any, bytes]]:
    """(line, body, event hash) of the board's events at ``lines``, (line, event hash) pairs
    in ascending order as the scan found them, read again one at a time as they are asked
    for, so that the caller holds one mix or mix decryption at a time; ``RecordError`` if a
    line no longer has the hash the scan found (the file changed under the verifier). A
    canonical mix's rows are read from the line's bytes (``mix_event_from_line``)."""
    wanted = iter(lines)
    target = next(wanted, None)
    if target is None:
        return
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == target[0]:
                line = raw.rstrip(b"\n")
                if event_hash(line) != target[1]:
                    raise RecordError(str(path), number, "changed while it was being verified")
                event = mix_event_from_line(line)
                if event is None:
                    event = canonical.loads(line)
                yield number, event["body"], target[1]
                del event, line, raw
                target = next(wanted, None)
                if target is None:
                    return


def _first(events: Iterable[T]) -> Iterator[T] | None:
    """``events`` as an iterator, None if there are none (read lazily: only the first)."""
    it = iter(events)
    head = next(it, None)
    return None if head is None else itertools.chain([head], it)


def _check_message(
    manifest: Manifest, verified: VerifiedTally, election_id: str, fingerprint: bytes
) -> None:
    if fingerprint != verified.fingerprint or election_id != manifest.election_id:
        raise InvalidProof("made for another election")
