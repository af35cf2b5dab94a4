"""Done-when (b), its nominations part: a general-secretary election with nominations from
branches in several regions, one nomination ruled invalid with its reason shown in the
published log, the valid candidates becoming the contest, and the election addresses the
same online and in the pack's PDF (read back with pypdfium2)."""

from __future__ import annotations

import hashlib
import html
import io
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from django.test import Client
from nominations_fixtures import csrf_post, open_nominations, upload

from tellers.nominations import check_log
from tellers.record.v2 import manifest_from_json
from tellers.web.nominations.models import NominationsPeriod
from tellers.web.store import steps
from tellers.web.store.models import Election

__all__: list[str] = []

ClientFor = Callable[[str | None], Client]
REGIONS = ["North West", "London", "Wales", "Scotland", "Midlands"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ADDRESSES = {
    "ward": "Sharon Ward. Twenty years a rep at the Salford depot.\n\n"
    "I will put every pay offer to the members who earn it, and publish every"
    " agreement the day it is signed.",
    "adams": "Tom Adams. Organise every workplace, recruit every worker.\n\n"
    "A union is its members: branches, not officials, will decide.",
    "okafor": "Grace Okafor. Equal pay, safe staffing, and an end to fire and rehire.",
}


def bodies_csv() -> str:
    rows = ["body_id,name,kind,region"]
    for r, region in enumerate(REGIONS):
        for i in range(1, 9):  # 8 branches a region: 40 branches in all
            rows.append(f"B{r}{i:02d},{region} branch {i},branch,{region}")
    return "\n".join(rows) + "\n"


def photo(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (90, 120), colour).save(out, format="PNG")
    return out.getvalue()


def normal(text: str) -> str:
    return " ".join(text.split())


INVALID_REASON = "the nomination was not made at a quorate branch meeting (rule 12.3)"


def run_nominations(
    client_for: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, Any, dict[str, bytes], str]:
    """Nominations for General Secretary through the officer's pages, from 40 branches in
    five regions, one nomination ruled invalid: (the period, the replayed outcome of its
    published log, the photographs, the contest's public address)."""
    officer = client_for("officer")
    clock = {"now": datetime.fromisoformat("2026-03-02T09:00:00+00:00")}
    monkeypatch.setattr(steps, "now", lambda: clock["now"])
    # Unite 2021's form of rule: 5% of the branches (here 40: 2 needed), from more than one region.
    opened = open_nominations(
        officer,
        election_id="gs-2027",
        bodies_csv=bodies_csv(),
        min_nominations="0",
        percent_of_bodies="5",
        word_limit="100",
    )
    assert opened.status_code == 302, opened.content.decode()
    period = NominationsPeriod.objects.get()
    page = f"/officer/nominations/{period.pk}/"
    assert 'id="required">2<' in officer.get(page).content.decode()
    clock["now"] = datetime.fromisoformat("2026-03-12T10:00:00+00:00")

    def post(step: str, **data: Any) -> None:
        response = csrf_post(officer, page, f"{page}{step}/", data)
        assert response.status_code == 302

    for cid, name in (
        ("ward", "Sharon Ward"),
        ("adams", "Tom Adams"),
        ("okafor", "Grace Okafor"),
        ("lee", "Sam Lee"),
    ):
        post("candidate", candidate=cid, name=name)
    nominations = [
        ("ward", "B001"),
        ("ward", "B101"),
        ("ward", "B201"),  # North West, London, Wales
        ("adams", "B301"),
        ("adams", "B401"),  # Scotland, Midlands
        ("okafor", "B002"),
        ("okafor", "B302"),  # North West, Scotland
        ("okafor", "B102"),  # London: ruled invalid, for a reason the officer gives
        ("lee", "B003"),
        ("lee", "B004"),  # both North West: one region is not enough
    ]
    invalid_reason = INVALID_REASON
    for n, (cid, body) in enumerate(nominations, start=1):
        post("nomination", candidate=cid, body=body, received="2026-03-11T18:30")
        if n == 8:
            post(f"rule/{n}", valid="no", reason=invalid_reason)
        else:
            post(f"rule/{n}", valid="yes", reason="checked against the branch's minutes")
    photos = {"ward": photo((160, 30, 30)), "okafor": photo((30, 120, 60))}
    for cid, text in ADDRESSES.items():
        data: dict[str, Any] = {"candidate": cid, "text": text}
        if cid in photos:
            data["photo"] = upload(photos[cid], f"{cid}.png")
        post("address", **data)
    clock["now"] = datetime.fromisoformat("2026-03-30T17:00:00+00:00")
    post("close", confirm="yes")

    # The published log: every ruling with its reason; the replay gives the same candidates.
    public = client_for(None)
    base = "/e/gs-2027/nominations/general-secretary/"
    published = html.unescape(public.get(base).content.decode())
    row = re.search(r'<tr data-nomination="8">(.*?)</tr>', published, re.S)
    assert row is not None and "invalid" in row.group(1) and invalid_reason in row.group(1)
    assert "Sam Lee: nominations from 1 region(s), more than 1 needed" in published
    log_lines = public.get(f"{base}log.jsonl").content.splitlines()
    outcome = check_log(
        log_lines, "log.jsonl", {hashlib.sha256(p).hexdigest(): p for p in photos.values()}
    )
    assert [s.id for s in outcome.candidates] == ["adams", "okafor", "ward"]  # by surname
    assert [s.valid for s in outcome.candidates] == [2, 2, 3]
    return period, outcome, photos, base


@pytest.mark.django_db
def test_general_secretary_nominations_become_the_contest_with_the_same_addresses(
    cast: dict[str, Any], client_for: ClientFor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    period, outcome, photos, base = run_nominations(client_for, monkeypatch)
    officer, public = client_for("officer"), client_for(None)

    # The valid candidates become the contest, built from the form.
    form = {
        "election_id": "gs-2027", "title": "General Secretary election 2027",
        "organisation": "Example Union", "scrutineer": "Independent Ballots Ltd",
        "opens": "2026-05-01T09:00:00+01:00", "closes": "2026-05-29T12:00:00+01:00",
        "revote": "last", "public_board": "after-close", "trustees": "3", "quorum": "2",
        "constituencies": "members", "contest_id": "general-secretary",
        "contest_title": "General Secretary", "method": "plurality", "seats": "1",
        "nominations": str(period.pk), "candidates": "", "kind": "election",
    }  # fmt: skip
    created = csrf_post(
        officer, f"/officer/new/form/?nominations={period.pk}", "/officer/new/form/", form
    )
    assert created.status_code == 302, created.content.decode()
    manifest = manifest_from_json(Election.objects.get(slug="gs-2027").manifest)
    choices = manifest.contest("general-secretary").choices
    assert [(c.id, c.name) for c in choices] == [(s.id, s.name) for s in outcome.candidates]
    assert [c.address for c in choices] == [ADDRESSES[c.id] for c in choices]
    # ... and declares the log, so the record carries it (record.md §3.8)
    assert manifest.contest("general-secretary").nominations == outcome.head
    assert manifest.kind == "election"

    # The addresses: the same text, order and photographs online and in the pack's PDF.
    online = public.get(f"{base}addresses/").content.decode()
    articles = re.findall(
        r'<article class="address" id="address-([a-z]+)"[^>]*>(.*?)</article>', online, re.S
    )
    assert [cid for cid, _ in articles] == [c.id for c in choices]
    pdf_bytes = public.get(f"{base}addresses.pdf").content
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "nominations-gs-addresses.pdf").write_bytes(pdf_bytes)
    path = tmp_path / "addresses.pdf"
    path.write_bytes(pdf_bytes)
    pdf = pypdfium2.PdfDocument(path)
    assert len(pdf) == len(choices)  # a page per candidate
    for i, ((cid, article), choice) in enumerate(zip(articles, choices, strict=True)):
        text = pdf[i].get_textpage().get_text_range()
        paragraphs = [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", article, re.S)]
        assert " ".join(paragraphs) == normal(ADDRESSES[cid])
        assert normal(" ".join(paragraphs)) in normal(text)  # word for word, in the same order
        assert f"Candidate {i + 1} of {len(choices)}" in text and choice.name in text
        assert outcome.head in normal(text)
        shown = (
            f"photo/{hashlib.sha256(photos[cid]).hexdigest()}" if cid in photos else "No photograph"
        )
        assert shown in article
        assert len(list(pdf[i].get_objects(filter=(pypdfium2.raw.FPDF_PAGEOBJ_IMAGE,)))) == (
            1 if cid in photos else 0
        )
    pdf[0].render(scale=1).to_pil().save(ARTIFACTS / "nominations-gs-addresses-1.png")
