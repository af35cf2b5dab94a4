"""What the nominations web tests share: the bodies file, the officer's form, each step by POST."""

from __future__ import annotations

import io
from typing import Any

from django.test import Client

__all__ = ["BODIES", "OPEN_FORM", "csrf_post", "open_nominations", "upload"]

# Branches in three regions, and a region body (which the rules do not count).
BODIES = (
    "body_id,name,kind,region\n"
    "NW01,Salford branch,branch,North West\n"
    "NW02,Bolton branch,branch,North West\n"
    "LN01,Camden branch,branch,London\n"
    "LN02,Hackney branch,branch,London\n"
    "WA01,Cardiff branch,branch,Wales\n"
    "WA02,Swansea branch,branch,Wales\n"
    "WALES,Wales region,region,Wales\n"
)
OPEN_FORM = {
    "election_id": "gs-2026",
    "contest": "general-secretary",
    "office": "General Secretary",
    "organisation": "Example Union",
    "opens": "2026-03-02T09:00:00+00:00",
    "closes": "2026-03-30T17:00:00+00:00",
    "withdrawals_close": "2026-03-27T17:00:00+00:00",
    "min_nominations": "2",
    "more_than_regions": "1",
    "percent_of_bodies": "",
    "counted_kinds": ["branch"],
    "one_per_body": "on",
    "word_limit": "150",
    "photo_allowed": "on",
    "photo_max_kb": "200",
    "order": "alphabetical",
}


def upload(content: str | bytes, filename: str) -> io.BytesIO:
    handle = io.BytesIO(content.encode() if isinstance(content, str) else content)
    handle.name = filename
    return handle


def csrf_post(client: Client, page: str, url: str, data: dict[str, Any]) -> Any:
    """POST as a browser would: the form's page first (for the CSRF cookie), then the form."""
    client.get(page)
    return client.post(url, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def open_nominations(client: Client, **changes: Any) -> Any:
    data = {
        **OPEN_FORM,
        **changes,
        "bodies": upload(changes.get("bodies_csv", BODIES), "bodies.csv"),
    }
    data.pop("bodies_csv", None)
    return csrf_post(client, "/officer/nominations/new/", "/officer/nominations/new/", data)
