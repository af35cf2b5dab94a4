"""The officer's nominations pages and the published log, on SQLite and PostgreSQL
(docs/spec/nominations.md; REQUIREMENTS.md 2–3)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from nominations_fixtures import csrf_post, open_nominations, upload
from webtesting import postgres_param

from tellers.nominations import check_log
from tellers.web.nominations.models import NominationsPeriod
from tellers.web.store import steps

__all__: list[str] = []

ClientFor = Callable[[str | None], Client]
DATABASES = ["default", "pg"]
ALIASES = [pytest.param("default", id="sqlite"), postgres_param()]
DURING = datetime.fromisoformat("2026-03-10T12:00:00+00:00")
AFTER_CUT_OFF = datetime.fromisoformat("2026-03-28T12:00:00+00:00")
CLOSED = datetime.fromisoformat("2026-03-30T17:00:01+00:00")


def photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (90, 120), (20, 90, 160)).save(out, format="JPEG")
    return out.getvalue()


def at(monkeypatch: pytest.MonkeyPatch, when: datetime) -> None:
    monkeypatch.setattr(steps, "now", lambda: when)


def messages_of(client: Client, url: str) -> str:
    return str(client.get(url).content.decode())


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("use_db", ALIASES, indirect=True)
def test_the_officer_runs_nominations_and_the_public_reads_every_ruling(
    use_db: str, cast: dict[str, Any], client_for: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection

    assert connection.vendor == ("sqlite" if use_db == "default" else "postgresql")
    officer = client_for("officer")
    at(monkeypatch, datetime.fromisoformat("2026-03-02T09:00:00+00:00"))
    bad = open_nominations(officer, bodies_csv="body_id,name,kind,region\nNW01,Salford,club,NW\n")
    assert bad.status_code == 400 and "bodies.csv:2: kind" in bad.content.decode()
    response = open_nominations(officer)
    assert response.status_code == 302, response.content.decode()
    period = NominationsPeriod.objects.get()
    page = f"/officer/nominations/{period.pk}/"
    assert response["Location"] == page
    at(monkeypatch, DURING)

    def post(step: str, **data: Any) -> str:
        csrf_post(officer, page, f"{page}{step}/", data)
        return messages_of(officer, page)

    assert "Candidate registered" in post("candidate", candidate="ward", name="Sharon Ward")
    post("candidate", candidate="adams", name="Tom Adams")
    post("candidate", candidate="quinn", name="Li Quinn")
    for n, (cand, body) in enumerate(
        [
            ("ward", "NW01"),
            ("ward", "LN01"),
            ("adams", "LN02"),
            ("adams", "WA01"),
            ("quinn", "NW02"),
            ("quinn", "WA02"),
            ("adams", "WALES"),
        ],
        start=1,
    ):
        post("nomination", candidate=cand, body=body, received="")
        if n == 6:  # the officer's own ground, which must be given
            assert "without a reason" in post(f"rule/{n}", valid="no", reason="")
            post(f"rule/{n}", valid="no", reason="the branch meeting was not quorate")
        elif n == 7:  # a region: the rules refuse it, and say why
            html = post(f"rule/{n}", valid="yes", reason="")
            assert "cannot be ruled valid" in html and "Wales region is a region" in html
            post(f"rule/{n}", valid="no", reason="")
        else:
            post(f"rule/{n}", valid="yes", reason="")
    too_long = " ".join(["word"] * 151)
    html = post("address", candidate="ward", text=too_long)
    assert "151 words, the rules allow at most 150" in html
    csrf_post(
        officer,
        page,
        f"{page}address/",
        {
            "candidate": "ward",
            "text": "Sharon Ward: a union run by its members.",
            "photo": upload(photo(), "ward.jpg"),
        },
    )
    post("address", candidate="adams", text="Tom Adams: organise every workplace.")
    assert "Tick the box" in post("withdraw", candidate="quinn")
    at(monkeypatch, AFTER_CUT_OFF)
    assert "the cut-off was 2026-03-27T17:00:00+00:00" in post(
        "withdraw", candidate="quinn", confirm="yes"
    )
    assert "runs until" in post("close", confirm="yes")
    at(monkeypatch, CLOSED)
    assert "Tick the box" in post("close")
    assert "Nominations are closed" in post("close", confirm="yes")

    public = client_for(None)
    published = public.get("/e/gs-2026/nominations/general-secretary/").content.decode()
    assert "the branch meeting was not quorate" in published
    assert "Li Quinn: 1 valid nominations, 2 needed" in published
    log_file = public.get("/e/gs-2026/nominations/general-secretary/log.jsonl")
    outcome = check_log(log_file.content.splitlines(), "log.jsonl")
    assert [s.id for s in outcome.candidates] == ["adams", "ward"]
    period.refresh_from_db()
    assert outcome.head == period.head and period.head in published
    choices = officer.get(f"{page}choices.json").json()
    assert choices == [
        {"id": "adams", "name": "Tom Adams", "address": "Tom Adams: organise every workplace."},
        {
            "id": "ward",
            "name": "Sharon Ward",
            "address": "Sharon Ward: a union run by its members.",
        },
    ]
    shot = outcome.candidates[1].address
    assert shot is not None and shot.photo is not None
    image = public.get(f"/e/gs-2026/nominations/general-secretary/photo/{shot.photo.sha256}")
    assert image.status_code == 200 and image.content == photo()


@pytest.mark.django_db
def test_nominations_pages_admit_officers_only(cast: dict[str, Any], client_for: ClientFor) -> None:
    officer = client_for("officer")
    late = open_nominations(officer, withdrawals_close="2026-04-02T09:00:00+00:00")
    assert (
        late.status_code == 400
        and "withdrawals_close: expected after opens" in late.content.decode()
    )
    few = open_nominations(officer, word_limit="99")
    assert few.status_code == 400 and b"word_limit" in few.content
    assert open_nominations(officer).status_code == 302
    again = open_nominations(officer)
    assert again.status_code == 400 and "already open" in again.content.decode()
    pk = NominationsPeriod.objects.get().pk
    pages = ["/officer/nominations/", "/officer/nominations/new/", f"/officer/nominations/{pk}/"]
    for role, expected in (("officer", 200), ("scrutineer", 403), ("outsider", 403), (None, 302)):
        for url in pages:
            assert client_for(role).get(url).status_code == expected, (role, url)
    outsider = client_for("outsider")
    refused = csrf_post(
        outsider, "/", f"/officer/nominations/{pk}/candidate/", {"candidate": "x", "name": "X"}
    )
    assert refused.status_code == 403
    assert client_for("officer").post(f"/officer/nominations/{pk}/candidate/").status_code == 403
    assert client_for(None).get("/e/gs-2026/nominations/general-secretary/").status_code == 200
    listed = client_for(None).get("/nominations/").content.decode()
    assert 'href="/e/gs-2026/nominations/general-secretary/"' in listed
    # the addresses are published only once the close has fixed them
    assert (
        client_for(None).get("/e/gs-2026/nominations/general-secretary/addresses/").status_code
        == 404
    )


@pytest.mark.django_db
def test_an_order_by_lot_takes_the_seed_drawn_at_the_close(
    cast: dict[str, Any], client_for: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = client_for("officer")
    at(monkeypatch, datetime.fromisoformat("2026-03-02T09:00:00+00:00"))
    assert open_nominations(officer, order="lot", min_nominations="1").status_code == 302
    page = f"/officer/nominations/{NominationsPeriod.objects.get().pk}/"
    at(monkeypatch, DURING)
    for n, (cid, body) in enumerate((("ward", "NW01"), ("adams", "LN01"), ("quinn", "WA01")), 1):
        csrf_post(officer, page, f"{page}candidate/", {"candidate": cid, "name": cid.title()})
        csrf_post(officer, page, f"{page}nomination/", {"candidate": cid, "body": body})
        csrf_post(officer, page, f"{page}rule/{n}/", {"valid": "yes"})
    at(monkeypatch, CLOSED)
    csrf_post(officer, page, f"{page}close/", {"confirm": "yes", "seed": "not hex"})
    assert "64 hexadecimal digits" in messages_of(officer, page)
    csrf_post(officer, page, f"{page}close/", {"confirm": "yes", "seed": ""})
    assert "32-byte seed" in messages_of(officer, page)
    seed = "5e" * 32
    csrf_post(officer, page, f"{page}close/", {"confirm": "yes", "seed": seed})
    addresses = client_for(None).get("/e/gs-2026/nominations/general-secretary/addresses/")
    assert f"drawn by lot with the seed {seed}" in addresses.content.decode()
    log = client_for(None).get("/e/gs-2026/nominations/general-secretary/log.jsonl").content
    assert check_log(log.splitlines(), "log.jsonl").seed == seed
