"""The local web service of ``tellers serve``, with its ready demo election.

Runs the migrations on the configured database (embedded SQLite by default,
PostgreSQL when ``DATABASE_URL`` says so), prepares the demo election and
starts Django's development server.

The demo election is made through the same steps an officer and three
trustees take on the site: a manifest, a small roll, the trustees' key
ceremony (``tellers trustee`` for each, in temporary directories), the
credentials, and opening. It is open now and closes in a week.

Beside it, ``demo-hybrid`` is the same ballot by post and online: the demo
plays the print authority (a numbered paper for every member, the list
uploaded as the scrutineer's page takes it, on the board with the opening)
and the opening house (a few papers back: counted, one counted and then
superseded by the member's online ballot, and a voided paper that turned up
after its replacement was sent, refused), so that the paper look-up has
something to show; the console prints a few papers' numbers and codes.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import secrets
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tellers.vault import PASSPHRASE_ENV

__all__ = [
    "decrypt_as_trustee",
    "issue_credentials",
    "prepare_demo",
    "print_papers",
    "run_ceremony",
    "serve",
]

DEMO_SLUG = "demo"
HYBRID_SLUG = "demo-hybrid"
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


def print_papers(election: Any, workdir: Path) -> tuple[Any, Path, Path]:
    """Play the print authority: a numbered, pre-encrypted paper for each credential on the
    published list (in the list's order, which is not the roll's), ``papers.jsonl`` and the
    signed statement of it. Returns (the authority, the statement's file, papers.jsonl)."""
    from tellers import canonical
    from tellers.postal.authority import PrintAuthority, issue_papers
    from tellers.web.store.board import context_for

    context = context_for(election)
    authority = PrintAuthority.generate(
        "Independent Scrutineer (demo print authority)",
        "Independent Scrutineer (demo opening house)",
    )
    holders = (
        (bytes.fromhex(c), k)
        for c, k in election.credentials.order_by("public_credential").values_list(
            "public_credential", "constituency"
        )
    )
    workdir.mkdir(parents=True, exist_ok=True)
    papers = workdir / "papers.jsonl"
    statement = issue_papers(
        authority, context.manifest, context.fingerprint, context.election_key, holders, papers
    )
    listed = workdir / "paper-list.json"
    listed.write_bytes(canonical.dumps(statement) + b"\n")
    return authority, listed, papers


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


def _hybrid_manifest(opens: str, closes: str) -> dict[str, Any]:
    manifest = _demo_manifest(opens, closes)
    manifest.update(
        format="tellers-manifest/v3",
        election_id=HYBRID_SLUG,
        title="Demo union: General Secretary 2026, by post and online",
        postal={
            "channels": "hybrid",
            "precedence": "online",
            "replacements_close": (datetime.fromisoformat(closes) - timedelta(days=2)).isoformat(),
            "return_address": "Independent Scrutineer (demo), Freepost DEMO, Demotown DT1 1AA",
        },
    )
    return manifest


def _new_demo(manifest: dict[str, Any], work: Path) -> tuple[Any, dict[str, dict[str, str]]]:
    """A demo election through the officer's, trustees' and authority's steps, up to the
    opening; and each member's mailing row (name, code) by membership number."""
    from tellers.web.store import setup

    election = setup.create_election(json.dumps(manifest).encode(), "demo.json", None)
    roll = io.StringIO()
    writer = csv.writer(roll)
    writer.writerow(["member_id", "constituency", "name", "email", "postal_address"])
    for house, (number, name, constituency) in enumerate(DEMO_MEMBERS, start=1):
        email = name.split()[0].lower() + "@example.org"
        address = f"{house} Demo Street, Demotown DT1 1AA"
        writer.writerow([number, constituency, name, email, address])
    setup.import_roll(election, roll.getvalue().encode(), "demo-roll.csv", None)
    trustees = [(f"Trustee {n}", f"trustee{i}@example.org") for i, n in
                enumerate(("One", "Two", "Three"), start=1)]  # fmt: skip
    setup.set_trustees(election, trustees, None)  # no mail: the demo plays the trustees
    run_ceremony(election, work)  # the trustees' secrets vanish with the directory
    election.refresh_from_db()
    mailing = issue_credentials(election, work).read_text(encoding="utf-8")
    election.refresh_from_db()
    references = dict(election.members.values_list("reference", "member_number"))
    rows = {references[r["reference"]]: r for r in csv.DictReader(io.StringIO(mailing))}
    return election, rows


def _private_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _prepare_hybrid(papers_file: Path) -> None:
    """The hybrid demo: papers issued, one voided and replaced, a few back, one vote online."""
    from django.utils import timezone

    from tellers import canonical
    from tellers.ballot import encrypt_ballot
    from tellers.crypto.credentials import derive_signing_key, public_credential
    from tellers.parties import short_text
    from tellers.postal.authority import preencrypt_many, replacement_message, void_message
    from tellers.postal.content import paper_label
    from tellers.postal.preencrypt import preencrypt_paper
    from tellers.postal.returns import make_return
    from tellers.record.v2 import ballot_to_json
    from tellers.web.store import board, count, postal
    from tellers.web.store.models import Paper

    now = timezone.now().replace(microsecond=0)
    manifest_json = _hybrid_manifest(
        (now - timedelta(minutes=1)).isoformat(), (now + timedelta(days=7)).isoformat()
    )
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        election, mailing = _new_demo(manifest_json, work)
        authority, statement, papers = print_papers(election, work)
        postal.accept_paper_list(election, statement.read_bytes(), papers, None, statement.name)
    count.open_election(election, None)  # papers-issued goes on the board with the opening
    election.refresh_from_db()
    context = board.context_for(election)
    m, fp, key = context.manifest, context.fingerprint, context.election_key
    credential = {
        n: public_credential(HYBRID_SLUG.encode(), row["code"]) for n, row in mailing.items()
    }
    number_of = {bytes.fromhex(c): n for n, c in Paper.objects.filter(election=election)
                 .values_list("number", "credential")}  # fmt: skip
    paper_of = {member: number_of[credential[member]] for member in mailing}
    constituency = {number: k for number, _, k in DEMO_MEMBERS}

    def paper(number: int, member: str) -> Any:
        return preencrypt_paper(m, fp, key, authority.seed(number), number, credential[member],
                                constituency[member])  # fmt: skip

    def returned(number: int, member: str, picks: dict[str, str]) -> bytes:
        marks = {c: [m.contest(c).choice_index(x)] for c, x in picks.items()}
        made = make_return(m, fp, key, paper(number, member), timezone.now().isoformat(), marks,
                           authority.opening)  # fmt: skip
        return canonical.dumps(made) + b"\n"

    # Bob Crow reports that his paper never came: it is voided and the next one sent.
    first_bob = paper_of["M0002"]
    check = "DEMO-1: identity confirmed by telephone (security questions)"
    postal.void_paper(election, void_message(authority, fp, first_bob, "not-received", check))
    issued = next(preencrypt_many(authority, m, fp, key, [(len(mailing) + 1, credential["M0002"],
                                                          constituency["M0002"])]))  # fmt: skip
    postal.replace_paper(election, replacement_message(authority, fp, issued, first_bob))
    paper_of["M0002"] = issued.paper.number
    both = {"general-secretary": "khan", "rule-change": "yes"}
    postal.record_returns(
        election,
        returned(paper_of["M0001"], "M0001", both)
        + returned(paper_of["M0003"], "M0003", {"general-secretary": "chen", "rule-change": "no"})
        + returned(paper_of["M0004"], "M0004", {"general-secretary": "oneill", "rule-change": "no"})
        + returned(first_bob, "M0002", both),  # turned up after all: refused, voided
        None,
    )
    # Jack Jones posted his paper, then voted online: his online ballot counts instead.
    ballot, _ = encrypt_ballot(
        m, fp, key, derive_signing_key(HYBRID_SLUG.encode(), mailing["M0004"]["code"]),
        constituency["M0004"], {"general-secretary": ["khan"], "rule-change": ["yes"]},
    )  # fmt: skip
    board.cast(election, canonical.dumps(ballot_to_json(ballot)))
    what = {
        "M0001": "received and counted",
        "M0002": "a replacement: not received yet",
        "M0003": "received and counted",
        "M0004": "received, then superseded by an online ballot",
    }
    rows = [
        [n, mailing[n]["name"], mailing[n]["code"], paper_label(paper_of[n]),
         short_text(paper(paper_of[n], n).confirmation), what.get(n, "not received yet")]
        for n in sorted(mailing)
    ]  # fmt: skip
    rows.append(
        ["M0002", mailing["M0002"]["name"], mailing["M0002"]["code"], paper_label(first_bob),
         short_text(paper(first_bob, "M0002").confirmation),
         "voided and replaced; it came back after all and was refused"]
    )  # fmt: skip
    _private_csv(
        papers_file,
        ["member_number", "name", "code", "paper", "confirmation", "what_happened"],
        rows,
    )


def _hybrid_note(base_url: str, papers_file: Path) -> list[str]:
    with open(papers_file, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    kinds = ("received and counted", "voided", "superseded", "not received yet")
    shown = [next(r for r in rows if kind in r["what_happened"]) for kind in kinds]
    return [
        f"Demo by post and online: {base_url}/e/{HYBRID_SLUG}/ ; check a voting paper at "
        f"{base_url}/e/{HYBRID_SLUG}/paper/ with its number and confirmation code:",
        *(f"  {r['paper']}  {r['confirmation']}  ({r['what_happened']})" for r in shown),
        f"  (every paper, and each member's voting code, is in {papers_file})",
    ]


def prepare_demo(base_url: str = "http://127.0.0.1:8000") -> str | None:
    """Create the ready demo elections (once); return how to vote in them."""
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from tellers.web.store import count
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
        with tempfile.TemporaryDirectory() as work:
            election, mailing = _new_demo(manifest, Path(work))
        data_dir.mkdir(parents=True, exist_ok=True)
        # The demo's one place where a code meets a membership number: a member's own letter.
        _private_csv(
            codes_file,
            ["member_number", "name", "code"],
            [[n, mailing[n]["name"], mailing[n]["code"]] for n in sorted(mailing)],
        )
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
    papers_file = data_dir / "demo-hybrid-papers.csv"
    if not Election.objects.filter(slug=HYBRID_SLUG).exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        _prepare_hybrid(papers_file)
    if not codes_file.exists():
        return None
    with open(codes_file, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    lines[:0] = [
        f"Demo election open: {base_url}/vote/{DEMO_SLUG}/ (it closes a week after it was made).",
        f"Vote with a membership number and its code (the demo's mailing file is {codes_file}):",
        *(f"  {row['member_number']}  {row['code']}" for row in rows[:3]),
        *(_hybrid_note(base_url, papers_file) if papers_file.exists() else []),
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
