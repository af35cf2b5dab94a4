"""Running an election, step by step, into its record (record.md §8).

    (trustees: the key ceremony, ``tellers.trustee``; the credential authority:
     ``election.authority``, each on its own machine)
    open_election      ceremony and credential statement checked; manifest, ceremony and
                       credential list written; board opened
    (Board.cast / Board.audit while open, each ballot stamped with its time)
    close_and_tally    board closed; counted ballots summed (``sum_counted``, on a
                       mapper); tally published; the record so far sealed for the
                       trustees to verify
    (each trustee: verify the record so far, then ``trustee.decrypt``)
    publish_result     decryptions checked and combined, result declared, record sealed

The command line's demo and the web service drive exactly these functions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tellers import canonical
from tellers.board import Board, ElectionContext, event_hash, utc_now
from tellers.ceremony import Ceremony, Outcome, check_ceremony
from tellers.crypto.ceremony_messages import DecryptionShare
from tellers.crypto.group import Point
from tellers.election.authority import check_statement
from tellers.election.fingerprint import election_fingerprint, manifest_hash
from tellers.election.manifest import Manifest
from tellers.errors import InvalidProof, RecordError
from tellers.parallel import Mapper, local_mapper, worker_context
from tellers.postal.returns import return_ballot, return_sums
from tellers.ranked.board import counted_rows
from tellers.ranked.outcome import ranked_result
from tellers.record.store import (
    credentials_hash,
    nominations_file,
    seal,
    write_credentials,
    write_json,
)
from tellers.record.v2 import ballot_from_json, manifest_to_json
from tellers.record.v2_authority import statement_from_json
from tellers.record.v2_mix import MIX_LINE_END, mix_event_from_line
from tellers.record.v2_tally import result_to_json, tally_to_json
from tellers.record.v2_trustee import ceremony_to_json
from tellers.tally import Aggregator, ContestResult, ContestTally, Result, decrypt_and_declare
from tellers.verify.mix import MixChain, check_mix_decryptions, check_mixes
from tellers.verify.report import Report
from tellers.verify.tally import VerifiedTally, check_decryption

__all__ = [
    "OpenElection",
    "check_mix",
    "close_and_tally",
    "declare_ranked",
    "open_election",
    "opened_body",
    "publish_result",
    "sum_counted",
]


@dataclass(frozen=True, slots=True)
class OpenElection:
    directory: Path
    manifest: Manifest
    ceremony: Ceremony
    outcome: Outcome
    fingerprint: bytes
    credentials: dict[bytes, str]
    board: Board

    @property
    def election_key(self) -> Point:
        return self.outcome.joint_key

    @property
    def context(self) -> ElectionContext:
        return ElectionContext(self.manifest, self.fingerprint, self.election_key)


def opened_body(
    manifest: Manifest,
    ceremony: Ceremony,
    credentials: Iterable[tuple[bytes, str]],
    statement: dict[str, Any],
    opened_at: str,
) -> tuple[Outcome, bytes, dict[str, Any]]:
    """Check the ceremony and the authority's statement; (outcome, fingerprint, opened body).

    The same checks ``tellers verify`` makes of them (record.md §6.1, §3.5).
    """
    digest = manifest_hash(manifest)
    outcome = check_ceremony(digest, ceremony, manifest.quorum, manifest.trustees)
    listed = list(credentials)
    listed_hash = credentials_hash(listed)
    check_statement(
        statement_from_json(statement), digest, manifest.election_id, listed_hash, len(listed)
    )
    fingerprint = election_fingerprint(digest, outcome.joint_key, listed_hash)
    body = {
        "authority": statement,
        "credentials": len(listed),
        "credentials_hash": listed_hash.hex(),
        "fingerprint": fingerprint.hex(),
        "joint_key": outcome.joint_key.hex(),
        "manifest_hash": digest.hex(),
        "opened_at": opened_at,
    }
    return outcome, fingerprint, body


def open_election(
    directory: Path,
    manifest: Manifest,
    ceremony: Ceremony,
    credentials: Iterable[tuple[bytes, str]],
    statement: dict[str, Any],
    opened_at: str,
    *,
    fsync: bool = True,
    clock: Callable[[], str] = utc_now,
    nominations: Mapping[str, Iterable[bytes]] | None = None,
) -> OpenElection:
    """Check the ceremony and statement, publish manifest, ceremony and credentials, open.
    ``nominations`` (contest id → its log's lines) are published with them for the
    contests whose choices came from nominations (record.md §1.3)."""
    directory.mkdir(parents=True, exist_ok=True)
    table = dict(credentials)
    outcome, fingerprint, body = opened_body(
        manifest, ceremony, table.items(), statement, opened_at
    )
    write_json(directory / "manifest.json", manifest_to_json(manifest))
    write_json(directory / "ceremony.json", ceremony_to_json(ceremony))
    write_credentials(directory / "credentials.jsonl", table.items())
    for contest_id, lines in (nominations or {}).items():
        (directory / nominations_file(contest_id)).write_bytes(b"".join(x + b"\n" for x in lines))
    context = ElectionContext(manifest, fingerprint, outcome.joint_key)
    board = Board(directory / "board.jsonl", context, table, fsync=fsync, clock=clock)
    board.append("election-opened", body)
    return OpenElection(directory, manifest, ceremony, outcome, fingerprint, table, board)


@dataclass(frozen=True, slots=True)
class _Summing:
    """What each task of the tally is given once: the manifest, and the ballots not to count."""

    manifest: Manifest
    superseded: frozenset[bytes]


def _aggregate_chunk(lines: list[bytes]) -> tuple[tuple[ContestTally, ...], int]:
    """The encrypted sums of the chunk's accepted ballots that were not superseded, and
    how many they are."""
    summing: _Summing = worker_context()
    superseded = summing.superseded
    agg = Aggregator(summing.manifest)
    summed = 0
    for line in lines:
        body = canonical.loads(line)["body"]
        if bytes.fromhex(body["tracker"]) in superseded:
            continue
        if "ballot" in body:
            agg.add(ballot_from_json(body["ballot"]))
        else:  # a returned paper (postal.md §5.4)
            number = body["return"]["number"]
            sums = return_sums(summing.manifest, body["return"])
            agg.add(return_ballot(bytes(32), number, sums))
        summed += 1
    return agg.result(), summed


def close_and_tally(
    election: OpenElection,
    closed_at: str,
    *,
    workers: int = 1,
    mapper: Mapper | None = None,
    after_close: Callable[[], object] | None = None,
) -> tuple[ContestTally, ...]:
    """Close the board, sum the counted ballots, publish the tally and seal the record so far.

    ``after_close`` runs between the close and the tally: where there is a postal channel,
    the print authority's audit of the unused papers (postal.md §6).

    The sums are made by ``mapper`` (a Dask cluster's, say) or else by
    ``workers`` local processes (``sum_counted``). The record in progress
    (record.md §1) is what each trustee verifies before decrypting.
    """
    board = election.board
    board.close(closed_at)
    if after_close is not None:
        after_close()
    tallies = sum_counted(
        election.manifest, board.path, len(board.counted), workers=workers, mapper=mapper
    )
    board.append("tally", tally_to_json(tallies))
    seal(election.directory, board.seq, board.head, complete=False)
    return tallies


def sum_counted(
    manifest: Manifest,
    board: Path,
    counted: int,
    *,
    workers: int = 1,
    mapper: Mapper | None = None,
) -> tuple[ContestTally, ...]:
    """The encrypted totals of the ``counted`` ballots that count on the board file ``board``.

    The same whichever mapper makes them: the sum of ciphertexts does not
    depend on how the ballots are grouped (protocol.md §4; the tally event,
    record.md §6.2). This process only reads the board's lines and forwards
    those of accepted ballots; the workers parse them and leave out the
    superseded ones (record.md §5.3), so what is sequential here stays a scan
    of bytes. ``RecordError`` when the ballots summed are not ``counted``.
    """
    superseded = _superseded(board)
    run = local_mapper(workers) if mapper is None else mapper
    total = Aggregator(manifest)
    summed = 0
    for partial, count in run(
        _aggregate_chunk, _accepted_lines(board), context=_Summing(manifest, superseded), chunk=1000
    ):
        total.add_partial(partial)
        summed += count
    if summed != counted:
        raise RecordError(str(board), 0, f"summed {summed} ballots; the board counts {counted}")
    return total.result()


def _accepted_lines(path: Path) -> Iterator[bytes]:
    """The lines of accepted ballots and accepted papers (each line ends with its type)."""
    with open(path, "rb") as handle:
        for raw in handle:
            if raw.endswith((b'"type":"ballot-accepted"}\n', b'"type":"paper-accepted"}\n')):
                yield raw


def _superseded(path: Path) -> frozenset[bytes]:
    """The trackers of accepted ballots a later one replaced (record.md §5.3): few, so they
    travel to every worker; only the lines that name one are parsed."""
    out = set()
    for raw in _accepted_lines(path):
        if b'"supersedes":"' in raw:
            out.add(bytes.fromhex(canonical.loads(raw)["body"]["supersedes"]))
    return frozenset(out)


def record_mix(
    election: OpenElection,
    verified: VerifiedTally,
    chains: Mapping[str, MixChain],
    body: dict[str, Any],
    *,
    workers: int = 1,
) -> dict[str, MixChain]:
    """Put a trustee's signed shuffle on the board after checking it as the verifier will
    (``verify.mix``) against ``chains``, the ranked contests' chains as the record so far
    verified (``verify_record(...).mixes``), and seal the record in progress for the next
    trustee to verify; return the chains with it. ``workers`` processes check the proof."""
    board = election.board
    checked = check_mix(election.manifest, verified, chains, board.seq + 1, body, workers=workers)
    board.append("mix", body)
    seal(election.directory, board.seq, board.head, complete=False)
    contest = body["contest"]
    return {**checked, contest: dataclasses.replace(checked[contest], head=board.head)}


def check_mix(
    manifest: Manifest,
    verified: VerifiedTally,
    chains: Mapping[str, MixChain],
    line: int,
    body: dict[str, Any],
    *,
    workers: int = 1,
) -> dict[str, MixChain]:
    """Check one trustee's signed shuffle as the verifier will (``verify.mix``), as the next
    step of ``chains`` (the ranked contests' chains so far), to stand at board line ``line``;
    ``InvalidProof`` naming the fault if it does not check. The election on files
    (``record_mix``) and the web service both take a shuffle through this. Returns the
    chains with it (its ``head`` a placeholder until the line is written); ``workers``
    processes check the proof."""
    report = Report()
    event = (line, body, bytes(32))
    checked = check_mixes(
        report, manifest, verified, {}, [event], complete=False, start=chains, workers=workers
    )
    if report.failures:
        failure = report.failures[0]
        raise InvalidProof(f"{failure.where}: {failure.detail}")
    return checked


def _mix_events(path: Path) -> list[tuple[int, Any, bytes]]:
    """The board's ``mix`` events: (line, body, event hash)."""
    out = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if raw.rstrip(b"\n").endswith(MIX_LINE_END):
                line = raw.rstrip(b"\n")
                event = mix_event_from_line(line) or canonical.loads(line)
                out.append((number, event["body"], event_hash(line)))
    return out


def publish_result(
    election: OpenElection,
    verified: VerifiedTally,
    decryptions: Sequence[dict[str, Any]],
    mix_decryptions: Sequence[dict[str, Any]] = (),
    chains: Mapping[str, MixChain] | None = None,
    *,
    workers: int = 1,
) -> tuple[Result, bytes]:
    """Check the trustees' decryption messages, decrypt, declare, seal; return (result, root).

    ``verified`` is the tally as the verifier recomputed it from the record so
    far (``verify_record(...).tally``). Each message is checked as the verifier
    will: a qualified trustee's, signed, of this board's tally (its line's
    hash), with valid proofs.
    """
    manifest = election.manifest
    if len(decryptions) < manifest.quorum:
        raise InvalidProof(f"decryption needs {manifest.quorum} trustees, found {len(decryptions)}")
    if verified.fingerprint != election.fingerprint:
        raise InvalidProof("the verified tally is another election's")
    board = election.board
    tallies = verified.tallies
    batches: list[Sequence[DecryptionShare]] = []
    for body in decryptions:
        batches.append(check_decryption(manifest, verified, body).shares)
    ranked = _ranked_results(election, verified, mix_decryptions, chains, workers)
    for body in decryptions:
        board.append("decryption", body)
    for body in mix_decryptions:
        board.append("mix-decryption", body)
    result = decrypt_and_declare(
        manifest,
        tallies,
        batches[: manifest.quorum],
        election.credentials.values(),
        len(board.counted),
        ranked,
    )
    body = result_to_json(result)
    board.append("result", body)
    write_json(election.directory / "result.json", body)
    board.close_file()
    root = seal(election.directory, board.seq, board.head)
    return result, root


def _ranked_results(
    election: OpenElection,
    verified: VerifiedTally,
    bodies: Sequence[dict[str, Any]],
    chains: Mapping[str, MixChain] | None,
    workers: int = 1,
) -> dict[str, ContestResult]:
    """Each ranked contest's result from the trustees' decryptions of its mixed rows, each
    checked as the verifier will (``verify.mix``); ``chains`` are the mixes as the record
    so far verified (``verify_record(...).mixes``), else checked here."""
    manifest = election.manifest
    if not any(c.ranked for c in manifest.contests):
        return {}
    board = election.board
    if chains is None:
        report = Report()
        rows = counted_rows(board.path, manifest, set(board.counted.values()))
        with_rows = {c: r for c, r in rows.items() if r}
        events = _mix_events(board.path)
        chains = check_mixes(
            report, manifest, verified, with_rows, events, complete=True, workers=workers
        )
        if report.failures:
            failure = report.failures[0]
            raise InvalidProof(f"{failure.where}: {failure.detail}")
    lines = [(board.seq + 1 + i, body) for i, body in enumerate(bodies)]
    return declare_ranked(
        manifest, verified, chains, lines, election.credentials.values(), workers=workers
    )


def declare_ranked(
    manifest: Manifest,
    verified: VerifiedTally,
    chains: Mapping[str, MixChain],
    lines: Sequence[tuple[int, dict[str, Any]]],
    constituencies: Iterable[str],
    *,
    workers: int = 1,
) -> dict[str, ContestResult]:
    """Each ranked contest's result (``ranked_result``) from the trustees' decryptions of its
    last shuffled rows, ``lines`` being (board line, body), each checked as the verifier will
    (``verify.mix.check_mix_decryptions``) against ``chains``; ``InvalidProof`` if one fails
    or a contest with rows lacks a quorum. ``constituencies``: one per published credential.
    The election on files (``publish_result``) and the web service both declare through it."""
    report = Report()
    opened = check_mix_decryptions(
        report, manifest, verified, chains, list(lines), complete=True, workers=workers
    )
    if report.failures or opened is None:
        failure = report.failures[0]
        raise InvalidProof(f"{failure.where}: {failure.detail}")
    per_contest, _total = manifest.electorate(constituencies)
    return {
        c.id: ranked_result(c, opened.get(c.id, ()), per_contest[c.id], verified.fingerprint)
        for c in manifest.contests
        if c.ranked
    }
