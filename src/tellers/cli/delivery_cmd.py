"""``tellers delivery``: the credential authority sends members' codes, on its own machine.

After ``tellers credentials issue``, from its private ``mailing.csv``::

    tellers delivery send --manifest manifest.json --mailing private/mailing.csv \\
        --site-url https://vote.example.org/ --from "Ballots <ballots@scrutineer.example>" \\
        --channels email,sms,post --smtp-host smtp.scrutineer.example --out private/delivery

Each member's code goes by the first channel of ``--channels`` they have an
address for; the command writes into OUT::

    sent.csv       reference,channel,date          upload on the scrutineer's page
    failures.csv   reference,channel,date,reason   upload too: refused at once, or no address
    letters.csv    reference,name,postal_address,code   for the mail house only (0600)

No file to upload holds a code. Run again after a stop (the relay went
down: exit 1), it resumes: members already in sent.csv or failures.csv are
skipped. ``tellers delivery check FILE`` reads a sent or failures file (the
mail house's returned post, say) as the site will, and prints its counts.
Exit 0 on success, 1 when the relay or provider stopped the run, 2 when an
input is unusable (file and line named).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from tellers.cli.guard import guarded
from tellers.delivery import files as delivery_files
from tellers.delivery.dispatch import Recipient, channel_order, deliver, read_mailing
from tellers.delivery.mail import SmtpMailer, SmtpSettings
from tellers.delivery.message import notice_for
from tellers.delivery.sms import HttpSms, SmsProvider
from tellers.errors import DeliveryError, EncodingError, InputFileError
from tellers.record import v2_trustee as record_files
from tellers.record.v2 import MANIFEST_FORMATS, manifest_from_json
from tellers.spreadsheet import safe_row

__all__ = ["register"]


def _manifest(path: Path) -> Any:
    try:
        obj = record_files.parse_file(path.read_bytes(), str(path), list(MANIFEST_FORMATS))
    except OSError as exc:
        raise InputFileError(str(path), 0, f"cannot read ({exc.strerror})") from None
    try:
        return manifest_from_json(obj)
    except EncodingError as exc:
        raise InputFileError(str(path), 0, str(exc)) from None


def _secret(path: Path | None, variable: str) -> str:
    if path is None:
        return os.environ.get(variable, "")
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise InputFileError(str(path), 0, f"cannot read ({exc.strerror})") from None


def _done(out: Path) -> set[str]:
    """References already delivered or failed in an earlier run."""
    seen: set[str] = set()
    for name in ("sent.csv", "failures.csv"):
        path = out / name
        if path.exists():
            seen.update(row.reference for row in delivery_files.read_delivery_file(path))
    return seen


def _append(path: Path, mode: int) -> Any:
    new = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, mode)
    return os.fdopen(fd, "a", newline="", encoding="utf-8"), new


def send(args: argparse.Namespace) -> int:
    manifest = _manifest(args.manifest)
    notice = notice_for(manifest, args.site_url, args.sender)
    order = channel_order(args.channels)
    today = date.fromisoformat(args.today) if args.today else date.today()
    out: Path = args.out
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    done = _done(out)
    recipients = [r for r in read_mailing(args.mailing) if r.reference not in done]
    mailer = None
    if "email" in order:
        if not args.smtp_host:
            raise EncodingError("smtp-host", "email is among the channels: name the mail relay")
        mailer = SmtpMailer(
            SmtpSettings(
                args.smtp_host,
                args.smtp_port,
                args.smtp_security,
                args.smtp_user or "",
                _secret(args.smtp_password_file, "TELLERS_SMTP_PASSWORD"),
                ca_file=str(args.smtp_ca_file or ""),
            )
        )
    sms: SmsProvider | None = None
    if "sms" in order:
        if not args.sms_url:
            raise EncodingError("sms-url", "sms is among the channels: name the provider's URL")
        sms = HttpSms(args.sms_url, _secret(args.sms_token_file, "TELLERS_SMS_TOKEN"))
    sent_file, sent_new = _append(out / "sent.csv", 0o600)
    failed_file, failed_new = _append(out / "failures.csv", 0o600)
    letters_file, letters_new = _append(out / "letters.csv", 0o600)
    # Headers at once, so that a run stopped before its first member leaves readable files.
    if sent_new:
        csv.writer(sent_file, lineterminator="\n").writerow(delivery_files.SENT_HEADER)
    if failed_new:
        csv.writer(failed_file, lineterminator="\n").writerow(delivery_files.FAILURE_HEADER)
    letters = csv.writer(letters_file, lineterminator="\n")
    if letters_new:
        letters.writerow(["reference", "name", "postal_address", "code"])

    def letter(r: Recipient) -> None:
        # For the mail house's spreadsheet: no cell becomes a live formula.
        letters.writerow(safe_row([r.reference, r.name, r.postal_address, r.code]))

    tally: dict[str, int] = {}
    stopped: DeliveryError | None = None
    with sent_file, failed_file, letters_file:
        try:
            if mailer is not None:
                mailer.__enter__()
            for row in deliver(
                recipients, notice, order, today=today, mailer=mailer, sms=sms, letter=letter
            ):
                target = failed_file if row.failed else sent_file
                delivery_files.write_delivery_lines(target, [row], header=False)
                target.flush()  # each line is a member done: a rerun must not send again
                key = f"{row.channel} {row.outcome}"
                tally[key] = tally.get(key, 0) + 1
        except DeliveryError as exc:
            stopped = exc
        finally:
            if mailer is not None:
                mailer.__exit__(None, None, None)
    for key in sorted(tally):
        print(f"  {key}: {tally[key]:,}")
    if stopped is not None:
        print(f"tellers delivery send: stopped: {stopped}; run again to resume", file=sys.stderr)
        return 1
    print(f"{sum(tally.values()):,} deliveries recorded in {out} ({len(done):,} earlier).")
    print(f"  upload on the scrutineer's page: {out / 'sent.csv'}, {out / 'failures.csv'}")
    print(f"  for the mail house only: {out / 'letters.csv'}")
    return 0


def check(args: argparse.Namespace) -> int:
    rows = delivery_files.read_delivery_file(args.file)
    figures = delivery_files.counts((r.reference, r.channel, r.outcome) for r in rows)
    print(json.dumps(figures.to_json(), indent=2))
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "delivery",
        help="the credential authority: send members' codes by email, SMS or letter",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    steps = parser.add_subparsers(dest="step", metavar="STEP", required=True)
    p = steps.add_parser("send", help="send each member's code from mailing.csv")
    p.add_argument("--manifest", type=Path, required=True, help="the election manifest")
    p.add_argument("--mailing", type=Path, required=True, help="mailing.csv (credentials issue)")
    p.add_argument("--site-url", required=True, help="where members vote")
    p.add_argument("--from", dest="sender", required=True, help="the authority's address")
    p.add_argument("--channels", default="email,post", help="in order of preference")
    p.add_argument("--out", type=Path, required=True, help="a private output folder")
    p.add_argument("--today", help="the date to record (YYYY-MM-DD; default today)")
    p.add_argument("--smtp-host", help="the authority's mail relay")
    p.add_argument("--smtp-port", type=int, default=587)
    p.add_argument("--smtp-security", choices=("starttls", "ssl", "none"), default="starttls")
    p.add_argument("--smtp-user")
    p.add_argument(
        "--smtp-password-file", type=Path, help="else $TELLERS_SMTP_PASSWORD, if it asks"
    )
    p.add_argument("--smtp-ca-file", type=Path, help="trust this CA for the relay's certificate")
    p.add_argument("--sms-url", help="the SMS provider's JSON endpoint (https)")
    p.add_argument("--sms-token-file", type=Path, help="else $TELLERS_SMS_TOKEN")
    p.set_defaults(handler=guarded("delivery", send))
    c = steps.add_parser("check", help="read a sent.csv or failures.csv and print its counts")
    c.add_argument("file", type=Path)
    c.set_defaults(handler=guarded("delivery", check))
