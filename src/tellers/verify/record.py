"""``verify_record``: re-check a whole election record, trusting nothing in it (record.md §9).

Unusable input (a missing file, a line that is not JSON, a truncated line,
a manifest that cannot be read) raises ``RecordError`` naming the file and
line. Everything else is a check: a failed one is recorded in the report,
naming the check and the ballot, trustee, file or contest, and checking
goes on so that one run reports every failure it can.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tellers import canonical
from tellers.board import GENESIS, ElectionContext, event_hash
from tellers.crypto import threshold
from tellers.crypto.ceremony_messages import DecryptionShare, TrusteeCommitment
from tellers.crypto.elgamal import Ciphertext
from tellers.crypto.group import Point
from tellers.election.fingerprint import election_fingerprint, manifest_hash
from tellers.election.manifest import Manifest
from tellers.errors import (
    CountingError,
    DecryptionError,
    EncodingError,
    InvalidProof,
    InvalidShare,
    ManifestError,
    RecordError,
)
from tellers.parallel import chunked_map
from tellers.record.store import FILES, file_sha256, read_credentials, read_index, read_json
from tellers.record.v1 import ballot_from_json, manifest_from_json, manifest_to_json
from tellers.record.v1_tally import (
    ceremony_from_json,
    decryption_from_json,
    result_to_json,
    tally_from_json,
)
from tellers.tally import Aggregator, ContestTally, declare, flatten
from tellers.verify.ballots import BallotCheck, BallotItem, check_chunk
from tellers.verify.report import Report
from tellers.verify.rules import BoardState, compare_result

__all__ = ["verify_record"]

Progress = Callable[[int, int], None]


def verify_record(directory: Path, *, workers: int = 1, progress: Progress | None = None) -> Report:
    report = Report()
    index = read_index(directory)
    report.root = file_sha256(directory / "index.json").hex()
    for name in FILES:
        path = directory / name
        if not path.is_file():
            raise RecordError(str(path), 0, "missing from the record")
        report.ran("record-index")
        if file_sha256(path).hex() != index["files"][name]:
            report.fail("record-index", name, "SHA-256 differs from index.json")

    manifest = _read_manifest(directory / "manifest.json")
    names, commitments = _read_ceremony(directory / "ceremony.json")
    credentials, credentials_hash = _read_credentials(directory / "credentials.jsonl", report)

    digest = manifest_hash(manifest)
    key = _check_ceremony(report, manifest, digest, commitments)
    fingerprint = election_fingerprint(digest, key, credentials_hash)
    context = ElectionContext(manifest, fingerprint, key)
    state = BoardState(manifest, credentials, report)

    board_path = directory / "board.jsonl"
    items = _scan_board(board_path, state, report, index, progress)
    checks: Iterator[tuple[list[BallotCheck], tuple[ContestTally, ...]]] = chunked_map(
        check_chunk, items, context=context, workers=workers, chunk=128
    )
    aggregate = Aggregator(manifest)
    for results, partial in checks:
        aggregate.add_partial(partial)
        for result in results:
            state.ballot(result)
    state.finish()
    _subtract(aggregate, board_path, state.uncounted_lines())

    opened = state.opened or {}
    _compare_opened(report, opened, digest, key, credentials_hash, len(credentials), fingerprint)
    recomputed = aggregate.result()
    _check_tally(report, state, recomputed)
    values = _check_decryption(report, manifest, fingerprint, commitments, state)
    per_contest, total = manifest.electorate(credentials.values())
    figures: dict[str, Any] = {"electorate": total, "ballots_counted": state.counted_total()}
    if values is not None:
        try:
            declared = declare(
                manifest, recomputed, values, per_contest, total, state.counted_total()
            )
        except CountingError as exc:  # decrypted totals that no set of ballots could give
            report.ran("result-counts")
            report.fail("result-counts", "decrypted totals", str(exc))
            values = None
    if values is not None:
        expected = result_to_json(declared)
        compare_result(report, expected, state.result_event)
        file_result = read_json(directory / "result.json")
        report.ran("result-file")
        if file_result != state.result_event:
            report.fail("result-file", "result.json", "differs from the board's result event")
        figures = _figures(expected)
    report.figures = figures
    report.figures["trustees"] = names
    return report


def _read_manifest(path: Path) -> Manifest:
    """The manifest, which must be written out in full (defaults included) as it was hashed."""
    raw = read_json(path)
    try:
        manifest = manifest_from_json(raw)
    except (EncodingError, ManifestError) as exc:
        raise RecordError(str(path), 1, str(exc)) from None
    if manifest_to_json(manifest) != raw:
        raise RecordError(
            str(path), 1, "fields are missing or extra: a record's manifest is complete"
        )
    return manifest


def _read_ceremony(path: Path) -> tuple[list[str], list[TrusteeCommitment]]:
    try:
        return ceremony_from_json(read_json(path))
    except EncodingError as exc:
        raise RecordError(str(path), 1, str(exc)) from None


def _read_credentials(path: Path, report: Report) -> tuple[dict[bytes, str], bytes]:
    table: dict[bytes, str] = {}
    previous = b""
    for line, credential, constituency in read_credentials(path):
        report.ran("credentials")
        if credential <= previous:
            report.fail("credentials", f"credentials.jsonl:{line}", "not sorted or repeated")
        previous = credential
        table[credential] = constituency
    return table, file_sha256(path)


def _check_ceremony(
    report: Report, manifest: Manifest, digest: bytes, commitments: list[TrusteeCommitment]
) -> Point:
    report.ran("ceremony")
    try:
        threshold.check_commitments(digest, commitments, manifest.quorum, manifest.trustees)
    except InvalidShare as exc:
        report.fail("ceremony", f"trustee {exc.sender}", exc.problem)
    except EncodingError as exc:
        report.fail("ceremony", "ceremony.json", str(exc))
    return threshold.joint_public_key(commitments)


def _scan_board(
    path: Path,
    state: BoardState,
    report: Report,
    index: dict[str, Any],
    progress: Progress | None,
) -> Iterator[BallotItem]:
    """Read the board in order: chain and order checks here, ballots out to the workers."""
    prev = GENESIS
    total = index["board"]["events"]
    number = 0
    name = "board.jsonl"
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):
                raise RecordError(str(path), number, "truncated line (no newline at the end)")
            line = raw[:-1]
            try:
                event = canonical.loads(line, f"{name}:{number}")
            except EncodingError as exc:
                raise RecordError(str(path), number, exc.problem) from None
            if not isinstance(event, dict) or set(event) != {"seq", "prev", "type", "body"}:
                raise RecordError(str(path), number, "expected an object: seq, prev, type, body")
            report.ran("board-chain")
            if event["seq"] != number - 1 or event["prev"] != prev.hex():
                report.fail(
                    "board-chain",
                    f"{name}:{number}",
                    f"seq {event['seq']!r} / prev do not follow line {number - 1}",
                )
            if canonical.dumps(event) != line:
                report.fail("board-chain", f"{name}:{number}", "line is not canonical JSON")
            prev = event_hash(line)
            item = state.event(number, event["type"], event["body"])
            if item is not None:
                yield item
            if progress is not None and number % 1000 == 0:
                progress(number, total)
    report.ran("record-index")
    if number != total or prev.hex() != index["board"]["head"]:
        report.fail("record-index", name, "board length or head hash differs from index.json")
    if progress is not None:
        progress(number, total)


def _subtract(aggregate: Aggregator, path: Path, lines: set[int]) -> None:
    """Take superseded ballots back out of the sums (they were added with the rest)."""
    if not lines:
        return
    negated = Aggregator(aggregate.manifest)
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number in lines:
                ballot = ballot_from_json(canonical.loads(raw)["body"]["ballot"])
                negated.add(ballot)
    aggregate.add_partial([_negate(t) for t in negated.result()])


def _negate(t: ContestTally) -> ContestTally:
    def neg(c: Ciphertext) -> Ciphertext:
        return Ciphertext(-c.alpha, -c.beta)

    return ContestTally(
        t.contest_id,
        -t.ballots,
        tuple(neg(c) for c in t.choices),
        None if t.blank is None else neg(t.blank),
    )


def _compare_opened(
    report: Report,
    opened: dict[str, Any],
    digest: bytes,
    key: Point,
    credentials_hash: bytes,
    count: int,
    fingerprint: bytes,
) -> None:
    for check, field, value in (
        ("manifest", "manifest_hash", digest.hex()),
        ("ceremony", "joint_key", key.hex()),
        ("credentials", "credentials_hash", credentials_hash.hex()),
        ("credentials", "credentials", count),
        ("fingerprint", "fingerprint", fingerprint.hex()),
    ):
        report.ran(check)
        if opened.get(field) != value:
            report.fail(
                check,
                f"election-opened.{field}",
                f"recomputed {value}, published {opened.get(field)!r}",
            )


def _check_tally(report: Report, state: BoardState, recomputed: tuple[ContestTally, ...]) -> None:
    report.ran("tally")
    if state.tally_event is None:
        report.fail("tally", "board.jsonl", "no tally event")
        return
    try:
        published = tally_from_json(state.tally_event)
    except EncodingError as exc:
        report.fail("tally", "tally event", str(exc))
        return
    state.tally = published
    if len(published) != len(recomputed):
        report.fail("tally", "tally event", "wrong number of contests")
        return
    for mine, theirs in zip(recomputed, published, strict=True):
        if mine != theirs:
            report.fail(
                "tally",
                f"contest {mine.contest_id}",
                "published encrypted totals or ballot count differ from the sums of the "
                f"counted ballots (counted {mine.ballots}, published {theirs.ballots})",
            )


def _check_decryption(
    report: Report,
    manifest: Manifest,
    fingerprint: bytes,
    commitments: list[TrusteeCommitment],
    state: BoardState,
) -> list[int] | None:
    if state.tally is None:
        return None
    ciphertexts = flatten(state.tally)
    good: list[list[DecryptionShare]] = []
    for body in state.decryption_events:
        report.ran("decryption")
        try:
            trustee, shares = decryption_from_json(body)
            threshold.check_decryption_shares(fingerprint, commitments, ciphertexts, shares)
        except (EncodingError, InvalidProof) as exc:
            report.fail("decryption", f"trustee {body.get('trustee')!r}", str(exc))
            continue
        if any(batch[0].trustee == trustee for batch in good if batch):
            report.fail("decryption", f"trustee {trustee}", "decrypted twice")
            continue
        good.append(shares)
    if len(good) < manifest.quorum:
        report.fail(
            "decryption",
            "board.jsonl",
            f"{len(good)} valid trustee decryptions; the quorum is {manifest.quorum}",
        )
        return None
    bound = max([t.ballots for t in state.tally] + [0])
    try:
        return threshold.threshold_decrypt(ciphertexts, good[: manifest.quorum], bound)
    except DecryptionError as exc:
        report.fail("decryption", "combined shares", str(exc))
        return None


def _figures(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "electorate": result["electorate"],
        "ballots_counted": result["ballots_counted"],
        "turnout": result["turnout"],
        "contests": [
            {
                "id": c["id"],
                "counts": c["counts"],
                "blank": c["blank"],
                "ballots": c["ballots"],
                "electorate": c["electorate"],
                "turnout": c["turnout"],
                "winners": c["winners"],
                "tied": c["tied"],
                "thresholds": c["thresholds"],
                "thresholds_met": c["thresholds_met"],
            }
            for c in result["contests"]
        ],
    }
