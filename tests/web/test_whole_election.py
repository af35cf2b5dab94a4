"""A whole election in real Chromium, against a live server, with every party apart.

An officer creates the election from a manifest file, imports a roll and
names three trustees, whose links go to them by mail (a real SMTP server on
loopback); each trustee runs ``tellers trustee`` as a process of its own and
exchanges only files with its page; the scrutineer downloads the mailing
roll, runs the credential authority's ``tellers credentials issue`` as a
separate process and uploads its signed list; each member's code reaches
the member from the authority's mailing file alone. Five members vote in the
browser, one auditing first and one voting again (policy "last"); the
officer closes and starts the tally; two of the three trustees download the
record so far, verify it and decrypt; the scrutineer signs off; the officer
publishes. The result page shows the right counts, every member finds their
tracker on the board, and the downloaded record passes ``tellers verify``.
Screenshots go to test-artifacts/.

The browser thread runs Playwright's event loop, so the test never touches
the database while it is open: everything goes through the pages.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from test_browser_smoke import ARTIFACTS, chromium
from test_browser_smoke import pytestmark as browser_marks
from webtesting import enrol_in_browser

from tellers.verify import verify_record
from tellers.web.store import count, steps
from tellers.web.store.access import OFFICER_GROUP, SCRUTINEER_GROUP

__all__: list[str] = []

pytestmark = browser_marks
SLUG = "branch-2026"
PASSWORD = "correct horse battery staple"
ROLL = (
    "member_id,constituency,name,email,postal_address\n"
    "M1,north,Ann One,ann@example.org,1 Mill Lane\n"
    "M2,north,Bo Two,bo@example.org,2 Mill Lane\n"
    "M3,south,Cy Three,cy@example.org,3 Mill Lane\n"
    "M4,south,Di Four,di@example.org,4 Mill Lane\n"
    "M5,north,Ed Five,ed@example.org,5 Mill Lane\n"
    "M6,south,Flo Six,flo@example.org,6 Mill Lane\n"
)
# member -> the ballots they cast, in order (the last counts); M1 audits one first.
VOTES = {
    "M1": [{"president": "ann", "motion": "yes"}],
    "M2": [{"president": "bo", "motion": "no"}, {"president": "cy", "motion": "yes"}],
    "M3": [{"president": "ann", "motion": "yes"}],
    "M4": [{"president": "bo", "motion": "no"}],
    "M5": [{"president": "ann", "motion": "yes"}],
}
EXPECTED = {"president": {"ann": 3, "bo": 1, "cy": 1}, "motion": {"yes": 4, "no": 1}}


def manifest() -> dict[str, Any]:
    now = timezone.now().replace(microsecond=0)
    return {
        "format": "tellers-manifest/v2",
        "election_id": SLUG,
        "title": "Branch officers 2026",
        "organisation": "Test Union",
        "scrutineer": "Independent Ballots Ltd",
        "opens": (now - timedelta(hours=1)).isoformat(),
        "closes": (now + timedelta(days=1)).isoformat(),
        "revote": "last",
        "public_board": "live",
        "trustees": {"count": 3, "quorum": 2},
        "constituencies": ["north", "south"],
        "contests": [
            {
                "id": "president",
                "title": "Branch president",
                "method": "plurality",
                "choices": [
                    {"id": "ann", "name": "Ann Candidate"},
                    {"id": "bo", "name": "Bo Candidate"},
                    {"id": "cy", "name": "Cy Candidate"},
                ],
            },
            {
                "id": "motion",
                "title": "Motion: affiliate to the trades council",
                "method": "yes-no",
                "choices": [{"id": "yes", "name": "Yes"}, {"id": "no", "name": "No"}],
            },
        ],
    }


def sign_in(browser: Any, base: str, username: str) -> Any:
    """The first sign-in of a staff account: the password, then the authenticator app set up
    from the key the page shows and confirmed with its code."""
    page = browser.new_context().new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url("**/accounts/enrol/")
    enrol_in_browser(page)
    return page


def download(page: Any, selector: str, to: Path) -> Path:
    with page.expect_download() as info:
        page.click(selector)
    info.value.save_as(str(to))
    return to


def party(*argv: str) -> str:
    """``tellers ARGV`` as a process of its own (a trustee's or the authority's machine)."""
    done = subprocess.run(
        [sys.executable, "-m", "tellers.cli", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TELLERS_PASSPHRASE": "a party's own passphrase"},
    )
    assert done.returncode == 0, (argv, done.stdout, done.stderr)
    return done.stdout


def trustee_run(argv: list[str]) -> str:
    return party("trustee", *argv)


def upload(page: Any, path: Path) -> None:
    page.click("#to-upload")
    page.set_input_files("#id_file", str(path))
    page.click("#upload")
    page.wait_for_load_state()
    assert "Received and checked" in page.inner_text(".messages"), page.inner_text("main")


def upload_credentials(page: Any, path: Path) -> None:
    page.set_input_files("#id_credentials", str(path))
    page.click("#upload-credentials")
    page.wait_for_load_state()
    assert "credentials taken" in page.inner_text(".messages"), page.inner_text("main")


def vote(browser: Any, base: str, number: str, code: str, *, audit_first: bool) -> str:
    """Sign in, vote (each ballot in VOTES[number]), return the tracker of the last cast."""
    page = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    page.goto(f"{base}/vote/{SLUG}/")
    page.fill("#code", code)
    page.fill("#id_member_number", number)
    page.click("#sign-in")
    page.wait_for_url(f"**/vote/{SLUG}/ballot/")
    tracker = ""
    for round_, choices in enumerate(VOTES[number]):
        if round_:  # the code left the browser with the last ballot: type it again
            page.goto(f"{base}/vote/{SLUG}/")
            page.fill("#code", code)
            page.fill("#id_member_number", number)
            page.click("#sign-in")
            page.wait_for_url(f"**/vote/{SLUG}/ballot/")
        for contest, choice in choices.items():
            page.check(f'fieldset[data-contest="{contest}"] input[value="{choice}"]')
        if audit_first and not round_:
            page.click("#encrypt")
            page.locator("#tracker-box").wait_for(state="visible")
            page.click("#audit")
            page.locator("#audit-result").wait_for(state="visible")
            assert "Ann Candidate" in page.inner_text("#audit-result")
        if number == "M3":
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "ballot-360.png"), full_page=True)
        page.click("#encrypt")
        page.locator("#tracker-box").wait_for(state="visible")
        shown = page.inner_text("#tracker").strip()
        page.click("#cast")
        page.wait_for_url(f"**/vote/{SLUG}/receipt/**")
        tracker = page.inner_text("#tracker").strip()
        assert tracker and shown.replace(" ", "").startswith(tracker.replace(" ", "")[:16])
    page.context.close()
    return tracker


@pytest.mark.django_db(transaction=True)
def test_whole_election_in_chromium(
    live_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: list[Any]
) -> None:
    for name, group in (("officer", OFFICER_GROUP), ("scrutineer", SCRUTINEER_GROUP)):
        User.objects.create_user(name, password=PASSWORD).groups.add(Group.objects.get(name=group))
    (tmp_path / "manifest.json").write_text(json.dumps(manifest()))
    (tmp_path / "roll.csv").write_text(ROLL)
    base = live_server.url
    closes = timezone.now() + timedelta(days=1, minutes=1)

    with chromium() as browser:
        officer = sign_in(browser, base, "officer")
        officer.goto(f"{base}/officer/new/")
        officer.set_input_files("#id_manifest", str(tmp_path / "manifest.json"))
        officer.click("#create")
        officer.wait_for_url(f"**/officer/e/{SLUG}/")
        officer.goto(f"{base}/officer/e/{SLUG}/roll/import/")
        officer.set_input_files("#id_roll", str(tmp_path / "roll.csv"))
        officer.click("#import")  # sent by the page's script, which shows its progress
        officer.wait_for_url(f"**/officer/e/{SLUG}/roll/checks/")
        # The roll gives no postcodes: the officer reads the checks' warning and acknowledges
        # it, or the scrutineer gets no mailing roll below.
        assert officer.get_attribute('[data-check="no-postcode"]', "data-count") == "6"
        officer.click("#acknowledge")
        officer.wait_for_load_state()
        assert officer.locator("#roll-acknowledged").count() == 1
        officer.goto(f"{base}/officer/e/{SLUG}/trustees/")
        for i, name in enumerate(["Amira Khan", "Brian O'Neill", "Chen Wei"], start=1):
            officer.fill(f"#id_name-{i}", name)
            officer.fill(f"#id_email-{i}", f"trustee{i}@example.org")
        officer.click("#save-trustees")
        officer.wait_for_load_state()
        assert "/trustee/" not in officer.content()
        by_mail = {m["To"]: m.get_content() for m in smtp}
        links = [
            re.search(r"(/trustee/[^/\s]+/)", by_mail[f"trustee{i}@example.org"]).group(1)  # type: ignore[union-attr]
            for i in (1, 2, 3)
        ]

        # The key ceremony: each trustee on their own page, with their own folder.
        trustees = [browser.new_context().new_page() for _ in links]
        fingerprints: dict[int, str] = {}
        dirs = [tmp_path / f"trustee-{i}" for i in (1, 2, 3)]
        for i, (page, link) in enumerate(zip(trustees, links, strict=True), start=1):
            page.goto(f"{base}{link}")
            enrol_in_browser(page)  # the link and the trustee's authenticator app
            got = download(page, "#download", tmp_path / f"manifest-{i}.json")
            where = ["--manifest", str(got), "--dir", str(dirs[i - 1])]
            said = trustee_run(["keygen", "--index", str(i), *where])
            fingerprints[i] = re.search(r"fingerprint is ([0-9A-Z-]{19})", said).group(1)  # type: ignore[union-attr]
            upload(page, dirs[i - 1] / "announcement.json")
        for i, page in enumerate(trustees, start=1):
            page.reload()
            keys = download(page, "#download", tmp_path / f"keys-{i}.json")
            # Each trustee pins the others' fingerprints, as read out to it.
            pins = [f"--expect={j}={fp}" for j, fp in fingerprints.items() if j != i]
            trustee_run(["commit", "--dir", str(dirs[i - 1]), "--keys", str(keys), *pins])
            upload(page, dirs[i - 1] / "commitment.json")
        for i, page in enumerate(trustees, start=1):
            page.reload()
            bundle = download(page, "#download", tmp_path / f"bundle-{i}.json")
            trustee_run(["receive", "--dir", str(dirs[i - 1]), "--bundle", str(bundle)])
            upload(page, dirs[i - 1] / "confirmation.json")

        scrutineer = sign_in(browser, base, "scrutineer")
        scrutineer.goto(f"{base}/scrutiny/e/{SLUG}/")
        roll = download(scrutineer, "#mailing-roll", tmp_path / "mailing-roll.csv")
        manifest_copy = download(scrutineer, "#manifest", tmp_path / "authority-manifest.json")
        authority = tmp_path / "authority"
        party(
            "credentials", "issue", "--manifest", str(manifest_copy), "--roll", str(roll),
            "--key", str(tmp_path / "authority-key.json"), "--name", "Independent Ballots Ltd",
            "--out", str(authority), "--workers", "1",
        )  # fmt: skip
        upload_credentials(scrutineer, authority / "credentials-upload.json")
        # A member's letter: the authority's code, sent to the address the roll gives.
        letters = {
            r["email"]: r["code"] for r in csv.DictReader((authority / "mailing.csv").open())
        }
        numbers = {r["email"]: r["member_id"] for r in csv.DictReader(io.StringIO(ROLL))}
        codes = {numbers[email]: code for email, code in letters.items()}
        assert sorted(codes) == ["M1", "M2", "M3", "M4", "M5", "M6"]
        officer.goto(f"{base}/officer/e/{SLUG}/")
        officer.check("#confirm-open")  # an irreversible step asks first
        officer.click("#open-election")
        officer.wait_for_load_state()
        assert officer.get_attribute("#status", "data-status") == "open"
        public_page = browser.new_context().new_page()
        public_page.goto(f"{base}/e/{SLUG}/")
        for i, fp in fingerprints.items():  # what each trustee read out is what is published
            assert fp in public_page.inner_text(f'tr[data-party="trustee-{i}"]')

        trackers = {
            number: vote(browser, base, number, codes[number], audit_first=number == "M1")
            for number in VOTES
        }

        monkeypatch.setattr(steps, "now", lambda: closes)  # the closing time has come
        officer.goto(f"{base}/officer/e/{SLUG}/")
        officer.check("#confirm-close")  # an irreversible step asks first
        officer.click("#close-election")
        officer.wait_for_load_state()
        officer.check("#confirm-tally")  # an irreversible step asks first
        officer.click("#start-tally")
        officer.wait_for_load_state()
        assert officer.get_attribute("#status", "data-status") == "tallying"

        for i in (1, 3):  # trustee 2 is away: two of three are a quorum
            page = trustees[i - 1]
            page.reload()
            record = download(page, "#download", tmp_path / f"record-so-far-{i}.zip")
            said = trustee_run(["decrypt", "--dir", str(dirs[i - 1]), "--record", str(record)])
            assert "the board verifies" in said
            upload(page, dirs[i - 1] / "decryption.json")

        scrutineer.goto(f"{base}/scrutiny/e/{SLUG}/")
        assert scrutineer.inner_text('[data-figure="papers_sent"]') == "6"
        assert scrutineer.inner_text('[data-figure="returned"]') == "6"
        assert scrutineer.inner_text('[data-figure="counted"]') == "5"
        assert scrutineer.inner_text('[data-figure="superseded"]') == "1"
        for name in count.STATEMENTS:
            scrutineer.check(f"#id_{name}")
        scrutineer.click("#sign-off")
        scrutineer.wait_for_load_state()
        assert scrutineer.is_visible("#signed-off")

        officer.goto(f"{base}/officer/e/{SLUG}/")
        officer.check("#confirm-publish")  # an irreversible step asks first
        officer.click("#publish")
        officer.wait_for_load_state()
        assert officer.get_attribute("#status", "data-status") == "published"

        public = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
        public.goto(f"{base}/e/{SLUG}/result/")
        for contest, counts in EXPECTED.items():
            for choice, votes in counts.items():
                cell = public.locator(
                    f'table#result tbody[data-contest="{contest}"] '
                    f'tr[data-choice="{choice}"] td.votes'
                )
                assert cell.inner_text().strip() == str(votes), (contest, choice)
        public.screenshot(path=str(ARTIFACTS / "result-360.png"), full_page=True)
        for number, tracker in trackers.items():
            public.goto(f"{base}/e/{SLUG}/board/?tracker={tracker}")
            assert public.is_visible("#tracker-found"), number
        record = public.context.request.get(f"{base}/e/{SLUG}/record/")
        assert record.status == 200
        archive = record.body()
        root = public.context.request.get(f"{base}/e/{SLUG}/result/").text()

    (tmp_path / "record.zip").write_bytes(archive)
    said = party("verify", str(tmp_path / "record.zip"), "--workers", "1")  # as anyone would
    assert "VALID" in said
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        zf.extractall(tmp_path / "record")
    (folder,) = (tmp_path / "record").iterdir()
    report = verify_record(folder, workers=1)
    assert report.valid, report.to_json()
    assert report.root in root  # the result page shows the root tellers verify prints
