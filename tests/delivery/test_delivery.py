"""The authority sends each member's code to that member alone, by email, SMS or letter.

Real runs of ``tellers credentials issue`` and ``tellers delivery send`` against a real
SMTP server and a real HTTP endpoint on loopback; the messages they received are read
back. No file the authority uploads holds a code; a refused address moves the member to
their next channel and is recorded; a relay that stops the run is resumed without
sending anyone a second message.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from delivery_servers import Endpoint, Relay, free_port

from tellers.cli import main
from tellers.crypto.credentials import normalise_code
from tellers.delivery.files import read_delivery_file
from tellers.delivery.mail import SmtpMailer, SmtpSettings
from tellers.delivery.sms import HttpSms
from tellers.errors import DeliveryError, EncodingError

__all__: list[str] = []

NOW = datetime.now(UTC).replace(microsecond=0)
MANIFEST = {
    "format": "tellers-manifest/v2",
    "election_id": "branch-2026",
    "title": "Branch Secretary 2026",
    "organisation": "Test Union",
    "scrutineer": "Independent Ballots Ltd",
    "opens": (NOW + timedelta(days=1)).isoformat(),
    "closes": (NOW + timedelta(days=8)).isoformat(),
    "revote": "last",
    "public_board": "live",
    "trustees": {"count": 3, "quorum": 2},
    "constituencies": ["north"],
    "contests": [
        {
            "id": "secretary",
            "title": "Branch Secretary",
            "method": "plurality",
            "choices": [{"id": "ann", "name": "Ann"}, {"id": "bo", "name": "Bo"}],
        }
    ],
}
# The mailing roll as the site gives it (references, no membership numbers), with phones.
ROLL = (
    "reference,constituency,name,email,phone,postal_address\n"
    "r-ada,north,Ada,ada@example.org,,1 High St\n"
    "r-bo,north,Bo,gone@example.org,,2 High St\n"
    "r-cy,north,Cy,,07700 900123,\n"
    "r-di,north,Di,,,4 High St\n"
    "r-ed,north,Ed,,,\n"
    "r-fay,north,Fay,,07700 900999,6 High St\n"
)
CODE = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){5}")


def _issue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """``tellers credentials issue``: reference -> code, from the authority's mailing.csv."""
    monkeypatch.setenv("TELLERS_PASSPHRASE", "authority passphrase")
    (tmp_path / "manifest.json").write_text(json.dumps(MANIFEST))
    (tmp_path / "roll.csv").write_text(ROLL)
    args = ["--manifest", str(tmp_path / "manifest.json"), "--roll", str(tmp_path / "roll.csv")]
    args += ["--key", str(tmp_path / "key.json"), "--name", "Ballots Ltd"]
    assert main(["credentials", "issue", *args, "--out", str(tmp_path / "authority")]) == 0
    with (tmp_path / "authority" / "mailing.csv").open(newline="") as handle:
        return {row["reference"]: row["code"] for row in csv.DictReader(handle)}


