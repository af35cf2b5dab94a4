"""The s.52 statements on the web: the scrutineer enters them, the officer meets a statement not
satisfied at the publish step and must confirm it, the result page shows it, and both roles
download the documents made from the published record (reports.md §3, §5, §6)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import date
from html import unescape
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from django.test import Client
from voter_fixtures import BuiltElection, build_open_election, make_ballot
from webtesting import postgres_param

from tellers import trustee
from tellers.election.manifest import Manifest
from tellers.record.archive import open_record
from tellers.record.v2_tally import result_to_json, tally_to_json
from tellers.tally import count_ballots, decrypt_and_declare
from tellers.verify import verify_record
from tellers.web.delivery.models import DeliveryRecord
from tellers.web.store import board, count, records, steps
from tellers.web.store.board import append_event, close_board, counted_ballots, counted_count
from tellers.web.store.models import Election

DATABASES = ["default", "pg"]
ALIASES = [pytest.param("default", id="sqlite"), postgres_param()]
REASON = "The returns were left unattended in the opening room on 9 March."


def declared(slug: str, manifest: Manifest | None = None) -> BuiltElection:
    """Every member votes; closed, tallied, decrypted, declared and signed off: publishable."""
    return declare(build_open_election(slug, manifest=manifest))


def declare(built: BuiltElection) -> BuiltElection:
    """``declared`` for an election already built open."""
    for voter in built.voters:
        board.cast(built.election, make_ballot(built, voter)[0])
    election = Election.objects.get(pk=built.election.pk)
    close_board(election, built.manifest.closes)
    tallies = count_ballots(built.manifest, counted_ballots(election))
    append_event(election, "tally", tally_to_json(tallies))
    verified = count.verified_tally(election)
    batches = []
    for secrets in built.trustees[: built.manifest.quorum]:
        _, message = trustee.decrypt(secrets, built.manifest, verified)
        append_event(election, "decryption", message)
        batches.append(count.check_decryption(built.manifest, verified, message).shares)
    result = decrypt_and_declare(
        built.manifest,
        tallies,
        batches,
        [v.constituency for v in built.voters],
        counted_count(election),
    )
    election.result = result_to_json(result)
    election.status = Election.Status.TALLYING
    election.save(update_fields=["result", "status"])
    count.sign_off(election, None, dict.fromkeys(count.STATEMENTS, True))
    return built


def statements_form(arrangements: str = "no", reasons: str = REASON) -> dict[str, str]:
    return {
        "no_breach": "yes",
        "arrangements_adequate": arrangements,
        "arrangements_adequate_reasons": reasons,
        "no_interference": "yes",
        "inspected": "yes",
        "inspected_by": "the scrutineer",
        "on_request": "1",
        "own_instance": "0",
        "requests_declined": "0",
        "matters": "",
        "persons": "Opening House Ltd: store, count",
    }


def _post(client: Client, url: str, data: dict[str, str]) -> Any:
    page = client.get(url)
    return client.post(url, {**data, "csrfmiddlewaretoken": page.cookies["csrftoken"].value})


def _csrf(client: Client, url: str) -> str:
    client.get(url)
    return str(client.cookies["csrftoken"].value)


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("use_db", ALIASES, indirect=True)
def test_a_statement_not_satisfied_reaches_the_publish_step_and_the_result_page(
    use_db: str, client_for: Callable[[str | None], Client], settings: Any, tmp_path: Path
) -> None:
    from django.db import connection

    assert connection.vendor == ("sqlite" if use_db == "default" else "postgresql")
    settings.DATA_DIR = str(tmp_path)
    built = declared(f"s52-web-{use_db}")
    slug = built.election.slug
    scrutineer, officer, outsider = (
        client_for("scrutineer"),
        client_for("officer"),
        client_for("outsider"),
    )
    url = f"/scrutiny/e/{slug}/statements/"

    # Only the scrutineer enters statements; a reason is required where not satisfied.
    assert officer.get(url).status_code == 403 and outsider.get(url).status_code == 403
    refused = _post(scrutineer, url, statements_form(reasons=""))
    assert refused.status_code == 200
    assert "the reasons are required" in unescape(refused.content.decode())
    saved = _post(scrutineer, url, statements_form())
    assert saved.status_code == 302
    assert REASON in unescape(scrutineer.get(url).content.decode())  # kept, shown again

    # The officer sees it at the publish step, and publishing without confirming it fails.
    page = unescape(officer.get(f"/officer/e/{slug}/").content.decode())
    assert "The scrutineer is NOT satisfied" in page and REASON in page
    assert 'name="confirm_not_satisfied"' in page
    token = _csrf(officer, f"/officer/e/{slug}/")
    publish = f"/officer/e/{slug}/publish/"
    officer.post(publish, {"confirm": "yes", "csrfmiddlewaretoken": token})
    assert Election.objects.get(slug=slug).status == Election.Status.TALLYING
    officer.post(
        publish, {"confirm": "yes", "confirm_not_satisfied": "yes", "csrfmiddlewaretoken": token}
    )
    assert Election.objects.get(slug=slug).status == Election.Status.PUBLISHED

    # The public result page shows it.
    result = unescape(Client(enforce_csrf_checks=True).get(f"/e/{slug}/result/").content.decode())
    assert "The scrutineer is NOT satisfied" in result and REASON in result

    # Once published, the statements are final.
    late = _post(scrutineer, url, statements_form(arrangements="yes", reasons=""))
    assert "the statements are final" in unescape(late.content.decode())


@pytest.mark.django_db(transaction=True)
def test_both_roles_download_the_documents_made_from_the_published_record(
    cast: dict[str, Any], client_for: Callable[[str | None], Client], settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = str(tmp_path)
    built = declared("s52-docs")
    slug = built.election.slug
    scrutineer, officer, outsider = (
        client_for("scrutineer"),
        client_for("officer"),
        client_for("outsider"),
    )
    _post(scrutineer, f"/scrutiny/e/{slug}/statements/", statements_form())
    election = Election.objects.get(slug=slug)
    steps.log(election, cast["scrutineer"], "returns-recorded", papers=3)  # a duty: storing
    for member, outcome in zip(
        election.members.all()[:3], ("sent", "sent", "bounced"), strict=True
    ):
        DeliveryRecord.objects.create(
            election=election, member=member, channel="email", day=date(2026, 3, 2), outcome=outcome
        )
    count.publish(election, None)
    assert outsider.get(f"/scrutiny/e/{slug}/documents/s52.pdf").status_code == 403
    assert outsider.get(f"/officer/e/{slug}/documents/notices.zip").status_code == 403
    with open_record(records.archive_path(election, "result")) as directory:
        figures = verify_record(directory, workers=1).figures
    kept = records.archive_path(election, "result").with_name(
        f"{slug}-figures-{Election.objects.get(slug=slug).record_root}.json"
    )
    assert not kept.exists()
    for client, where in ((scrutineer, "scrutiny"), (officer, "officer")):
        pdf = client.get(f"/{where}/e/{slug}/documents/s52.pdf")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        doc = pypdfium2.PdfDocument(pdf.content)
        text = " ".join(" ".join(p.get_textpage().get_text_range() for p in doc).split())
        doc.close()
        assert REASON in text
        assert "Stored scrutineer scrutineer 1" in text  # who did it, from the site's log
        assert "Codes sent by email 2" in text and "Email bounced 1" in text  # delivery records
        assert kept.exists()  # verified once; the officer's download reads the kept figures
        assert f"Entitled to vote {figures['electorate']:,}" in text
        assert f"Ballots counted {figures['ballots_counted']:,}" in text
        html = client.get(f"/{where}/e/{slug}/documents/s52.html")
        assert html.status_code == 200 and b'<html lang="en-GB">' in html.content
        notices = client.get(f"/{where}/e/{slug}/documents/notices.zip")
        names = zipfile.ZipFile(io.BytesIO(notices.content)).namelist()
        assert any(n.endswith(".pdf") for n in names) and any(
            n.endswith("-employer.txt") for n in names
        )
