"""The local web service of ``tellers serve``, with its ready demo election.

Runs the migrations on the configured database (embedded SQLite by default,
PostgreSQL when ``DATABASE_URL`` says so), prepares the demo election and
starts Django's development server.

The demo election is made through the same steps an officer and three
trustees take on the site: a manifest, a small roll, the trustees' key
ceremony (``tellers trustee`` for each, in temporary directories), the
credentials, and opening. It is open now and closes in a week.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from tellers.vault import PASSPHRASE_ENV

__all__ = ["decrypt_as_trustee", "issue_credentials", "prepare_demo", "run_ceremony", "serve"]

DEMO_SLUG = "demo"
DEMO_MEMBERS = [
    ("M0001", "Ada Lovelace", "north"),
    ("M0002", "Bob Crow", "north"),
    ("M0003", "Jayaben Desai", "south"),
    ("M0004", "Jack Jones", "south"),
    ("M0005", "Mary Macarthur", "north"),
    ("M0006", "Tom Mann", "south"),
    ("M0007", "Annie Besant", "north"),
    ("M0008", "Len Murray", "south"),
]


DEMO_PASSPHRASE = "demo passphrase, not secret"
"""The simulated parties' vault passphrase: the demo's trustees and authority are throwaway."""


def _cli(argv: list[str]) -> None:
    """``tellers ARGV`` in this process, its messages kept off the console."""
    from tellers.cli import main

    saved = os.environ.get(PASSPHRASE_ENV)
    os.environ[PASSPHRASE_ENV] = DEMO_PASSPHRASE
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = main(argv)
    finally:
        if saved is None:
            os.environ.pop(PASSPHRASE_ENV, None)
        else:
            os.environ[PASSPHRASE_ENV] = saved
    if code != 0:
        raise RuntimeError(f"tellers {' '.join(argv)} exited {code}")


def _upload(trustee: Any, path: Path) -> None:
    from tellers.web.store import ceremony

    ceremony.accept_trustee_file(trustee, path.read_bytes(), path.name)


def run_ceremony(election: Any, workdir: Path) -> dict[int, Path]:
    """Play every trustee of ``election``: run ``tellers trustee`` in a directory each and
    upload its files as their pages would. Returns each trustee's private directory."""
    from tellers.web.store import ceremony

    trustees = list(election.trustees.order_by("index"))
    manifest = workdir / "manifest.json"
    manifest.write_text(json.dumps(election.manifest))
    dirs = {t.index: workdir / f"trustee-{t.index}" for t in trustees}
    for t in trustees:
        where = ["--manifest", str(manifest), "--dir", str(dirs[t.index])]
        _cli(["trustee", "keygen", "--index", str(t.index), *where])
        _upload(t, dirs[t.index] / "announcement.json")
    keys = workdir / "ceremony-keys.json"
    keys.write_text(json.dumps(ceremony.ceremony_keys(election)))
    for t in trustees:
        _cli(["trustee", "commit", "--dir", str(dirs[t.index]), "--keys", str(keys)])
        _upload(t, dirs[t.index] / "commitment.json")
    for t in trustees:
        bundle = workdir / f"bundle-{t.index}.json"
        bundle.write_text(json.dumps(ceremony.bundle_for(t)))
        _cli(["trustee", "receive", "--dir", str(dirs[t.index]), "--bundle", str(bundle)])
        _upload(t, dirs[t.index] / "confirmation.json")
    return dirs


def issue_credentials(election: Any, workdir: Path) -> Path:
    """Play the credential authority: ``tellers credentials issue`` from the mailing roll, and
    the upload as the scrutineer's page takes it. Returns the authority's mailing file."""
    from tellers.web.store import setup

    (workdir / "manifest.json").write_text(json.dumps(election.manifest))
    (workdir / "mailing-roll.csv").write_text(setup.mailing_roll(election))
    out = workdir / "authority"
    _cli(
        [
            "credentials", "issue", "--manifest", str(workdir / "manifest.json"),
            "--roll", str(workdir / "mailing-roll.csv"),
            "--key", str(workdir / "authority-key.json"),
            "--name", "Independent Scrutineer (demo)", "--out", str(out), "--workers", "1",
        ]
    )  # fmt: skip
    upload = out / "credentials-upload.json"
    setup.accept_credentials(election, upload.read_bytes(), upload.name, None)
    return out / "mailing.csv"


def decrypt_as_trustee(trustee: Any, directory: Path) -> None:
    """Play one trustee at the tally: ``tellers trustee decrypt`` of the record so far (which
    it verifies), and the upload."""
    from tellers.web.store import records

    record = records.archive_path(trustee.election, "tally")
    _cli(["trustee", "decrypt", "--dir", str(directory), "--record", str(record), "--workers", "1"])
    _upload(trustee, directory / "decryption.json")


