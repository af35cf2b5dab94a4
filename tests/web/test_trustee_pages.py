"""The trustee's page and the ``tellers trustee`` command, together and apart.

The page offers what the due step needs and takes the signed file the
command wrote; a complaint is answered in public and judged, the loser
disqualified and the ceremony carried on by the rest; the command keeps its
secrets encrypted and exits 2 with the file (and line) for an unusable input.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from test_lifecycle_flow import TRUSTEES, new_election
from webtesting import as_trustee

from tellers.cli import main
from tellers.crypto.group import Scalar
from tellers.parties import SigningKey, sign_object
from tellers.vault import open_vault
from tellers.web.store import setup
from tellers.web.store.models import Election, Trustee

__all__: list[str] = []

ClientFor = Callable[[str | None], Client]
PASSPHRASE = "a trustee's passphrase"


@pytest.fixture
def election(cast: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> tuple[Election, list[str]]:
    monkeypatch.setenv("TELLERS_PASSPHRASE", PASSPHRASE)
    e = new_election()
    tokens = setup.set_trustees(e, TRUSTEES, None)
    return e, [tokens[i] for i in sorted(tokens)]


def upload_via_page(client: Client, token: str, path: Path | bytes, name: str = "f.json") -> str:
    as_trustee(client, token)
    home = f"/trustee/{token}/"
    client.get(f"{home}upload/")
    handle = io.BytesIO(path if isinstance(path, bytes) else path.read_bytes())
    handle.name = name if isinstance(path, bytes) else path.name
    response = client.post(
        f"{home}upload/",
        {"file": handle, "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
        follow=True,
    )
    assert response.status_code == 200
    return str(response.content.decode())


def step_of(client: Client, token: str) -> str:
    as_trustee(client, token)
    found = re.search(r'data-step="([a-z-]+)"', client.get(f"/trustee/{token}/").content.decode())
    assert found is not None
    return found.group(1)


def fetch(client: Client, token: str, name: str, to: Path) -> Path:
    as_trustee(client, token)
    response = client.get(f"/trustee/{token}/download/{name}/")
    assert response.status_code == 200, (name, response.status_code)
    to.write_bytes(response.content)
    return to


def resign(directory: Path, message: dict[str, Any]) -> bytes:
    """The trustee of ``directory`` signs ``message`` as it stands (to cheat in a test)."""
    vault = open_vault(directory / "trustee-secrets.json", PASSPHRASE.encode())
    key = SigningKey.from_secret(Scalar.from_hex(vault["signing_key"]))
    unsigned = {k: v for k, v in message.items() if k != "signature"}
    return json.dumps(sign_object(key, unsigned)).encode()


def committed(client: Client, tokens: list[str], tmp_path: Path) -> list[Path]:
    """Every trustee through keygen and commit, by the pages; their folders."""
    manifest = fetch(client, tokens[0], "manifest", tmp_path / "manifest.json")
    dirs = []
    for i, token in enumerate(tokens, start=1):
        d = tmp_path / f"t{i}"
        args = ["--index", str(i), "--manifest", str(manifest), "--dir", str(d)]
        assert main(["trustee", "keygen", *args]) == 0
        assert "Received and checked" in upload_via_page(client, token, d / "announcement.json")
        dirs.append(d)
    keys = fetch(client, tokens[0], "ceremony-keys", tmp_path / "keys.json")
    for d in dirs:
        assert main(["trustee", "commit", "--dir", str(d), "--keys", str(keys)]) == 0
    return dirs


def receive(client: Client, token: str, d: Path, tmp_path: Path) -> int:
    bundle = fetch(client, token, "bundle", tmp_path / f"bundle-{d.name}.json")
    return main(["trustee", "receive", "--dir", str(d), "--bundle", str(bundle)])


def test_a_bad_share_is_complained_of_answered_and_its_sender_disqualified(
    election: tuple[Election, list[str]],
    client_for: ClientFor,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Attack 8: one complaint halted the ceremony for ever. Now it is judged in public."""
    e, tokens = election
    client = as_trustee(client_for(None), tokens[0])
    home = client.get(f"/trustee/{tokens[0]}/")
    assert b'data-step="keygen"' in home.content and home["Referrer-Policy"] == "no-referrer"
    assert client.get(f"/trustee/{tokens[0]}/download/bundle/").status_code == 404
    dirs = committed(client, tokens, tmp_path)
    # Trustee 2 cheats, and signs it: the share it sends trustee 1 is the box for trustee 3.
    cheat = json.loads((dirs[1] / "commitment.json").read_text())
    cheat["shares"][0]["sealed"] = cheat["shares"][2]["sealed"]
    for i, d in enumerate(dirs):
        body = resign(d, cheat) if i == 1 else (d / "commitment.json").read_bytes()
        assert "Received and checked" in upload_via_page(client, tokens[i], body, "commitment.json")
    capsys.readouterr()
    assert receive(client, tokens[0], dirs[0], tmp_path) == 1
    assert "trustee 2" in capsys.readouterr().err
    assert "Received and checked" in upload_via_page(client, tokens[0], dirs[0] / "complaint.json")
    assert step_of(client, tokens[1]) == "answer"
    assert step_of(client, tokens[2]) == "wait-answers"
    officer = client_for("officer").get(f"/officer/e/{e.slug}/").content.decode()
    assert "Trustee 1 says trustee 2 sent a bad share" in officer

    bundle = fetch(client, tokens[1], "bundle", tmp_path / "bundle-2.json")
    assert main(["trustee", "answer", "--dir", str(dirs[1]), "--bundle", str(bundle)]) == 0
    upload_via_page(client, tokens[1], dirs[1] / "answer-to-1.json")
    assert step_of(client, tokens[1]) == "disqualified"
    scrutineer = client_for("scrutineer").get(f"/scrutiny/e/{e.slug}/").content.decode()
    assert "judged: trustee 2 is disqualified" in scrutineer
    for i in (0, 2):  # the two that remain make the key; a quorum of two
        assert step_of(client, tokens[i]) == "receive"
        assert receive(client, tokens[i], dirs[i], tmp_path) == 0
        upload_via_page(client, tokens[i], dirs[i] / "confirmation.json")
    e.refresh_from_db()
    assert e.election_key and e.ceremony is not None
    assert [c["qualified"] for c in e.ceremony["confirmations"]] == [[1, 3], [1, 3]]
    assert step_of(client, tokens[0]) == "ceremony-done"
    assert receive(client, tokens[1], dirs[1], tmp_path) == 1  # trustee 2 is told, too


