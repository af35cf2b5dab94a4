"""The ``nominations`` check (record.md §9.2): each contest from nominations is re-derived
from its log in the record, and every way an officer could bend it fails on a RE-SEALED
record (index rebuilt; the log re-chained wherever the tampering is not the chain itself).

The honest record is the small election whose president contest came from
``nominatedtools.president_log``: Ada, Bea and Cyd stand. A record whose manifest itself
is wrong is built only up to the tally: its trustees, verifying it, would not decrypt.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from nominatedtools import COUNTS, nominated_manifest, president_log
from recordtools import SmallElection, build_small_record, failed, reseal

from tellers import canonical
from tellers.election.manifest import Choice
from tellers.nominations.log import chain_event
from tellers.record.v2 import manifest_to_json
from tellers.verify import verify_record

LOG = "nominations-president.jsonl"


def _build(out: Path, **log_changes: object) -> SmallElection:
    log = president_log(**log_changes)  # type: ignore[arg-type]
    return build_small_record(out, nominated_manifest(log), {"president": log.lines()})


@pytest.fixture(scope="module")
def nominated(tmp_path_factory: pytest.TempPathFactory) -> SmallElection:
    return _build(tmp_path_factory.mktemp("nominated") / "record")


@pytest.fixture
def record(nominated: SmallElection, tmp_path: Path) -> Path:
    copy = tmp_path / "record"
    shutil.copytree(nominated.record, copy)
    return copy


def _rechain(record: Path, events: list[tuple[str, dict[str, object]]]) -> None:
    """Write ``events`` as the president's log with a consistent chain, and re-seal."""
    prev = None
    lines = []
    for kind, body in events:
        prev = chain_event(prev, kind, body)
        lines.append(prev.to_line() + b"\n")
    (record / LOG).write_bytes(b"".join(lines))
    reseal(record)


def _events(record: Path) -> list[tuple[str, dict[str, object]]]:
    out = []
    for line in (record / LOG).read_bytes().splitlines():
        event = canonical.loads(line)
        out.append((event["type"], event["body"]))
    return out


def test_the_honest_record_verifies_with_its_nominations_figures(nominated: SmallElection) -> None:
    report = verify_record(nominated.record)
    assert report.valid, report.failures
    assert report.checks_run["nominations"] == 1
    (figures,) = report.to_json()["nominations"]
    assert figures == {**COUNTS, "head": nominated.manifest.contests[0].nominations}
    manifest = manifest_to_json(nominated.manifest)
    assert manifest["format"] == "tellers-manifest/v6"
    assert [c["nominations"] for c in manifest["contests"]] == [figures["head"], None]
    index = canonical.loads((nominated.record / "index.json").read_bytes())
    assert index["format"] == "tellers-record/v9" and LOG in index["files"]


def test_a_record_without_nominations_has_no_nominations_figures(
    small_election: SmallElection,
) -> None:
    report = verify_record(small_election.record)
    assert report.valid and "nominations" not in report.to_json()
    assert "nominations" not in report.checks_run


def test_a_ruling_changed_fails_the_replay_at_the_close(record: Path) -> None:
    """Cyd's only valid nomination ruled invalid by the officer, re-chained: the close,
    which still stands Cyd, is not what the events before it decide."""
    events = _events(record)
    ruled = [i for i, (k, b) in enumerate(events) if k == "nomination-ruled" and b["valid"]]
    body = events[ruled[2]][1]
    assert body["nomination"] == 3
    body.update(valid=False, code="officer", reason="the form was late")
    _rechain(record, events)
    report = verify_record(record)
    assert failed(report) == {"nominations": [f"{LOG}:{len(events)}"]}
    assert "nominations-closed" in report.failures[0].detail


def test_a_valid_nomination_dropped_and_the_log_rewritten_is_caught(record: Path) -> None:
    """The officer drops Cyd's only valid nomination and re-derives a consistent log: it
    replays, but its head is not the manifest's, and Cyd, on the ballot, no longer stands."""
    rewritten = president_log(drop=3)
    (record / LOG).write_bytes(b"".join(x + b"\n" for x in rewritten.lines()))
    reseal(record)
    report = verify_record(record)
    last = f"{LOG}:{len(rewritten.events)}"
    assert failed(report) == {"nominations": [last, last]}
    head, choices = (f.detail for f in report.failures)
    assert "head" in head and rewritten.head in head
    assert "expected 2 choices" in choices and "found 3" in choices
    assert report.to_json()["nominations"][0]["standing"] == 2


def test_a_ruling_the_rules_refuse_fails_at_its_line(record: Path) -> None:
    """Ada's first nomination ruled out: nomination 6 (the same body's) is then no duplicate,
    so its re-chained ruling as one is refused at its own line."""
    events = _events(record)
    events[6][1].update(valid=False, code="officer", reason="the form was late")
    _rechain(record, events)
    report = verify_record(record)
    assert failed(report) == {"nominations": [f"{LOG}:17"]}


def test_a_log_line_dropped_breaks_the_chain_at_that_line(record: Path) -> None:
    lines = (record / LOG).read_bytes().splitlines(keepends=True)
    del lines[6]
    (record / LOG).write_bytes(b"".join(lines))
    reseal(record)
    assert failed(verify_record(record)) == {"nominations": [f"{LOG}:7"]}


def test_the_log_missing_from_the_record(record: Path) -> None:
    (record / LOG).unlink()
    reseal(record)
    report = verify_record(record)
    assert failed(report) == {"nominations": ["contest president"]}
    assert LOG in report.failures[0].detail