def _send(tmp_path: Path, relay_port: int, sms_url: str, *extra: str) -> int:
    (tmp_path / "sms-token").write_text("provider-token-123\n")
    return main(
        [
            "delivery", "send", "--manifest", str(tmp_path / "manifest.json"),
            "--mailing", str(tmp_path / "authority" / "mailing.csv"),
            "--site-url", "https://vote.example.org/", "--from", "Ballots <ballots@example.net>",
            "--channels", "email,sms,post", "--out", str(tmp_path / "delivery"),
            "--smtp-host", "127.0.0.1", "--smtp-port", str(relay_port),
            "--sms-url", sms_url, "--sms-token-file", str(tmp_path / "sms-token"),
            "--today", "2026-03-02", *(extra or ("--smtp-security", "none")),
        ]
    )  # fmt: skip


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_each_code_reaches_its_member_alone_by_their_first_channel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relay: Relay, sms_endpoint: Endpoint
) -> None:
    codes = _issue(tmp_path, monkeypatch)
    relay.refuse.add("gone@example.org")
    sms_endpoint.refuse.add("+447700900999")
    assert _send(tmp_path, relay.port, sms_endpoint.url) == 0

    # Email: one message, to Ada alone, her code in the body only.
    assert len(relay.messages) == 1
    recipients, message = relay.messages[0]
    assert recipients == ["ada@example.org"]
    assert message["To"] == "Ada <ada@example.org>"
    assert message["Cc"] is None and message["Bcc"] is None
    assert message["From"] == "Ballots <ballots@example.net>"
    text = message.get_content()
    assert CODE.findall(text) == [codes["r-ada"]]
    assert not CODE.search(str(message["Subject"])) and "Branch Secretary" in message["Subject"]
    assert not any(CODE.search(str(v)) for k, v in message.items() if k != "Content-Type")
    assert not message.is_multipart() and message.get_content_type() == "text/plain"
    words = " ".join(text.split())
    assert "go to https://vote.example.org/ and give this code and your membership number" in words

    # SMS: Cy's code to Cy's number with the token; Fay's number refused.
    assert [(a, b["to"]) for a, b in sms_endpoint.requests] == [
        ("Bearer provider-token-123", "+447700900123"),
        ("Bearer provider-token-123", "+447700900999"),
    ]
    assert CODE.findall(sms_endpoint.requests[0][1]["text"]) == [codes["r-cy"]]
    assert CODE.findall(sms_endpoint.requests[1][1]["text"]) == [codes["r-fay"]]

    # Letters: Bo (email refused), Di (post only) and Fay (SMS refused), each with their code.
    out = tmp_path / "delivery"
    letters = {r["reference"]: r for r in _rows(out / "letters.csv")}
    assert sorted(letters) == ["r-bo", "r-di", "r-fay"]
    assert all(letters[r]["code"] == codes[r] for r in letters)
    assert letters["r-di"]["postal_address"] == "4 High St"
    assert (out / "letters.csv").stat().st_mode & 0o077 == 0

    sent = {(r.reference, r.channel) for r in read_delivery_file(out / "sent.csv")}
    assert sent == {("r-ada", "email"), ("r-cy", "sms"), ("r-bo", "post"), ("r-di", "post"),
                    ("r-fay", "post")}  # fmt: skip
    failed = {(r.reference, r.channel, r.outcome) for r in read_delivery_file(out / "failures.csv")}
    assert failed == {("r-bo", "email", "rejected"), ("r-fay", "sms", "rejected"),
                      ("r-ed", "post", "no-contact")}  # fmt: skip
    # What goes to the site holds no code, in any form.
    uploads = (out / "sent.csv").read_text() + (out / "failures.csv").read_text()
    for code in codes.values():
        assert normalise_code(code) not in uploads.replace("-", "") and code not in uploads


def test_a_stopped_run_resumes_without_a_second_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relay: Relay, sms_endpoint: Endpoint,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    codes = _issue(tmp_path, monkeypatch)
    dead = free_port()  # nothing listens there: the relay is down
    assert _send(tmp_path, dead, sms_endpoint.url) == 1
    assert "cannot reach 127.0.0.1" in capsys.readouterr().err
    assert read_delivery_file(tmp_path / "delivery" / "sent.csv") == []
    assert _send(tmp_path, relay.port, sms_endpoint.url) == 0
    assert _send(tmp_path, relay.port, sms_endpoint.url) == 0  # again: nobody is sent twice
    assert [m[0] for m in relay.messages] == [["ada@example.org"], ["gone@example.org"]]
    assert len(sms_endpoint.requests) == 2
    sent = [r.reference for r in read_delivery_file(tmp_path / "delivery" / "sent.csv")]
    assert sorted(sent) == sorted(set(sent)) == sorted(set(codes) - {"r-ed"})
    assert [r["reference"] for r in _rows(tmp_path / "delivery" / "letters.csv")] == ["r-di"]