def _demo_manifest(opens: str, closes: str) -> dict[str, Any]:
    return {
        "format": "tellers-manifest/v2",
        "election_id": DEMO_SLUG,
        "title": "Demo union: General Secretary 2026",
        "organisation": "Demo Union",
        "scrutineer": "Independent Scrutineer (demo)",
        "opens": opens,
        "closes": closes,
        "revote": "last",
        "public_board": "live",
        "trustees": {"count": 3, "quorum": 2},
        "constituencies": ["north", "south"],
        "contests": [
            {
                "id": "general-secretary",
                "title": "General Secretary",
                "method": "plurality",
                "choices": [
                    {"id": "khan", "name": "Amira Khan"},
                    {"id": "oneill", "name": "Brian O'Neill"},
                    {"id": "chen", "name": "Chen Wei"},
                ],
            },
            {
                "id": "rule-change",
                "title": "Rule change: annual conference every year",
                "method": "yes-no",
                "choices": [{"id": "yes", "name": "Yes"}, {"id": "no", "name": "No"}],
            },
        ],
    }


def prepare_demo(base_url: str = "http://127.0.0.1:8000") -> str | None:
    """Create the ready demo election (once); return how to vote in it."""
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from tellers.web.store import count, setup
    from tellers.web.store.access import OFFICER_GROUP, SCRUTINEER_GROUP
    from tellers.web.store.models import Election

    data_dir = Path(settings.DATA_DIR)
    codes_file = data_dir / "demo-mailing.csv"
    lines = []
    if not Election.objects.filter(slug=DEMO_SLUG).exists():
        now = timezone.now().replace(microsecond=0)
        manifest = _demo_manifest(
            (now - timedelta(minutes=1)).isoformat(), (now + timedelta(days=7)).isoformat()
        )
        election = setup.create_election(json.dumps(manifest).encode(), "demo.json", None)
        roll = io.StringIO()
        writer = csv.writer(roll)
        writer.writerow(["member_id", "constituency", "name", "email", "postal_address"])
        for number, name, constituency in DEMO_MEMBERS:
            email = name.split()[0].lower() + "@example.org"
            writer.writerow([number, constituency, name, email, "1 Demo Street, Demotown"])
        setup.import_roll(election, roll.getvalue().encode(), "demo-roll.csv", None)
        trustees = [(f"Trustee {n}", f"trustee{i}@example.org") for i, n in
                    enumerate(("One", "Two", "Three"), start=1)]  # fmt: skip
        setup.set_trustees(election, trustees, None)  # no mail: the demo plays the trustees
        with tempfile.TemporaryDirectory() as work:
            run_ceremony(election, Path(work))  # the trustees' secrets vanish with it
            election.refresh_from_db()
            mailing = issue_credentials(election, Path(work)).read_text(encoding="utf-8")
        election.refresh_from_db()
        references = dict(election.members.values_list("reference", "member_number"))
        rows = list(csv.DictReader(io.StringIO(mailing)))
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(codes_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            # The demo's one place where a code meets a membership number: a member's own letter.
            writer = csv.writer(handle)
            writer.writerow(["member_number", "name", "code"])
            for row in sorted(rows, key=lambda r: references[r["reference"]]):
                writer.writerow([references[row["reference"]], row["name"], row["code"]])
        count.open_election(election, None)
        for username, group in (("officer", OFFICER_GROUP), ("scrutineer", SCRUTINEER_GROUP)):
            if not User.objects.filter(username=username).exists():
                password = secrets.token_urlsafe(9)
                user = User.objects.create_user(username, password=password)
                user.groups.add(Group.objects.get(name=group))
                lines.append(f"  demo {username}: sign in as {username} / {password}")
        if any(line.startswith("  demo ") for line in lines):
            lines.append(
                "  (staff sign in with a code too: the first sign-in shows a QR code and a key"
                " for an authenticator app; `oathtool --totp -b KEY` gives the code as well)"
            )
    if not codes_file.exists():
        return None
    with open(codes_file, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    lines[:0] = [
        f"Demo election open: {base_url}/vote/{DEMO_SLUG}/ (it closes a week after it was made).",
        f"Vote with a membership number and its code (the demo's mailing file is {codes_file}):",
        *(f"  {row['member_number']}  {row['code']}" for row in rows[:3]),
    ]
    return "\n".join(lines)


def serve(host: str, port: int, *, demo: bool = True) -> int:
    """Migrate, prepare the demo election (unless ``demo`` is false) and serve until stopped."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tellers.web.settings")
    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings

    from tellers.web.datadir import private_dir

    private_dir(Path(settings.DATA_DIR))
    call_command("migrate", interactive=False, verbosity=0)
    if demo:
        note = prepare_demo(f"http://{host}:{port}")
        if note:
            print(note)
    print(f"Tellers is serving on http://{host}:{port}/ (Ctrl-C stops it)")
    # The development server serves the static files itself (insecure=True): this
    # command is for one machine, behind no proxy.
    call_command(
        "runserver",
        f"{host}:{port}",
        use_reloader=False,
        insecure_serving=True,
    )
    return 0
