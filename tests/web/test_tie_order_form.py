"""A ranked contest's tie order from the election form (record.md §3.9): the order the officer
lists is the manifest's ``tie_order``, exactly; a list that is not every candidate once, or one
on a contest that is not ranked, is refused on the field, naming the contest, and nothing is
created; left empty, the manifest has none and such ties are drawn by lot."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.test import Client
from nominations_fixtures import csrf_post
from test_officer_form import RANKED, URL

from tellers.record.v2 import manifest_from_json
from tellers.web.store.models import Election

__all__: list[str] = []

ClientFor = Callable[[str | None], Client]


def _text(response: Any) -> str:
    return unescape(response.content.decode())


def _field_error(page: str) -> str:
    """The tie order's own error, as the form shows it beside the field."""
    found = re.search(r'<ul class="errorlist" id="id_tie_order_error">(.*?)</ul>', page, re.S)
    assert found is not None, page
    return re.sub(r"<[^>]+>", "", found.group(1))


@pytest.mark.django_db
def test_the_tie_order_the_officer_gives_is_the_manifest_s(
    cast: dict[str, Any], client_for: ClientFor
) -> None:
    officer = client_for("officer")
    data = {**RANKED, "tie_order": "cy\nann\n  dee \n\nbo\n"}
    check = csrf_post(officer, URL, URL, {**data, "preview": "yes"})
    assert check.status_code == 200, _text(check)
    assert (
        "decided by the tie order, Cy Patel, Ann Jones, Dee Lewis, Bo Smith: the candidate "
        "listed earlier wins" in _text(check)
    )
    assert not Election.objects.filter(slug="exec-2026").exists()  # checked, not created
    created = csrf_post(officer, URL, URL, data)
    assert created.status_code == 302, _text(created)
    stored = Election.objects.get(slug="exec-2026").manifest
    assert stored["format"] == "tellers-manifest/v7"
    assert stored["contests"][0]["tie_order"] == ["cy", "ann", "dee", "bo"]
    assert manifest_from_json(stored).contest("executive").tie_order == ("cy", "ann", "dee", "bo")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("order", "wrong"),
    [
        ("ann\nann\nbo\ncy", "missing: dee; listed more than once: ann"),
        ("ann\nbo\ncy\nzed", "missing: dee; not a candidate: zed"),
        ("ann\nbo\ncy\ndee\nbo", "listed more than once: bo"),
        ("Ann Jones\nbo\ncy\ndee", "missing: ann; not a candidate: Ann Jones"),
    ],
    ids=["repeated", "unknown", "extra", "a-name"],
)
def test_a_tie_order_that_is_not_every_candidate_once_is_refused(
    cast: dict[str, Any], client_for: ClientFor, order: str, wrong: str
) -> None:
    officer = client_for("officer")
    refused = csrf_post(officer, URL, URL, {**RANKED, "tie_order": order})
    page = _text(refused)
    assert refused.status_code == 400
    said = (
        "Tie order of Executive Council (executive): expected each of its candidates' ids "
        f"exactly once, one per line; {wrong}."
    )
    assert _field_error(page) == said
    assert said in page.split('id="errors"')[1].split("</div>")[0]  # the summary at the top
    field = re.search(r"<textarea [^>]*name=\"tie_order\"[^>]*>", page)
    assert field is not None
    assert 'aria-invalid="true"' in field.group(0)
    described = re.search(r'aria-describedby="([^"]*)"', field.group(0))
    assert described is not None
    assert set(described.group(1).split()) == {"id_tie_order_helptext", "id_tie_order_error"}
    assert 'id="id_tie_order_helptext"' in page
    assert not Election.objects.filter(slug="exec-2026").exists()
    check = csrf_post(officer, URL, URL, {**RANKED, "tie_order": order, "preview": "yes"})
    assert check.status_code == 400 and _field_error(_text(check)) == said


@pytest.mark.django_db
def test_a_tie_order_on_a_contest_that_is_not_ranked_is_refused(
    cast: dict[str, Any], client_for: ClientFor
) -> None:
    officer = client_for("officer")
    plain = {**RANKED, "method": "plurality", "seats": "1", "preferences": ""}
    refused = csrf_post(officer, URL, URL, {**plain, "tie_order": "ann\nbo\ncy\ndee"})
    assert refused.status_code == 400
    assert _field_error(_text(refused)) == (
        "Tie order of Executive Council (executive): only a ranked contest has a tie order; "
        "leave it empty, or choose a ranked method."
    )
    assert not Election.objects.filter(slug="exec-2026").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("empty", ["", " \n\n  "])
def test_no_tie_order_leaves_the_ties_to_lot(
    cast: dict[str, Any], client_for: ClientFor, empty: str
) -> None:
    officer = client_for("officer")
    data = {**RANKED, "tie_order": empty}
    check = _text(csrf_post(officer, URL, URL, {**data, "preview": "yes"}))
    assert "A tie the counting rule leaves open is drawn by lot" in check
    created = csrf_post(officer, URL, URL, data)
    assert created.status_code == 302, _text(created)
    stored = Election.objects.get(slug="exec-2026").manifest
    assert stored["format"] == "tellers-manifest/v5"
    assert "tie_order" not in stored["contests"][0]
    assert manifest_from_json(stored).contest("executive").tie_order is None
