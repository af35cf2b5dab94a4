"""The election from a form makes current manifests: the ballot's kind, the ranked methods
with their seats and preferences, and the statutory rules in force on the opening day shown
before anything is created (docs/officers.md, "Create")."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from html import unescape
from typing import Any

import pytest
from django.test import Client
from nominations_fixtures import csrf_post
from webtesting import postgres_param

from tellers.election.manifest import Choice, Contest, Manifest
from tellers.record.v2 import manifest_from_json, manifest_to_json
from tellers.statute import rules_in_force
from tellers.web.store.models import Election

ClientFor = Callable[[str | None], Client]
URL = "/officer/new/form/"
DATABASES = ["default", "pg"]
ALIASES = [pytest.param("default", id="sqlite"), postgres_param()]

RANKED = {
    "election_id": "exec-2026", "title": "Executive Council 2026",
    "organisation": "Example Union", "scrutineer": "Independent Ballots Ltd",
    "opens": "2026-05-04T09:00:00+01:00", "closes": "2026-05-25T17:00:00+01:00",
    "revote": "last", "public_board": "after-close", "trustees": "3", "quorum": "2",
    "constituencies": "north\nsouth", "kind": "election", "contest_id": "executive",
    "contest_title": "Executive Council", "method": "stv-meek", "seats": "2",
    "preferences": "3", "nominations": "", "statement": "", "term_years": "",
    "important_public_services": "",
    "candidates": "ann,Ann Jones\nbo,Bo Smith\ncy,Cy Patel\ndee,Dee Lewis\n",
}  # fmt: skip

STRIKE = {
    **RANKED, "election_id": "depot-strike", "title": "Depot ballot",
    "kind": "industrial-action", "contest_id": "strike", "contest_title": "Strike",
    "method": "yes-no", "seats": "1", "preferences": "", "candidates": "",
    "statement": "If you take part in a strike, you may be in breach of your contract.",
    "important_public_services": "north",
}  # fmt: skip


def _text(response: Any) -> str:
    return unescape(response.content.decode())


def _rules(page: str) -> dict[str, tuple[str, str, str]]:
    """Each rule row the page shows: (value, applies, source)."""
    rows = re.findall(
        r'<dd data-rule="([a-z_]+)">In force: <strong class="value">(.*?)</strong>\. '
        r'Applies to this ballot: <span class="applies">(.*?)</span>\.<br>'
        r'Source: <span class="source">(.*?)</span></dd>',
        page,
    )
    return {name: (value, applies, source) for name, value, applies, source in rows}


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("use_db", ALIASES, indirect=True)
def test_a_ranked_contest_from_the_form_validates_and_round_trips(
    use_db: str, client_for: ClientFor
) -> None:
    officer = client_for("officer")
    created = csrf_post(officer, URL, URL, RANKED)
    assert created.status_code == 302, _text(created)
    stored = Election.objects.get(slug="exec-2026").manifest
    assert stored["format"] == "tellers-manifest/v5" and stored["kind"] == "election"
    manifest = manifest_from_json(stored)
    contest = manifest.contest("executive")
    assert (contest.method, contest.seats, contest.preferences) == ("stv-meek", 2, 3)
    assert contest.ranked and contest.width == 3
    assert manifest_to_json(manifest) == stored  # one byte form: it round-trips
    # ... and is exactly the manifest a file would state.
    expected = Manifest(
        election_id="exec-2026", title="Executive Council 2026", organisation="Example Union",
        scrutineer="Independent Ballots Ltd", opens="2026-05-04T09:00:00+01:00",
        closes="2026-05-25T17:00:00+01:00", revote="last", trustees=3, quorum=2,
        constituencies=("north", "south"), public_board="after-close", kind="election",
        contests=(Contest(
            "executive", "Executive Council", "stv-meek",
            tuple(Choice(i, n) for i, n in (("ann", "Ann Jones"), ("bo", "Bo Smith"),
                                            ("cy", "Cy Patel"), ("dee", "Dee Lewis"))),
            seats=2, preferences=3,
        ),),
    )  # fmt: skip
    assert manifest_to_json(expected) == stored


@pytest.mark.django_db
def test_a_ranked_contest_of_another_kind_is_refused_naming_the_problem(
    cast: dict[str, Any], client_for: ClientFor
) -> None:
    officer = client_for("officer")
    for kind in ("industrial-action", "other"):
        refused = csrf_post(officer, URL, URL, {**RANKED, "kind": kind, "method": "irv",
                                                "seats": "1", "preferences": ""})  # fmt: skip
        page = _text(refused)
        assert refused.status_code == 400
        assert "a ranked contest is an election's" in page  # the manifest's own words
        assert "A ranked method can only be used for an election under s.46" in page
        # Checking first says the same, and nothing is created either way.
        check = csrf_post(officer, URL, URL, {**RANKED, "kind": kind, "preview": "yes"})
        assert check.status_code == 400 and "A ranked method can only be used" in _text(check)
    assert not Election.objects.filter(slug="exec-2026").exists()
    # A method that is not ranked, in a ballot of no statutory kind, is accepted.
    plain = {**RANKED, "kind": "other", "method": "plurality", "seats": "1", "preferences": ""}
    assert csrf_post(officer, URL, URL, plain).status_code == 302
    assert Election.objects.get(slug="exec-2026").manifest["format"] == "tellers-manifest/v2"


@pytest.mark.django_db
def test_the_rules_in_force_shown_before_18_february_2026_differ_from_after(
    cast: dict[str, Any], client_for: ClientFor
) -> None:
    officer = client_for("officer")
    assert 'id="rules-in-force"' not in _text(officer.get(URL))
    shown = {}
    for label, opens, closes in (
        ("before", "2026-02-10T09:00:00+00:00", "2026-02-24T17:00:00+00:00"),
        ("after", "2026-03-10T09:00:00+00:00", "2026-03-24T17:00:00+00:00"),
    ):
        data = {**STRIKE, "opens": opens, "closes": closes, "preview": "yes"}
        page = _text(csrf_post(officer, URL, URL, data))
        on = date.fromisoformat(opens[:10])
        assert f"The statutory rules for a ballot opening on {on.isoformat()}" in page
        rules = _rules(page)
        expected = rules_in_force(on)  # the table the manifest's validation reads
        for name in ("turnout_percent", "notice_days", "mandate_months", "term_years"):
            assert rules[name][0].startswith(f"{getattr(expected, name)}"), (name, rules[name])
            assert rules[name][2] == expected.source(name)
        assert rules["important_services_yes_percent"][2] == expected.source(
            "important_services_yes_percent"
        )
        assert rules["turnout_percent"][1] == "yes" and rules["term_years"][1] == "no"
        shown[label] = (rules, page)
    before, page_before = shown["before"]
    after, page_after = shown["after"]
    assert before["important_services_yes_percent"][0] == "40% of those entitled"
    assert "Trade Union Act 2016 s.3" in before["important_services_yes_percent"][2]
    assert after["important_services_yes_percent"][0] == "none in force"
    assert "Employment Rights Act 2025 s.69" in after["important_services_yes_percent"][2]
    assert (before["notice_days"][0], after["notice_days"][0]) == ("14 days", "10 days")
    assert (before["mandate_months"][0], after["mandate_months"][0]) == ("6 months", "12 months")
    # The flagged workplace's question carries the 40% rule before, not after.
    assert "Yes from at least 40% of those entitled" in page_before
    assert (
        "turnout at least 50%" in page_after
        and "40%" not in page_after.split('id="question-thresholds"')[1].split("</p>")[0]
    )
    assert not Election.objects.filter(slug="depot-strike").exists()  # checked, not created
    # Created, the manifest carries the kind and the flag the rules were shown for.
    created = csrf_post(officer, URL, URL, {**STRIKE, "opens": "2026-03-10T09:00:00+00:00",
                                            "closes": "2026-03-24T17:00:00+00:00"})  # fmt: skip
    assert created.status_code == 302, _text(created)
    made = manifest_from_json(Election.objects.get(slug="depot-strike").manifest)
    assert made.kind == "industrial-action" and made.important_public_services == ("north",)
    assert [c.id for c in made.contests[0].choices] == ["yes", "no"]


@pytest.mark.django_db
def test_a_term_over_the_limit_from_the_form_needs_the_officers_acknowledgement(
    cast: dict[str, Any], client_for: ClientFor
) -> None:
    officer = client_for("officer")
    plain = {**RANKED, "method": "plurality", "seats": "1", "preferences": "", "term_years": "7"}
    refused = csrf_post(officer, URL, URL, plain)
    assert refused.status_code == 400 and "[term-over-limit]" in _text(refused)
    assert not Election.objects.filter(slug="exec-2026").exists()
    created = csrf_post(officer, URL, URL, {**plain, "acknowledge_term": "on"})
    assert created.status_code == 302, _text(created)
    made = manifest_from_json(Election.objects.get(slug="exec-2026").manifest)
    assert (made.term_years, made.acknowledged) == (7, ("term-over-limit",))
