"""Done-when (b) whole: a general-secretary election whose candidates come from nominations by
branches in several regions (one nomination ruled invalid, with its reason in the published
log), their election addresses in the pack, voted, counted and declared; the scrutineer
not satisfied with one of the three statements, with a reason that the officer meets at the
publish step and that appears in the s.52 report and on the public result page."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from django.test import Client
from test_nominations_scenario import ADDRESSES, INVALID_REASON, run_nominations
from test_report_pages import REASON, _csrf, _post, declared, statements_form
from voter_fixtures import sample_manifest

from tellers.record.archive import open_record
from tellers.verify import verify_record
from tellers.web.nominations import service as nominations
from tellers.web.store import records, steps
from tellers.web.store.models import Election

__all__: list[str] = []

SLUG = "gs-2027"
"""The election the nominations were for: its manifest's ``election_id``."""


@pytest.mark.django_db(transaction=True)
def test_nominated_candidates_are_elected_and_the_report_says_what_the_scrutineer_found(
    cast: dict[str, Any],
    client_for: Callable[[str | None], Client],
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.DATA_DIR = str(tmp_path)
    now = steps.now
    period, outcome, _, base = run_nominations(client_for, monkeypatch)
    monkeypatch.setattr(steps, "now", now)  # nominations closed; the ballot runs on today's clock
    public = client_for(None)
    published = html.unescape(public.get(base).content.decode())
    assert INVALID_REASON in published  # the ruling and its reason are public

    # The standing candidates, with their own addresses, are the contest, which declares the
    # log they came from: the record carries it and its verifier re-derives who stood.
    sample = sample_manifest(SLUG)
    general = nominations.declared_contest(period, sample.contests[0])
    assert general.nominations == outcome.head
    manifest = dataclasses.replace(
        sample, contests=(general, *sample.contests[1:]), kind="election"
    )
    assert [c.address for c in general.choices] == [ADDRESSES[c.id] for c in general.choices]
    built = declared(SLUG, manifest)
    assert [c.id for c in built.manifest.contests[0].choices] == ["adams", "okafor", "ward"]

    scrutineer, officer = client_for("scrutineer"), client_for("officer")
    saved = _post(scrutineer, f"/scrutiny/e/{SLUG}/statements/", statements_form())
    assert saved.status_code == 302
    page = html.unescape(officer.get(f"/officer/e/{SLUG}/").content.decode())
    assert "The scrutineer is NOT satisfied" in page and REASON in page
    token = _csrf(officer, f"/officer/e/{SLUG}/")
    officer.post(
        f"/officer/e/{SLUG}/publish/",
        {"confirm": "yes", "confirm_not_satisfied": "yes", "csrfmiddlewaretoken": token},
    )
    election = Election.objects.get(slug=SLUG)
    assert election.status == Election.Status.PUBLISHED

    result = html.unescape(public.get(f"/e/{SLUG}/result/").content.decode())
    assert "The scrutineer is NOT satisfied" in result and REASON in result

    with open_record(records.archive_path(election, "result")) as directory:
        report = verify_record(directory, workers=1)
        logged = (directory / "nominations-general-secretary.jsonl").read_bytes()
    assert report.valid, report.failures
    assert logged == public.get(f"{base}log.jsonl").content  # the published log, byte for byte
    figures = report.figures
    (nominated,) = figures["nominations"]  # ten received, one ruled out; Sam Lee does not stand
    assert nominated == {
        "contest": "general-secretary",
        "head": outcome.head,
        "candidates": 4,
        "received": 10,
        "valid": 9,
        "invalid": dict.fromkeys(nominated["invalid"], 0) | {"officer": 1},
        "withdrawn": 0,
        "standing": 3,
    }
    counts = figures["contests"][0]["counts"]
    pdf = scrutineer.get(f"/scrutiny/e/{SLUG}/documents/s52.pdf")
    assert pdf.status_code == 200
    doc = pypdfium2.PdfDocument(pdf.content)
    text = " ".join(" ".join(p.get_textpage().get_text_range() for p in doc).split())
    doc.close()
    assert REASON in text
    for choice in built.manifest.contests[0].choices:  # each nominated candidate's votes
        assert f"{choice.name} {counts[choice.id]:,}" in text
    assert f"Entitled to vote {figures['electorate']:,}" in text
    nominated_text = text[text.index("Nominations (s.47)") : text.index("Votes cast")]
    for figure, n in (
        ("Candidates registered", 4),
        ("Nominations received", 10),
        ("Valid", 9),
        ("Invalid: the officer's ruling (reason in the log)", 1),
        ("Candidates withdrawn", 0),
        ("Candidates standing", 3),
    ):
        assert f"{figure} {n}" in nominated_text
    assert outcome.head in nominated_text
