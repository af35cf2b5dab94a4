"""The roll upload in real Chromium: the page's script sends the file, shows its progress
(the bytes sent, then the members checked, polled from the server) and lands on the check
report, which passes the accessibility checks. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from test_browser_smoke import chromium
from test_browser_smoke import pytestmark as browser_marks
from test_lifecycle_flow import new_election
from test_staff_browser import shot
from test_whole_election import PASSWORD, sign_in

from tellers.bench.roll import CONSTITUENCIES, EMPLOYER, RELEVANT_DATE, write_roll
from tellers.web.rollcheck import importer
from tellers.web.rollcheck.models import RollImport
from tellers.web.store.access import OFFICER_GROUP

__all__: list[str] = []

pytestmark = browser_marks
SLUG = "exec-2026"


@pytest.mark.django_db(transaction=True)
def test_the_officer_sees_the_import_progress_then_the_report(
    live_server: Any, tmp_path: Path
) -> None:
    User.objects.create_user("officer", password=PASSWORD).groups.add(
        Group.objects.get(name=OFFICER_GROUP)
    )
    new_election(constituencies=list(CONSTITUENCIES))
    path = tmp_path / "roll.csv"
    planted = write_roll(path, 120_000)
    base = live_server.url
    seen: list[str] = []
    with chromium() as browser:
        page = sign_in(browser, base, "officer")
        page.goto(f"{base}/officer/e/{SLUG}/roll/import/")
        shot(page, "officer-roll-import")
        page.set_input_files("#id_roll", str(path))
        page.fill("#id_relevant_date", RELEVANT_DATE.isoformat())
        page.fill("#id_employer_domains", EMPLOYER)
        page.check('input[name="grounds"][value="arrears"]')
        page.check('input[name="grounds"][value="new-member"]')
        page.click("#import")
        # The server's count of members checked, as the page polls it while the import runs.
        page.wait_for_function(
            "() => /Reading and checking: [0-9]/.test("
            "document.getElementById('roll-progress-text')?.textContent || '')",
            timeout=120_000,
        )
        seen.append(page.inner_text("#roll-progress-text"))
        page.wait_for_url(f"**/officer/e/{SLUG}/roll/checks/", timeout=240_000)
        counts = {
            check: page.get_attribute(f'[data-check="{check}"]', "data-count")
            for check in planted.findings
        }
        shot(page, "officer-roll-checks")
    assert seen and seen[0].startswith("Reading and checking: ")
    assert counts == {check: str(n) for check, n in planted.findings.items()}
    row = RollImport.objects.get()
    assert row.phase == RollImport.Phase.IMPORTED and importer.needs_acknowledging(row.election)
