"""The officer's set-up refuses a manifest whose warnings are not acknowledged (record.md §3.6)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.test import Client
from test_lifecycle_flow import manifest_json
from test_officer_pages import csrf_post, upload

from tellers.record.v2 import manifest_from_json
from tellers.web.store.models import Election

__all__: list[str] = []

ClientFor = Callable[[str | None], Client]


def _v4(**changes: Any) -> dict[str, Any]:
    return manifest_json(format="tellers-manifest/v4", kind="election", **changes)


def _post(client: Client, manifest: dict[str, Any]) -> Any:
    body = {"manifest": upload("m", json.dumps(manifest), "m.json")}
    return csrf_post(client, "/officer/new/", "/officer/new/", body)


def test_a_term_over_five_years_is_refused_until_acknowledged(
    cast: dict[str, Any], client_for: ClientFor
) -> None:
    client = client_for("officer")
    response = _post(client, _v4(term_years=6))
    assert response.status_code == 400
    page = response.content.decode()
    assert "term-over-limit" in page and "acknowledged" in page and "s.46(1)(b)" in page
    assert not Election.objects.filter(slug="exec-2026").exists()

    response = _post(client, _v4(term_years=6, acknowledged=["term-over-limit"]))
    assert response.status_code == 302
    stored = Election.objects.get(slug="exec-2026").manifest
    assert (stored["term_years"], stored["acknowledged"]) == (6, ["term-over-limit"])
    assert manifest_from_json(stored).term_years == 6


def test_an_unknown_field_is_refused_by_name(cast: dict[str, Any], client_for: ClientFor) -> None:
    client = client_for("officer")
    for field in ("relevant_date", "effective_until", "term_years"):
        response = _post(client, manifest_json(**{field: "2026-01-01"}))
        assert response.status_code == 400
        assert field in response.content.decode()
    response = _post(client, _v4(effective_until="2027-01-01"))
    assert response.status_code == 400 and "effective_until" in response.content.decode()
    assert not Election.objects.filter(slug="exec-2026").exists()