def test_a_log_no_contest_declares(small_election: SmallElection, tmp_path: Path) -> None:
    record = tmp_path / "record"
    shutil.copytree(small_election.record, record)
    (record / LOG).write_bytes(b"".join(x + b"\n" for x in president_log().lines()))
    reseal(record)
    assert LOG.encode() in (record / "index.json").read_bytes()
    assert failed(verify_record(record)) == {"nominations": [LOG]}


def test_an_unnominated_candidate_added_to_the_ballot(tmp_path: Path) -> None:
    """The officer declares the log's head but puts Eve, never nominated, on the ballot."""
    log = president_log()
    assert log.outcome is not None
    from tellers.nominations import contest_choices

    choices = (*contest_choices(log.outcome), Choice("eve", "Eve"))
    out = tmp_path / "record"
    build_small_record(
        out, nominated_manifest(log, choices), {"president": log.lines()}, in_progress=True
    )
    report = verify_record(out)
    assert failed(report) == {"nominations": [f"{LOG}:{len(log.events)}"]}
    assert "expected 3 choices" in report.failures[0].detail
    assert report.tally is None  # no trustee decrypts it


def test_choices_renamed_or_reordered(tmp_path: Path) -> None:
    log = president_log()
    assert log.outcome is not None
    from tellers.nominations import contest_choices

    ada, bea, cyd = contest_choices(log.outcome)
    out = tmp_path / "record"
    build_small_record(
        out, nominated_manifest(log, (bea, ada, cyd)), {"president": log.lines()}, in_progress=True
    )
    report = verify_record(out)
    assert failed(report) == {"nominations": [f"{LOG}:{len(log.events)}"]}
    assert "choices[0].id" in report.failures[0].detail


@pytest.mark.parametrize(
    ("changes", "line", "words"),
    [
        ({"election": "other-2026"}, 1, "election 'other-2026'"),
        ({"contest": "secretary"}, 1, "contest 'secretary'"),
        ({"closed": "2026-03-02T09:00:00+00:00"}, -1, "closed at 2026-03-02T09:00:00+00:00"),
    ],
    ids=["wrong-election", "wrong-contest", "closed-at-opening"],
)
def test_a_log_of_another_election_or_contest_or_closed_late(
    tmp_path: Path, changes: dict[str, str], line: int, words: str
) -> None:
    log = president_log(**changes)  # type: ignore[arg-type]
    out = tmp_path / "record"
    build_small_record(out, nominated_manifest(log), {"president": log.lines()}, in_progress=True)
    report = verify_record(out)
    where = f"{LOG}:{len(log.events) if line == -1 else line}"
    assert failed(report) == {"nominations": [where]}
    assert words in report.failures[0].detail and "contest president" in report.failures[0].detail


def test_a_v6_record_holds_no_nominations_manifest(record: Path) -> None:
    from tellers.errors import RecordError

    index = record / "index.json"
    index.write_bytes(index.read_bytes().replace(b"tellers-record/v9", b"tellers-record/v6"))
    with pytest.raises(RecordError):
        verify_record(record)


def test_the_s52_report_prints_the_verified_nominations_figures(nominated: SmallElection) -> None:
    from tellers.reports import s52_report, verified_figures
    from tellers.reports.text import render_text

    found = verified_figures(nominated.record)
    text = render_text(s52_report(found))
    section = text[text.index("Nominations (s.47)") : text.index("Votes cast")]
    assert f"head {nominated.manifest.contests[0].nominations}" in " ".join(section.split())
    for figure, n in [
        ("Candidates registered", 4),
        ("Nominations received", 7),
        ("Valid", 4),
        ("Invalid: the officer's ruling", 1),
        ("Invalid: from a body not on the list", 1),
        ("Invalid: from a body that had already nominated", 1),
        ("Candidates withdrawn", 1),
        ("Candidates standing", 3),
    ]:
        line = next(x for x in section.splitlines() if figure in x)
        assert line.split()[-1] == str(n), line
    assert "received outside" not in section  # a reason no nomination had is not listed


def test_the_s52_report_of_a_ballot_without_nominations_has_no_such_section(
    small_election: SmallElection,
) -> None:
    from tellers.reports import s52_report, verified_figures
    from tellers.reports.text import render_text

    assert "Nominations" not in render_text(s52_report(verified_figures(small_election.record)))


def test_the_v6_manifest_reads_back_and_refuses_what_it_must(nominated: SmallElection) -> None:
    from dataclasses import replace

    from tellers.errors import EncodingError, ManifestError
    from tellers.record.v2 import manifest_from_json

    raw = manifest_to_json(nominated.manifest)
    assert manifest_from_json(raw) == nominated.manifest
    older = {**raw, "format": "tellers-manifest/v5"}
    with pytest.raises(EncodingError, match=r"contests\[0\].*nominations"):
        manifest_from_json(older)
    president = nominated.manifest.contests[0]
    with pytest.raises(ManifestError, match=r"nominations: expected a log's head"):
        replace(nominated.manifest, contests=(replace(president, nominations="ABC"),))
    with pytest.raises(ManifestError, match=r"nominations: a contest from nominations needs"):
        replace(nominated.manifest, kind=None)


def test_tellers_verify_prints_the_nominations_it_replayed(
    nominated: SmallElection, tellers_cli: Any
) -> None:
    code, out, _ = tellers_cli("verify", str(nominated.record))
    assert code == 0
    head = str(nominated.manifest.contests[0].nominations)
    assert f"Nominations for president (log head {head[:16]}...):" in out
    assert (
        "7 received, 4 valid, invalid: officer 1, unknown-body 1, duplicate 1; "
        "4 candidates, 1 withdrew, 3 standing"
    ) in out
