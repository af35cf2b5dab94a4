"""The trustee's page and the ``tellers trustee`` command, together and apart.

The page offers what the due step needs and takes the file the command
wrote; the command keeps secrets in 0600 files, names a cheating trustee,
and exits 2 with the file (and line) for an unusable input.
"""

from __future__ import annotations

import io
import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from test_lifecycle_flow import new_election

from tellers.cli import main
from tellers.web.store import setup
from tellers.web.store.models import Election, Trustee

__all__: list[str] = []

ClientFor = Callable[[str | None], Client]


@pytest.fixture
def election(cast: dict[str, Any]) -> Election:
    e = new_election()
    setup.set_trustees(e, [("Amy", ""), ("Ben", ""), ("Cal", "")], None)
    return e


def trustees(election: Election) -> list[Trustee]:
    return list(election.trustees.order_by("index"))


def upload_via_page(client: Client, trustee: Trustee, path: Path) -> str:
    home = f"/trustee/{trustee.token}/"
    client.get(f"{home}upload/")
    handle = io.BytesIO(path.read_bytes())
    handle.name = path.name
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"{home}upload/", {"file": handle, "csrfmiddlewaretoken": token}, follow=True
    )
    assert response.status_code == 200
    return str(response.content.decode())


def keygen(tmp_path: Path, manifest: Path, index: int) -> Path:
    d = tmp_path / f"t{index}"
    args = ["--manifest", str(manifest), "--dir", str(d)]
    assert main(["trustee", "keygen", "--index", str(index), *args]) == 0
    return d


def test_ceremony_through_the_pages_and_a_cheat_named(
    election: Election, client_for: ClientFor, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = client_for(None)
    people = trustees(election)
    home = client.get(f"/trustee/{people[0].token}/")
    assert b'data-step="keygen"' in home.content and home["Referrer-Policy"] == "no-referrer"
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(client.get(f"/trustee/{people[0].token}/manifest.json").content)
    assert client.get(f"/trustee/{people[0].token}/bundle.json").status_code == 404

    dirs = [keygen(tmp_path, manifest, t.index) for t in people]
    for name in ("ceremony-key.json", "polynomial.json"):
        assert stat.S_IMODE((dirs[0] / name).stat().st_mode) == 0o600
    for t, d in zip(people, dirs, strict=True):
        page = upload_via_page(client, t, d / "ceremony-key-public.json")
        assert "Received and checked" in page
    wrong = upload_via_page(client, people[0], dirs[1] / "ceremony-key-public.json")
    assert "not the file due now" in wrong

    keys = tmp_path / "keys.json"
    keys.write_bytes(client.get(f"/trustee/{people[0].token}/ceremony-keys.json").content)
    for d in dirs:
        assert main(["trustee", "commit", "--dir", str(d), "--keys", str(keys)]) == 0
    # Trustee 2 cheats: the share it sends trustee 1 is sealed for trustee 3.
    commitment = json.loads((dirs[1] / "commitment.json").read_text())
    shares = commitment["shares"]
    shares[0]["sealed"] = shares[2]["sealed"]
    (dirs[1] / "commitment.json").write_text(json.dumps(commitment))
    for t, d in zip(people, dirs, strict=True):
        assert "Received and checked" in upload_via_page(client, t, d / "commitment.json")

    bundle = tmp_path / "bundle-1.json"
    bundle.write_bytes(client.get(f"/trustee/{people[0].token}/bundle.json").content)
    capsys.readouterr()
    assert main(["trustee", "receive", "--dir", str(dirs[0]), "--bundle", str(bundle)]) == 1
    assert "trustee 2" in capsys.readouterr().err
    complaint = json.loads((dirs[0] / "complaint.json").read_text())
    assert (complaint["trustee"], complaint["against"]) == (1, 2)
    assert not (dirs[0] / "trustee-key.json").exists()
    upload_via_page(client, people[0], dirs[0] / "complaint.json")
    officer = client_for("officer").get(f"/officer/e/{election.slug}/").content.decode()
    assert "Trustee 1 says trustee 2 sent a bad share" in officer
    scrutineer = client_for("scrutineer").get(f"/scrutiny/e/{election.slug}/").content.decode()
    assert "Trustee 1 says trustee 2 sent a bad share" in scrutineer
    assert b'data-step="complaint"' in client.get(f"/trustee/{people[2].token}/").content


def test_upload_needs_csrf_and_a_real_link(election: Election, client_for: ClientFor) -> None:
    trustee = trustees(election)[0]
    response = client_for(None).post(f"/trustee/{trustee.token}/upload/", {})
    assert response.status_code == 403
    assert client_for(None).get("/trustee/nobody/").status_code == 404
    form = client_for(None).get(f"/trustee/{trustee.token}/upload/")
    assert form.status_code == 200 and form["Referrer-Policy"] == "same-origin"


def test_unusable_files_exit_2_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "manifest.json"
    bad.write_text('{\n  "format": "tellers-manifest/v1",\n  oops\n}\n')
    code = main(["trustee", "keygen", "--index", "1", "--manifest", str(bad), "--dir", "x"])
    assert code == 2
    assert f"{bad}:3: not JSON" in capsys.readouterr().err
    wrong = tmp_path / "keys.json"
    wrong.write_text('{"format": "something-else"}')
    code = main(["trustee", "commit", "--dir", str(tmp_path / "none"), "--keys", str(wrong)])
    assert code == 2
    assert "manifest.json: cannot read" in capsys.readouterr().err
