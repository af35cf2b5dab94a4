"""A code by SMS from the site's roll: the officer's roll upload takes an optional phone column,
the scrutineer's mailing roll carries it, and ``tellers delivery send`` texts the code to a
real HTTP endpoint on loopback for each member whose row has a number (officers.md,
"Delivering codes"), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from test_lifecycle_flow import new_election
from test_roll_upload import upload
from webtesting import postgres_param

from tellers.cli import main
from tellers.web.store import setup

__all__: list[str] = []

ClientFor = Callable[[str | None], Client]
SLUG = "exec-2026"
CODE = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){5}")
ROLL = (
    "member_id,constituency,name,email,postal_address,mobile\n"
    'M1,north,Ann Member,ann@example.org,"1 High St, Leeds LS1 1AA",\n'
    'M2,south,Bo Member,,"2 High St, Leeds LS1 2AA",07700 900123\n'
    'M3,north,Cy Member,,"3 High St, Leeds LS1 3AA",+447700900456\n'
)


@pytest.fixture
def sms_endpoint() -> Iterator[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    """A JSON endpoint on loopback standing in for the SMS provider: its URL, and each request
    it took as (Authorization header, body)."""
    got: list[tuple[str, dict[str, Any]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            got.append((self.headers.get("Authorization", ""), body))
            self.send_response(202)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/send", got
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.django_db(databases=["default", "pg"], transaction=True)
@pytest.mark.parametrize("use_db", [pytest.param("default", id="sqlite"), postgres_param()],
                         indirect=True)  # fmt: skip
def test_a_member_whose_roll_row_has_a_phone_gets_the_code_by_sms(
    use_db: str, client_for: ClientFor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    sms_endpoint: tuple[str, list[tuple[str, dict[str, Any]]]],
) -> None:  # fmt: skip
    url, requests = sms_endpoint
    monkeypatch.setenv("TELLERS_PASSPHRASE", "authority passphrase")
    e = new_election()
    (tmp_path / "roll.csv").write_text(ROLL)
    imported = upload(client_for("officer"), tmp_path / "roll.csv")
    assert imported.status_code == 302, imported.content.decode()
    phones = dict(e.members.values_list("name", "phone"))
    assert phones == {"Ann Member": "", "Bo Member": "07700 900123", "Cy Member": "+447700900456"}

    # The scrutineer's mailing roll carries the phone, beside the other contacts.
    scrutineer = client_for("scrutineer")
    mailing = scrutineer.get(f"/scrutiny/e/{SLUG}/mailing-roll.csv").content
    rows = list(csv.DictReader(io.StringIO(mailing.decode())))
    assert [r["phone"] for r in sorted(rows, key=lambda r: r["name"])] == [
        "", "07700 900123", "'+447700900456"  # a leading + is kept from being a formula
    ]  # fmt: skip
    (tmp_path / "mailing-roll.csv").write_bytes(mailing)
    (tmp_path / "manifest.json").write_bytes(
        scrutineer.get(f"/scrutiny/e/{SLUG}/manifest.json").content
    )

    # The authority issues the codes and sends them: SMS first, a letter for the one without.
    out = tmp_path / "authority"
    args = [
        "--manifest",
        str(tmp_path / "manifest.json"),
        "--roll",
        str(tmp_path / "mailing-roll.csv"),
    ]
    args += ["--key", str(tmp_path / "key.json"), "--name", "Ballots Ltd", "--out", str(out)]
    assert main(["credentials", "issue", *args, "--workers", "1"]) == 0
    upload_file = out / "credentials-upload.json"
    setup.accept_credentials(e, upload_file.read_bytes(), upload_file.name, None)
    (tmp_path / "sms-token").write_text("provider-token-123\n")
    assert main([
        "delivery", "send", "--manifest", str(tmp_path / "manifest.json"),
        "--mailing", str(out / "mailing.csv"), "--site-url", "https://vote.example.org/",
        "--from", "Ballots <ballots@example.net>", "--channels", "sms,post",
        "--out", str(tmp_path / "delivery"), "--sms-url", url,
        "--sms-token-file", str(tmp_path / "sms-token"), "--today", "2026-03-02",
    ]) == 0  # fmt: skip
    with (out / "mailing.csv").open(newline="") as handle:
        codes = {row["name"]: row["code"] for row in csv.DictReader(handle)}
    texts = {body["to"]: body["text"] for _auth, body in requests}
    assert sorted(texts) == ["+447700900123", "+447700900456"]
    assert all(auth == "Bearer provider-token-123" for auth, _body in requests)
    assert CODE.findall(texts["+447700900123"]) == [codes["Bo Member"]]
    assert CODE.findall(texts["+447700900456"]) == [codes["Cy Member"]]
    assert not any(codes["Ann Member"] in t for t in texts.values())  # hers goes by letter
    with (tmp_path / "delivery" / "sent.csv").open(newline="") as handle:
        sent = sorted(row["channel"] for row in csv.DictReader(handle))
    assert sent == ["post", "sms", "sms"]
