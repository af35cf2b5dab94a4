"""From a built wheel in a new virtual environment, a member votes in Chromium.

``python -m build`` makes the sdist from this checkout and the wheel from the sdist,
as a release would, so the browser bundle in the wheel was built from the sdist's
``js/`` sources (setup.py) and not copied from the checkout. A fresh ``python -m
venv`` installs the wheel (pip fetches its dependencies), then its own ``tellers
serve`` runs in an empty directory on a fresh data directory; Chromium signs in with
a membership number and code the command printed, encrypts, casts and sees the
receipt. About a minute, most of it pip.
"""

from __future__ import annotations

import re
import stat
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Any

from processes import environment_without, free_port
from test_browser_smoke import chromium
from test_browser_smoke import pytestmark as browser_marks

__all__: list[str] = []

pytestmark = browser_marks
REPO = Path(__file__).resolve().parents[2]
BUNDLE = "tellers/web/static/tellers/tellers.js"


def _built(out: Path) -> tuple[Path, Path]:
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(REPO)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (sdist,) = out.glob("tellers-*.tar.gz")
    (wheel,) = out.glob("tellers-*.whl")
    return sdist, wheel


def _serve(venv: Path, work: Path, port: int) -> tuple[subprocess.Popen[str], list[str]]:
    """The venv's ``tellers serve``, and what it printed up to "serving"."""
    env = {**environment_without(), "TELLERS_DATA_DIR": str(work / "data"),
           "PYTHONUNBUFFERED": "1"}  # fmt: skip
    process = subprocess.Popen(
        [str(venv / "bin" / "tellers"), "serve", "--port", str(port)],
        cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("Tellers is serving"):
            return process, lines
    process.kill()
    raise AssertionError("tellers serve did not start:\n" + "\n".join(lines))


def test_a_member_votes_on_the_site_installed_from_the_wheel(tmp_path: Path) -> None:
    sdist, wheel = _built(tmp_path / "dist")
    with tarfile.open(sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {"js/build.mjs", "js/package-lock.json", "js/src/index.js", "setup.py"} <= names
    assert f"src/{BUNDLE}" not in names, "the sdist carries sources, not the built bundle"
    with zipfile.ZipFile(wheel) as archive:
        assert len(archive.read(BUNDLE)) > 10_000
        assert "tellers/web/templates/tellers/base.html" in archive.namelist()
        for language in ("cy", "pl"):  # the compiled catalogues: no gettext needed to install
            assert f"tellers/web/locale/{language}/LC_MESSAGES/django.mo" in archive.namelist()

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    installed = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
         str(wheel)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]

    work = tmp_path / "work"
    work.mkdir()
    port = free_port()
    process, printed = _serve(venv, work, port)
    try:
        codes = [m.groups() for m in map(re.compile(r"^\s+(M\d{4})\s+(\S+)$").match, printed)
                 if m]  # fmt: skip
        assert codes, "\n".join(printed)
        number, code = codes[0]
        data = work / "data"
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        assert stat.S_IMODE((data / "tellers.sqlite3").stat().st_mode) == 0o600
        receipt = _vote(f"http://127.0.0.1:{port}/vote/demo", number, code)
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert re.fullmatch(r"[0-9a-f]{64}", receipt)


def _vote(base: str, number: str, code: str) -> str:
    problems: list[str] = []
    with chromium() as browser:
        # A phone set to Welsh: the installed site answers in Welsh from its shipped catalogue.
        page: Any = browser.new_page(viewport={"width": 360, "height": 740}, locale="cy-GB")
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{base}/", wait_until="networkidle")
        page.locator("html[data-tellers-crypto=ready]").wait_for(state="attached")
        assert page.get_attribute("html", "lang") == "cy"
        assert page.inner_text("label[for=code]") == "Cod pleidleisio"
        page.fill("#code", code)
        page.fill("#id_member_number", number)
        page.click("#sign-in")
        page.wait_for_url(f"{base}/ballot/")
        page.locator("html[data-tellers-crypto=ready]").wait_for(state="attached")
        for contest in page.locator("fieldset[data-contest]").all():
            contest.locator("input:not([value=''])").first.check()
        page.click("#encrypt")
        page.locator("#tracker-box").wait_for(state="visible")
        tracker = str(page.inner_text("#tracker"))
        page.click("#cast")
        page.wait_for_url(f"{base}/receipt/{tracker}/")
        shown = str(page.inner_text("#tracker"))
    assert problems == []
    assert shown == tracker
    return tracker