def test_the_relay_is_reached_over_verified_tls_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tls_relay: tuple[Relay, Path],
    relay: Relay, sms_endpoint: Endpoint, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """STARTTLS to a relay whose certificate is trusted; a relay with a certificate nobody
    vouched for (a man in the middle) or one that offers no STARTTLS gets no code."""
    secure, cert = tls_relay
    codes = _issue(tmp_path, monkeypatch)
    tls = ["--smtp-security", "starttls"]
    assert _send(tmp_path, secure.port, sms_endpoint.url, *tls) == 1  # the system's CAs only
    assert "certificate verify failed" in capsys.readouterr().err
    assert _send(tmp_path, relay.port, sms_endpoint.url, *tls) == 1  # no STARTTLS offered
    assert "STARTTLS" in capsys.readouterr().err
    assert relay.messages == [] and secure.messages == [] and sms_endpoint.requests == []
    assert read_delivery_file(tmp_path / "delivery" / "sent.csv") == []
    trusted = [*tls, "--smtp-ca-file", str(cert)]
    assert _send(tmp_path, secure.port, sms_endpoint.url, *trusted) == 0
    assert [m[0] for m in secure.messages] == [["ada@example.org"], ["gone@example.org"]]
    assert secure.encrypted == [True, True]
    assert CODE.findall(secure.messages[0][1].get_content()) == [codes["r-ada"]]


def test_codes_never_cross_the_network_in_clear() -> None:
    with pytest.raises(DeliveryError, match=r"expected STARTTLS or TLS to smtp\.example\.org"):
        SmtpMailer(SmtpSettings("smtp.example.org", 25, "none"))
    with pytest.raises(EncodingError, match=r"expected an https:// address"):
        HttpSms("http://sms.example.org/send", "token")
    HttpSms("https://sms.example.org/send", "token")  # accepted: TLS


def test_check_prints_the_counts_of_a_returned_post_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "returns.csv"
    path.write_text(
        "reference,channel,date,reason\n"
        "r-1,post,2026-03-05,gone-away\n"
        "r-2,post,2026-03-05,returned\n"
        "r-1,email,2026-03-02,bounced\n"
    )
    assert main(["delivery", "check", str(path)]) == 0
    figures: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert figures["failed"]["post"] == {"gone-away": 1, "returned": 1}
    assert figures["failed"]["email"] == {"bounced": 1}
    assert figures["members_failed"] == 2 and figures["sent"]["post"] == 0


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("r-2,post,2026-03-05,lost in the van", "reason: expected one of returned, gone-away"),
        ("r-2,post,2026-03-05,K5MM-J12K-JAPK-BHAN-JKQR-RKGY", "reason: expected one of"),
        ("r-2,email,2026-03-05,gone-away", "reason: expected one of bounced"),
        ("r-2,pigeon,2026-03-05,returned", "channel: expected one of email, sms, post"),
        ("r-2,post,5 March,returned", "date: expected a day as 2026-03-02, found '5 March'"),
        ("Ann Member <ann@x>,post,2026-03-05,returned", "reference: expected a mailing reference"),
        ("r-2,post,2026-03-05,returned,extra", "expected 4 fields"),
    ],
)
def test_a_malformed_failures_file_is_refused_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], row: str, problem: str
) -> None:
    path = tmp_path / "returns.csv"
    path.write_text(f"reference,channel,date,reason\nr-1,post,2026-03-05,returned\n\n{row}\n")
    assert main(["delivery", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:4: " in err and problem in err, err


def test_a_file_of_another_shape_is_refused_at_its_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "returns.csv"
    path.write_text("member_id,channel,date,reason\nM1,post,2026-03-05,returned\n")
    assert main(["delivery", "check", str(path)]) == 2
    assert f"{path}:1: header: expected reference,channel,date" in capsys.readouterr().err
