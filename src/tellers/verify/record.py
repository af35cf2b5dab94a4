"""``verify_record``: re-check a whole election record, trusting nothing in it (record.md §9).

Unusable input (a missing file, a line that is not JSON, a truncated line,
a manifest that cannot be read) raises ``RecordError`` naming the file and
line. Everything else is a check: a failed one is recorded in the report,
naming the check and the ballot, trustee, file or contest, and checking
goes on so that one run reports every failure it can.

A record *in progress* — its board ending at the tally or among the
decryptions, without ``result.json`` — is what a trustee verifies before it
decrypts; the report then carries the ``VerifiedTally`` (``report.tally``)
when everything up to the tally checks out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tellers import canonical
from tellers.board import GENESIS, ElectionContext, event_hash
from tellers.ceremony import Ceremony, Outcome
from tellers.crypto.elgamal import Ciphertext
from tellers.crypto.group import Point
from tellers.election.fingerprint import election_fingerprint, manifest_hash
from tellers.election.manifest import Manifest
from tellers.election.statutory import rules_figures
from tellers.errors import CountingError, EncodingError, ManifestError, RecordError
from tellers.parallel import Mapper, local_mapper
from tellers.parties import key_fingerprint, short_text
from tellers.postal.returns import return_ballot, return_sums
from tellers.ranked.board import counted_rows
from tellers.ranked.outcome import ranked_result
from tellers.record.store import FILES, file_sha256, read_index, read_json
from tellers.record.v2 import FORMATS, ballot_from_json, manifest_from_json, manifest_to_json
from tellers.record.v2_manifest import (
    NOMINATIONS_MANIFEST_FORMAT,
    RANKED_MANIFEST_FORMAT,
    STATUTORY_MANIFEST_FORMAT,
    TIE_ORDER_MANIFEST_FORMAT,
)
from tellers.record.v2_mix import mix_event_from_line
from tellers.record.v2_tally import result_to_json
from tellers.tally import Aggregator, ContestResult, ContestTally, declare
from tellers.verify.ballots import BallotCheck, check_chunk
from tellers.verify.mix import bodies_at, check_mix_decryptions, check_mixes
from tellers.verify.nominations import check_nominations
from tellers.verify.parties import (
    check_ceremony_file,
    check_opened,
    read_ceremony,
    read_credential_list,
)
from tellers.verify.postal import PaperCheck
from tellers.verify.report import Failure, Report
from tellers.verify.rules import BoardState, compare_result
from tellers.verify.tally import VerifiedTally, check_decryptions, check_tally

__all__ = ["check_files", "in_board_order", "result_figures", "verify_record"]

Progress = Callable[[int, int], None]


def verify_record(
    directory: Path,
    *,
    workers: int = 1,
    progress: Progress | None = None,
    mapper: Mapper | None = None,
) -> Report:
    """The report on the record in ``directory``; ballots are checked by ``mapper`` when given
    (``tellers.distributed.dask_mapper`` for a cluster), else by ``workers`` local processes."""
    report = Report()
    index = read_index(directory)
    report.root = file_sha256(directory / "index.json").hex()
    complete = "result.json" in index["files"]
    check_files(report, directory, index)

    manifest = _read_manifest(directory / "manifest.json", index["format"])
    ceremony = read_ceremony(directory / "ceremony.json")
    credentials, credentials_hash = read_credential_list(
        directory / "credentials.jsonl", manifest, report
    )
    digest = manifest_hash(manifest)
    outcome = check_ceremony_file(report, manifest, digest, ceremony)
    key = Point.generator() if outcome is None else outcome.joint_key
    fingerprint = election_fingerprint(digest, key, credentials_hash)
    context = ElectionContext(manifest, fingerprint, key)
    state = BoardState(manifest, credentials, report, directory / "papers.jsonl", fingerprint)

    board_path = directory / "board.jsonl"
    items = _scan_board(board_path, state, report, index, progress)
    run = mapper if mapper is not None else local_mapper(workers)
    checks: Iterator[tuple[list[BallotCheck | PaperCheck], tuple[ContestTally, ...]]] = run(
        check_chunk, items, context=context, chunk=128
    )
    aggregate = Aggregator(manifest)
    scanned_from = len(report.failures)
    for results, partial in checks:
        aggregate.add_partial(partial)
        for result in results:
            state.ballot(result)
    # The scan runs ahead of the ballot checks by as many chunks as the mapper keeps in
    # flight, so its findings and theirs arrive interleaved by chance: put them in board
    # order (record.md §9.3), whatever ran the checks.
    report.failures[scanned_from:] = in_board_order(report.failures[scanned_from:])
    state.finish()
    _subtract(aggregate, board_path, state.uncounted_lines())

    check_opened(
        report,
        manifest,
        state.opened or {},
        {
            "manifest_hash": ("manifest", digest.hex()),
            "joint_key": ("ceremony", key.hex() if outcome else "(no valid ceremony)"),
            "credentials_hash": ("credentials", credentials_hash.hex()),
            "credentials": ("credentials", len(credentials)),
            "fingerprint": ("fingerprint", fingerprint.hex()),
        },
        (credentials_hash, len(credentials)),
    )
    recomputed = aggregate.result()
    published = check_tally(report, state.tally_event, recomputed)
    per_contest, total = manifest.electorate(credentials.values())
    report.figures = {
        "electorate": total,
        "ballots_counted": state.counted_total(),
        "fingerprint": short_text(fingerprint),
        "parties": _parties(ceremony, outcome, state.opened),
    }
    channels = state.channel_figures()
    if channels is not None:
        report.figures["channels"] = channels
    if manifest.kind is not None:
        report.figures["rules"] = rules_figures(manifest)
    if any(c.nominations for c in manifest.contests) or any(
        name.startswith("nominations-") for name in index["files"]
    ):
        report.figures["nominations"] = check_nominations(report, directory, manifest, index)
    if outcome is None or published is None:
        _missing_result(report, complete)
        return report
    verified = VerifiedTally(
        digest,
        fingerprint,
        state.tally_hash,
        recomputed,
        ceremony.announcements,
        outcome,
        state.tally_line,
        index,
        (per_contest, total),
        state.counted_total(),
    )
    if not report.failures:  # everything up to the tally checks out: a trustee may decrypt it
        report.tally = verified
    values = check_decryptions(
        report, manifest, verified, state.decryption_events, complete=complete
    )
    ranked = _ranked(report, manifest, verified, state, board_path, per_contest, complete, workers)
    if values is None or not complete or ranked is None:
        _missing_result(report, complete)
        return report
    try:
        declared = declare(
            manifest, recomputed, values, per_contest, total, state.counted_total(), ranked
        )
    except CountingError as exc:  # decrypted totals that no set of ballots could give
        report.ran("result-counts")
        report.fail("result-counts", "decrypted totals", str(exc))
        return report
    expected = result_to_json(declared)
    compare_result(report, expected, state.result_event)
    report.ran("result-file")
    if read_json(directory / "result.json") != state.result_event:
        report.fail("result-file", "result.json", "differs from the board's result event")
    report.figures.update(result_figures(expected))
    return report


def _ranked(
    report: Report,
    manifest: Manifest,
    verified: VerifiedTally,
    state: BoardState,
    board: Path,
    electorate: dict[str, int],
    complete: bool,
    workers: int,
) -> dict[str, ContestResult] | None:
    """Each ranked contest's result from its verified mix and decryption (record.md §6.4),
    or None where one is missing or fails; {} when the manifest has none."""
    if not any(c.ranked for c in manifest.contests):
        return {}
    record_format = verified.index["format"]
    if state.mix_decryption_lines and FORMATS.index(record_format) < FORMATS.index(
        BATCHED_DECRYPTION_FORMAT
    ):
        raise RecordError(
            str(board),
            state.mix_decryption_lines[0][0],
            f"a {record_format} record's mix decryptions carry a proof per share, which this "
            f"verifier no longer reads: the trustees decrypt the same mixed rows again into "
            f"a {BATCHED_DECRYPTION_FORMAT} record (record.md §1.2)",
        )
    counted = {bytes.fromhex(tracker) for _line, tracker in state.counted.values()}
    rows = counted_rows(board, manifest, counted)
    sizes = {c: len(r) for c, r in rows.items()}
    before = len(report.failures)
    # The board's rows go to check_mixes and nowhere else, so they are freed once the first
    # shuffle of each contest has been checked (a 130,071-ballot contest's are 1 GB).
    chains = check_mixes(
        report, manifest, verified, {c: rows.pop(c) for c in list(rows) if rows[c]},
        bodies_at(board, state.mix_lines), complete=complete, workers=workers,
    )  # fmt: skip
    if not report.failures:
        report.mixes = chains
    opened = check_mix_decryptions(
        report, manifest, verified, chains,
        ((line, body) for line, body, _ in bodies_at(board, state.mix_decryption_lines)),
        complete=complete, workers=workers,
    )  # fmt: skip
    if opened is None or len(report.failures) > before:
        return None
    results = {}
    for contest_id, size in sizes.items():
        contest = manifest.contest(contest_id)
        values = opened.get(contest_id, ())
        try:
            results[contest_id] = ranked_result(
                contest, values, electorate[contest_id], verified.fingerprint
            )
        except CountingError as exc:
            report.ran("ranked-count")
            report.fail("ranked-count", f"contest {contest_id}", str(exc))
            return None
        assert len(values) == size
    return results


_BOARD_LINE = re.compile(r"board\.jsonl:(\d+)")


def in_board_order(failures: list[Failure]) -> list[Failure]:
    """``failures`` by the board line each names, those of one line in the order found, and
    those naming no line after them, in the order found (a stable sort)."""

    def line(failure: Failure) -> tuple[int, int]:
        found = _BOARD_LINE.match(failure.where)
        return (0, int(found.group(1))) if found else (1, 0)

    return sorted(failures, key=line)


def _parties(ceremony: Ceremony, outcome: Outcome | None, opened: Any) -> list[dict[str, Any]]:
    """The credential authority and the trustees as the record names them, with fingerprints."""
    out: list[dict[str, Any]] = []
    authority = opened.get("authority") if isinstance(opened, dict) else None
    if isinstance(authority, dict) and isinstance(authority.get("signing_key"), str):
        try:
            key = bytes.fromhex(authority["signing_key"])
            out.append(
                {
                    "role": "credential authority",
                    "name": str(authority.get("name", "")),
                    "fingerprint": key_fingerprint(key),
                }
            )
        except ValueError:
            pass
    names = dict(ceremony.names)
    for a in ceremony.announcements:
        out.append(
            {
                "role": f"trustee {a.trustee}",
                "name": names.get(a.trustee, ""),
                "fingerprint": key_fingerprint(a.signing_key),
                "qualified": outcome is not None and a.trustee in outcome.qualified,
            }
        )
    return out


def _missing_result(report: Report, complete: bool) -> None:
    if complete and not report.failed("result-counts"):
        report.ran("result-counts")
        report.fail("result-counts", "result.json", "no result can be recomputed from this record")


def check_files(report: Report, directory: Path, index: dict[str, Any]) -> None:
    """Exactly index.json and the files it lists, each with the hash it gives."""
    if not directory.is_dir():
        raise RecordError(str(directory), 0, "not a directory")
    for name in index["files"]:
        path = directory / name
        if not path.is_file():
            raise RecordError(str(path), 0, "missing from the record")
        report.ran("record-index")
        if file_sha256(path).hex() != index["files"][name]:
            report.fail("record-index", name, "SHA-256 differs from index.json")
    report.ran("record-files")
    extra = sorted(
        p.name for p in directory.iterdir() if p.name not in {"index.json", *index["files"]}
    )
    if extra:
        report.fail("record-files", str(directory), f"files that are not part of a record: {extra}")
    missing = [name for name in FILES if name not in index["files"]]
    if missing and missing != ["result.json"]:
        report.fail("record-files", "index.json", f"does not list {missing}")


BATCHED_DECRYPTION_FORMAT = "tellers-record/v9"
"""The first record format whose mix decryptions are batched (ranked.md §5.2)."""

_FIRST_RECORD_OF = {
    STATUTORY_MANIFEST_FORMAT: "tellers-record/v5",
    RANKED_MANIFEST_FORMAT: "tellers-record/v6",
    NOMINATIONS_MANIFEST_FORMAT: "tellers-record/v7",
    TIE_ORDER_MANIFEST_FORMAT: "tellers-record/v8",
}
"""The oldest record format that may hold a manifest of each newer format (record.md §1.2)."""


def _read_manifest(path: Path, record_format: str) -> Manifest:
    """The manifest, which must be written out in full (defaults included) as it was hashed;
    a manifest of format v4 only in a record of format v5 or later, v5 only in v6
    (record.md §1.2)."""
    raw = read_json(path)
    found = raw.get("format") if isinstance(raw, dict) else None
    first = _FIRST_RECORD_OF.get(found) if isinstance(found, str) else None
    if first is not None and FORMATS.index(record_format) < FORMATS.index(first):
        raise RecordError(
            str(path), 1, f"a {record_format} record holds no {found} manifest (that needs {first})"
        )
    try:
        manifest = manifest_from_json(raw)
    except (EncodingError, ManifestError) as exc:
        raise RecordError(str(path), 1, str(exc)) from None
    if manifest_to_json(manifest) != raw:
        raise RecordError(
            str(path), 1, "fields are missing or extra: a record's manifest is complete"
        )
    return manifest


def _scan_board(
    path: Path,
    state: BoardState,
    report: Report,
    index: dict[str, Any],
    progress: Progress | None,
) -> Iterator[Any]:
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
            event = _mix_event(line)
            if event is not None:  # canonical, and its rows are not wanted here
                exact = True
            else:
                try:
                    event, exact = canonical.loads_canonical(line, f"{name}:{number}")
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
            if not exact:
                report.fail("board-chain", f"{name}:{number}", "line is not canonical JSON")
            prev = event_hash(line)
            kind = event["type"] if isinstance(event["type"], str) else repr(event["type"])
            item = state.event(number, kind, event["body"], prev, line if exact else None)
            if item is not None:
                yield item
            if progress is not None and number % 1000 == 0:
                progress(number, total)
    report.ran("record-index")
    if number != total or prev.hex() != index["board"]["head"]:
        report.fail("record-index", name, "board length or head hash differs from index.json")
    if progress is not None:
        progress(number, total)


def _mix_event(line: bytes) -> dict[str, Any] | None:
    """A canonical ``mix`` line's event with an empty list for its rows, read without a JSON
    value of every point (a shuffle of 130,071 rows of width 10 is a 164 MB line); None for
    any other line, which the scan reads the general way. The chain needs the line's bytes,
    event-format the body's fields: the rows are read again, one line at a time, by
    ``check_mixes``."""
    event = mix_event_from_line(line)
    if event is not None:
        event["body"] = {**event["body"], "rows": []}
    return event


def _subtract(aggregate: Aggregator, path: Path, lines: set[int]) -> None:
    """Take superseded ballots back out of the sums (they were added with the rest)."""
    if not lines:
        return
    negated = Aggregator(aggregate.manifest)
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number in lines:
                body = canonical.loads(raw)["body"]
                if "ballot" in body:
                    negated.add(ballot_from_json(body["ballot"]))
                else:  # a returned paper (postal.md §5.4)
                    sums = return_sums(aggregate.manifest, body["return"])
                    negated.add(return_ballot(bytes(32), body["return"]["number"], sums))
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


def result_figures(result: dict[str, Any]) -> dict[str, Any]:
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
                **({"count": c["count"], "sheet": c["sheet"]} if "count" in c else {}),
            }
            for c in result["contests"]
        ],
    }
