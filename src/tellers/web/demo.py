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

__all__ = ["decrypt_as_trustee", "prepare_demo", "run_ceremony", "serve"]

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


def _cli(argv: list[str]) -> None:
    """``tellers ARGV`` in this process, its messages kept off the console."""
    from tellers.cli import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(argv)
    if code != 0:
        raise RuntimeError(f"tellers {' '.join(argv)} exited {code}")


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
        path = dirs[t.index] / "ceremony-key-public.json"
        ceremony.accept_trustee_file(t, path.read_bytes(), path.name)
    keys = workdir / "ceremony-keys.json"
    keys.write_text(json.dumps(ceremony.ceremony_keys(election)))
    for t in trustees:
        _cli(["trustee", "commit", "--dir", str(dirs[t.index]), "--keys", str(keys)])
        path = dirs[t.index] / "commitment.json"
        ceremony.accept_trustee_file(t, path.read_bytes(), path.name)
    for t in trustees:
        bundle = workdir / f"bundle-{t.index}.json"
        bundle.write_text(json.dumps(ceremony.bundle_for(t)))
        _cli(["trustee", "receive", "--dir", str(dirs[t.index]), "--bundle", str(bundle)])
        path = dirs[t.index] / "confirmation.json"
        ceremony.accept_trustee_file(t, path.read_bytes(), path.name)
    return dirs


def decrypt_as_trustee(trustee: Any, directory: Path) -> None:
    """Play one trustee at the tally: ``tellers trustee decrypt`` and the upload."""
    from tellers.web.store import ceremony, count

    tally = directory / "tally.json"
    tally.write_text(json.dumps(count.tally_for_trustees(trustee.election)))
    _cli(["trustee", "decrypt", "--dir", str(directory), "--tally", str(tally)])
    path = directory / "decryption.json"
    ceremony.accept_trustee_file(trustee, path.read_bytes(), path.name)


def _demo_manifest(opens: str, closes: str) -> dict[str, Any]:
    return {
        "format": "tellers-manifest/v1",
        "election_id": DEMO_SLUG,
        "title": "Demo union: General Secretary 2026",
        "organisation": "Demo Union",
        "scrutineer": "Independent Scrutineer (demo)",
        "opens": opens,
        "closes": closes,
        "revote": "last",
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
        setup.set_trustees(
            election, [("Trustee One", ""), ("Trustee Two", ""), ("Trustee Three", "")], None
        )
        with tempfile.TemporaryDirectory() as work:
            run_ceremony(election, Path(work))  # the trustees' secrets vanish with it
        election.refresh_from_db()
        mailing = setup.generate_credentials(election, None)
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(codes_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(mailing)
        count.open_election(election, None)
        for username, group in (("officer", OFFICER_GROUP), ("scrutineer", SCRUTINEER_GROUP)):
            if not User.objects.filter(username=username).exists():
                password = secrets.token_urlsafe(9)
                user = User.objects.create_user(username, password=password)
                user.groups.add(Group.objects.get(name=group))
                lines.append(f"  demo {username}: sign in as {username} / {password}")
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