def test_a_false_complaint_disqualifies_the_complainant(
    election: tuple[Election, list[str]], client_for: ClientFor, tmp_path: Path
) -> None:
    _e, tokens = election
    client = client_for(None)
    dirs = committed(client, tokens, tmp_path)
    for token, d in zip(tokens, dirs, strict=True):
        upload_via_page(client, token, d / "commitment.json")
    assert receive(client, tokens[0], dirs[0], tmp_path) == 0
    confirmation = json.loads((dirs[0] / "confirmation.json").read_text())
    # Trustee 1 complains of trustee 3's good share, signing the complaint itself.
    false = {
        **{k: confirmation[k] for k in ("format", "election_id", "manifest_hash", "trustee")},
        "format": "tellers/trustee-complaint/v2",
        "against": 3,
        "keys": json.loads((dirs[2] / "commitment.json").read_text())["keys"],
        "problem": "share does not decrypt",
    }
    upload_via_page(client, tokens[0], resign(dirs[0], false), "complaint.json")
    bundle = fetch(client, tokens[2], "bundle", tmp_path / "bundle-3.json")
    assert main(["trustee", "answer", "--dir", str(dirs[2]), "--bundle", str(bundle)]) == 0
    upload_via_page(client, tokens[2], dirs[2] / "answer-to-1.json")
    assert step_of(client, tokens[0]) == "disqualified"
    assert [step_of(client, t) for t in tokens[1:]] == ["receive", "receive"]


def test_an_unanswered_complaint_disqualifies_the_accused_when_the_officer_goes_on(
    election: tuple[Election, list[str]], client_for: ClientFor, tmp_path: Path
) -> None:
    e, tokens = election
    client = client_for(None)
    dirs = committed(client, tokens, tmp_path)
    cheat = json.loads((dirs[2] / "commitment.json").read_text())
    cheat["shares"][1]["sealed"] = cheat["shares"][0]["sealed"]
    for i, d in enumerate(dirs):
        body = resign(d, cheat) if i == 2 else (d / "commitment.json").read_bytes()
        upload_via_page(client, tokens[i], body, "commitment.json")
    assert receive(client, tokens[1], dirs[1], tmp_path) == 1
    upload_via_page(client, tokens[1], dirs[1] / "complaint.json")
    assert step_of(client, tokens[0]) == "wait-answers"
    officer = client_for("officer")
    officer.get(f"/officer/e/{e.slug}/")
    officer.post(
        f"/officer/e/{e.slug}/ceremony/close-answers/",
        {"csrfmiddlewaretoken": officer.cookies["csrftoken"].value},
    )
    assert step_of(client, tokens[2]) == "disqualified"
    assert step_of(client, tokens[0]) == "receive"


def test_uploads_are_refused_unless_signed_by_the_trustees_own_key(
    election: tuple[Election, list[str]], client_for: ClientFor, tmp_path: Path
) -> None:
    """Whoever has a trustee's link cannot send files in its name once it has its key."""
    _e, tokens = election
    client = client_for(None)
    dirs = committed(client, tokens, tmp_path)
    other = json.loads((dirs[0] / "commitment.json").read_text())
    other["trustee"] = 2  # trustee 1's commitment, relabelled and signed by trustee 1
    page = upload_via_page(client, tokens[1], resign(dirs[0], other), "commitment.json")
    assert "refused" in page and "trustee 2&#x27;s commitment" in page
    again = upload_via_page(client, tokens[0], dirs[1] / "announcement.json")
    assert "not the file due now" in again


def test_upload_needs_csrf_and_a_real_link(
    election: tuple[Election, list[str]], client_for: ClientFor
) -> None:
    _e, tokens = election
    response = client_for(None).post(f"/trustee/{tokens[0]}/upload/", {})
    assert response.status_code == 403
    assert client_for(None).get("/trustee/nobody/").status_code == 404
    form = as_trustee(client_for(None), tokens[0]).get(f"/trustee/{tokens[0]}/upload/")
    assert form.status_code == 200 and form["Referrer-Policy"] == "same-origin"
    assert Trustee.objects.filter(token_hash=tokens[0]).count() == 0  # the link is not kept


def test_unusable_files_exit_2_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "manifest.json"
    bad.write_text('{\n  "format": "tellers-manifest/v2",\n  oops\n}\n')
    code = main(["trustee", "keygen", "--index", "1", "--manifest", str(bad), "--dir", "x"])
    assert code == 2
    assert f"{bad}:3: not JSON" in capsys.readouterr().err
    wrong = tmp_path / "keys.json"
    wrong.write_text('{"format": "something-else"}')
    code = main(["trustee", "commit", "--dir", str(tmp_path / "none"), "--keys", str(wrong)])
    assert code == 2
    assert "manifest.json: cannot read" in capsys.readouterr().err
