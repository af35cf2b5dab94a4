"""Delivery on the site: the authority's files imported by the scrutineer, counts for the officer.

The whole path for real: the scrutineer's mailing roll, ``tellers credentials issue``,
``tellers delivery send`` to a real SMTP server on loopback, the sent and failures files
uploaded on the scrutineer's page, the mail house's returned post after them. The
officer sees counts by channel and reason and nothing else: no code, no member, no
ballot; the officer cannot import; a malformed file is refused whole, naming the line.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from test_lifecycle_flow import ROLL, new_election
from test_officer_pages import csrf_post, upload

from tellers.cli import main
from tellers.reports.logs import parse_logs
from tellers.web.delivery.models import DeliveryRecord
from tellers.web.delivery.service import logs_delivery
from tellers.web.store import setup
from tellers.web.store.models import AuditLog, Election

__all__: list[str] = []

ClientFor = Callable[[str | None], Client]
SLUG = "exec-2026"
CODE = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){5}")


def _authority(e: Election, client: Client, work: Path, port: int) -> dict[str, str]:
    """The authority's run off the site: issue from the mailing roll, then send; its codes."""
    (work / "roll.csv").write_bytes(client.get(f"/scrutiny/e/{SLUG}/mailing-roll.csv").content)
    (work / "manifest.json").write_bytes(client.get(f"/scrutiny/e/{SLUG}/manifest.json").content)
    out = work / "authority"
    args = ["--manifest", str(work / "manifest.json"), "--roll", str(work / "roll.csv")]
    args += ["--key", str(work / "key.json"), "--name", "Ballots Ltd", "--out", str(out)]
    assert main(["credentials", "issue", *args, "--workers", "1"]) == 0
    upload_file = out / "credentials-upload.json"
    setup.accept_credentials(e, upload_file.read_bytes(), upload_file.name, None)
    assert main([
        "delivery", "send", "--manifest", str(work / "manifest.json"),
        "--mailing", str(out / "mailing.csv"), "--site-url", "https://vote.example.org/",
        "--from", "Ballots <ballots@example.net>", "--channels", "email,post",
        "--out", str(work / "delivery"), "--smtp-host", "127.0.0.1", "--smtp-port", str(port),
        "--smtp-security", "none", "--today", "2026-03-02",
    ]) == 0  # fmt: skip
    with (out / "mailing.csv").open(newline="") as handle:
        return {row["name"]: row["code"] for row in csv.DictReader(handle)}


def _import(client: Client, content: bytes | str, name: str) -> str:
    url = f"/scrutiny/e/{SLUG}/delivery/"
    response = csrf_post(client, url, url, {"deliveries": upload("d", content, name)})
    assert response.status_code == 302
    text: str = client.get(url).content.decode()
    return text


def test_bounces_and_returned_post_reach_the_officer_as_counts_only(
    cast: dict[str, Any], client_for: ClientFor, tmp_path: Path, smtp: list[EmailMessage],
    settings: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("TELLERS_PASSPHRASE", "authority passphrase")
    e = new_election()
    setup.import_roll(e, ROLL.encode(), "roll.csv", None)
    scrutineer = client_for("scrutineer")
    codes = _authority(e, scrutineer, tmp_path, settings.EMAIL_PORT)
    assert sorted(str(m["To"]) for m in smtp) == [
        "Ann Member <ann@example.org>", "Bo Member <bo@example.org>",
    ]  # fmt: skip
    delivery = tmp_path / "delivery"
    page = _import(scrutineer, (delivery / "sent.csv").read_bytes(), "sent.csv")
    assert "3 lines read, 3 new." in page
    # The mail house's file: Bo's email bounced, then Cy's letter came back.
    refs = dict(e.members.values_list("name", "reference"))
    returned = (
        "reference,channel,date,reason\n"
        f"{refs['Bo Member']},email,2026-03-03,bounced\n"
        f"{refs['Cy Member']},post,2026-03-09,gone-away\n"
    )
    assert "2 lines read, 2 new." in _import(scrutineer, returned, "returns.csv")
    assert "2 lines read, 0 new." in _import(scrutineer, returned, "returns.csv")  # once only

    officer = client_for("officer").get(f"/officer/e/{SLUG}/delivery/")
    assert officer.status_code == 200
    html = officer.content.decode()
    figures = dict(re.findall(r'data-(?:sent|failed)="([a-z:-]+)">(\d+)<', html))
    assert figures == {"email": "2", "sms": "0", "post": "1", "all": "3",
                       "email:bounced": "1", "post:gone-away": "1"}  # fmt: skip
    assert "2 members had a code that did not arrive." in html
    # Counts only: no code, no member, no reference on the officer's page.
    assert not CODE.search(html)
    for name, reference in refs.items():
        assert name not in html and reference not in html
    logs = logs_delivery(e)
    assert logs == {
        "codes_sent_by_email": 2, "codes_sent_by_sms": 0, "codes_sent_by_post": 1,
        "email_bounced": 1, "post_gone_away": 1, "members_with_a_failed_delivery": 2,
    }  # fmt: skip
    # As the s.52 report reads it from the logs file.
    header = {"format": "tellers-logs/v1", "election_id": e.slug, "delivery": logs}
    assert parse_logs(json.dumps(header)).delivery == logs
    # Each record is against its member; the log says how much came in, not about whom.
    assert DeliveryRecord.objects.filter(member__name="Cy Member").count() == 2
    entries = AuditLog.objects.filter(election=e, action="delivery-imported")
    assert [x.detail["added"] for x in entries] == [3, 2, 0]
    assert not any(r in str(x.detail) for x in entries for r in refs.values())
    assert all(code not in str(list(DeliveryRecord.objects.values())) for code in codes.values())


def test_a_malformed_or_foreign_file_is_refused_whole_naming_the_line(
    cast: dict[str, Any], client_for: ClientFor
) -> None:
    e = new_election()
    setup.import_roll(e, ROLL.encode(), "roll.csv", None)
    ann = e.members.get(name="Ann Member").reference
    scrutineer = client_for("scrutineer")
    header = "reference,channel,date,reason\n"
    good = f"{ann},post,2026-03-09,returned\n"
    page = _import(scrutineer, f"{header}{good}{ann},post,2026-03-09,lost\n", "returns.csv")
    assert "Refused, nothing imported: returns.csv:3: reason: expected one of returned" in page
    page = _import(scrutineer, f"{header}{good}M2,post,2026-03-09,returned\n", "returns.csv")
    assert (
        "returns.csv:3: reference: expected a member of this election&#x27;s roll, "
        "found &#x27;M2&#x27;"
    ) in page
    assert DeliveryRecord.objects.count() == 0


@pytest.mark.parametrize("role", ["officer", "outsider"])
def test_only_the_scrutineer_imports(
    cast: dict[str, Any], client_for: ClientFor, role: str
) -> None:
    e = new_election()
    setup.import_roll(e, ROLL.encode(), "roll.csv", None)
    ann = e.members.get(name="Ann Member").reference
    client = client_for(role)
    client.get("/")
    url = f"/scrutiny/e/{SLUG}/delivery/"
    data = {"deliveries": upload("d", f"reference,channel,date\n{ann},post,2026-03-02\n", "s.csv")}
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
    assert client.post(url, {**data, "csrfmiddlewaretoken": token}).status_code == 403
    assert client.get(url).status_code == 403
    expected = 200 if role == "officer" else 403
    assert client.get(f"/officer/e/{SLUG}/delivery/").status_code == expected
    assert DeliveryRecord.objects.count() == 0
    assert client_for(None).get(url).status_code == 302  # anonymous: to the sign-in page
