"""A ranked contest counted on the site, over HTTP on SQLite and PostgreSQL, with the real
``tellers trustee`` commands on each trustee's own folder (ranked.md §4–§6; docs/web.md,
"Ranked contests"): the officer starts the tally; each trustee in turn downloads the
record so far, shuffles it and uploads its signed shuffle; a quorum decrypts; the result
shows each ranked contest's elected and its stage-by-stage sheet, and the exported record
verifies, its sheet the one ``tellers count`` prints for the same rankings. A shuffle sent
twice, one made from rows another shuffle has since replaced, and a tampered one are
refused, the board left as it was."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from voter_fixtures import (
    BuiltElection,
    build_open_election,
    make_ballot,
    post_json,
    ranked_manifest,
    sign_in,
)
from webtesting import as_trustee, csrf_client, postgres_param

from tellers.cli import main
from tellers.crypto.group import Scalar
from tellers.parties import SigningKey, sign_object
from tellers.record import v2_trustee as files
from tellers.record.v2 import manifest_to_json
from tellers.vault import open_vault, write_vault
from tellers.verify import verify_record
from tellers.web.store import steps
from tellers.web.store.models import AuditLog, BoardEvent, Election, TrusteeFile

__all__: list[str] = []

DATABASES = ["default", "pg"]
ALIASES = [pytest.param("default", id="sqlite"), postgres_param()]
PASSPHRASE = "a trustee's own passphrase"
CONTEST = "national-executive"
# Each member's ranking of the National Executive (ids, in order of preference).
RANKINGS = [
    ["ash", "birch", "cedar"],
    ["birch", "ash"],
    ["damson", "cedar", "ash"],
    ["ash", "damson"],
    ["cedar", "birch", "damson"],
    [],
    ["ash"],
    ["birch", "cedar", "ash"],
]
ClientFor = Callable[[str | None], Client]


def _token(built: BuiltElection, i: int) -> str:
    return f"{built.election.slug}-trustee-{i}"


def _open_with_ballots(slug: str) -> BuiltElection:
    """The ranked election, each member's ballot cast over HTTP as the ballot page sends it."""
    built = build_open_election(slug, manifest=ranked_manifest(slug), members=len(RANKINGS))
    for voter, ranking in zip(built.voters, RANKINGS, strict=True):
        client = csrf_client()
        assert sign_in(client, built, voter).status_code == 302
        choices = {"general-secretary": ["patel"], CONTEST: ranking, "strike": ["yes"]}
        raw, _, _, _ = make_ballot(built, voter, choices)
        cast = post_json(client, f"/vote/{slug}/cast/", raw)
        assert cast.json()["accepted"], cast.json()
    return built


def _folders(built: BuiltElection, tmp_path: Path) -> dict[int, Path]:
    """Each trustee's own folder: the manifest and its secrets, encrypted (``trustee keygen``
    and the ceremony left them so on the trustee's machine)."""
    out = {}
    for secrets in built.trustees:
        d = tmp_path / f"trustee-{secrets.trustee}"
        d.mkdir(mode=0o700)
        (d / "manifest.json").write_text(json.dumps(manifest_to_json(built.manifest)))
        write_vault(d / "trustee-secrets.json", PASSPHRASE.encode(), files.secrets_to_json(secrets))
        out[secrets.trustee] = d
    return out


def _post(client: Client, page: str, url: str, data: dict[str, Any]) -> Any:
    client.get(page)
    return client.post(url, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def _officer_step(officer: Client, slug: str, step: str) -> str:
    officer.get(f"/officer/e/{slug}/")
    done = officer.post(
        f"/officer/e/{slug}/{step}/",
        {"confirm": "yes", "csrfmiddlewaretoken": officer.cookies["csrftoken"].value},
        follow=True,
    )
    return unescape(done.content.decode())


def _to_tally(built: BuiltElection, officer: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """The closing time comes; the officer closes and starts the tally, over HTTP."""
    closes = Election.objects.get(pk=built.election.pk).closes_at
    monkeypatch.setattr(steps, "now", lambda: closes)
    slug = built.election.slug
    _officer_step(officer, slug, "close")
    page = _officer_step(officer, slug, "tally")
    assert "trustees shuffle" not in page
    assert Election.objects.get(pk=built.election.pk).status == Election.Status.TALLYING


def _step(client: Client, token: str) -> str:
    as_trustee(client, token)
    page = client.get(f"/trustee/{token}/").content.decode()
    found = re.search(r'data-step="([a-z-]+)"', page)
    assert found is not None
    return found.group(1)


def _record(client: Client, token: str, to: Path) -> Path:
    as_trustee(client, token)
    response = client.get(f"/trustee/{token}/download/record/")
    assert response.status_code == 200, response.status_code
    to.write_bytes(b"".join(response.streaming_content))
    return to


def _upload(client: Client, token: str, *chosen: tuple[str, bytes]) -> str:
    """The trustee's upload form, with one or several files chosen at once."""
    as_trustee(client, token)
    client.get(f"/trustee/{token}/upload/")
    handles = []
    for name, data in chosen:
        handle = io.BytesIO(data)
        handle.name = name
        handles.append(handle)
    response = client.post(
        f"/trustee/{token}/upload/",
        {"file": handles, "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
        follow=True,
    )
    assert response.status_code == 200
    return unescape(response.content.decode())


def _file(path: Path) -> tuple[str, bytes]:
    return path.name, path.read_bytes()


def _shuffle(client: Client, built: BuiltElection, i: int, d: Path, tmp_path: Path) -> Path:
    """Trustee ``i`` downloads the record so far and runs ``tellers trustee shuffle``."""
    record = _record(client, _token(built, i), tmp_path / f"record-for-shuffle-{i}.zip")
    argv = ["trustee", "shuffle", "--dir", str(d), "--record", str(record), "--workers", "1"]
    assert main(argv) == 0
    return d / f"shuffle-{CONTEST}.json"


def _mixes(built: BuiltElection) -> list[int]:
    rows = BoardEvent.objects.filter(election=built.election, type="mix").order_by("seq")
    return [json.loads(body)["trustee"] for body in rows.values_list("body", flat=True)]


def _resign(d: Path, message: dict[str, Any]) -> bytes:
    """The trustee of folder ``d`` signs ``message`` as it stands (to cheat in a test)."""
    vault = open_vault(d / "trustee-secrets.json", PASSPHRASE.encode())
    key = SigningKey.from_secret(Scalar.from_hex(vault["signing_key"]))
    unsigned = {k: v for k, v in message.items() if k != "signature"}
    return json.dumps(sign_object(key, unsigned)).encode()


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("use_db", ALIASES, indirect=True)
def test_a_ranked_election_is_counted_on_the_site_to_a_verifying_record(
    use_db: str,
    client_for: ClientFor,
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings.DATA_DIR = str(tmp_path / "data")
    monkeypatch.setenv("TELLERS_PASSPHRASE", PASSPHRASE)
    slug = f"ranked-count-{use_db}"
    built = _open_with_ballots(slug)
    dirs = _folders(built, tmp_path)
    officer = client_for("officer")
    _to_tally(built, officer, monkeypatch)
    page = unescape(officer.get(f"/officer/e/{slug}/").content.decode())
    assert 'data-step="shuffle"' in page and 'id="close-shuffles"' in page
    tally = BoardEvent.objects.get(election=built.election, type="tally")
    entry = next(c for c in json.loads(tally.body)["contests"] if c["id"] == CONTEST)
    assert entry["ballots"] == len(RANKINGS) and entry["choices"] == []  # not added up

    trustee = csrf_client()
    for i in (1, 2, 3):
        assert _step(trustee, _token(built, i)) == "shuffle"
        made = _shuffle(trustee, built, i, dirs[i], tmp_path)
        said = _upload(trustee, _token(built, i), _file(made))
        assert f"Received and checked: mix-1 (shuffle-{CONTEST}.json)" in said, said
        assert _step(trustee, _token(built, i)) == ("shuffled" if i < 3 else "decrypt")
    assert _mixes(built) == [1, 2, 3]
    home = unescape(trustee.get(f"/trustee/{_token(built, 1)}/").content.decode())
    assert "3 shuffles, by trustees 1, 2, 3 in turn" in home
    assert 'id="mix-decryption-files"' in home

    for i in (1, 3):  # trustee 2 is away: two of three are a quorum
        token = _token(built, i)
        record = _record(trustee, token, tmp_path / f"record-for-decrypt-{i}.zip")
        argv = ["trustee", "decrypt", "--dir", str(dirs[i]), "--record", str(record)]
        assert main([*argv, "--workers", "1"]) == 0
        said = _upload(
            trustee,
            token,
            _file(dirs[i] / "decryption.json"),
            _file(dirs[i] / f"mix-decryption-{CONTEST}.json"),
        )
        assert "Received and checked: decryption" in said
        assert "Received and checked: mix-decryption-1" in said, said
        assert _step(trustee, token) == "decrypted"
    election = Election.objects.get(pk=built.election.pk)
    assert election.result is not None
    declared = next(c for c in election.result["contests"] if c["id"] == CONTEST)
    officer_page = unescape(officer.get(f"/officer/e/{slug}/").content.decode())
    assert declared["sheet"] in officer_page  # the officer reads the sheet before publishing

    scrutineer = client_for("scrutineer")
    signed = _post(
        scrutineer,
        f"/scrutiny/e/{slug}/",
        f"/scrutiny/e/{slug}/sign-off/",
        {"no_breach": "yes", "security_adequate": "yes", "no_interference": "yes"},
    )
    assert signed.status_code == 302
    _officer_step(officer, slug, "publish")
    assert Election.objects.get(pk=built.election.pk).status == Election.Status.PUBLISHED

    public = csrf_client()
    result = unescape(public.get(f"/e/{slug}/result/").content.decode())
    names = dict((c.id, c.name) for c in built.manifest.contest(CONTEST).choices)
    elected = [names[w] for w in declared["winners"]]
    assert len(elected) == 2
    assert f'data-elected="{"|".join(elected)}"' in result
    assert f'<pre class="sheet">{declared["sheet"]}</pre>' in result
    archive = b"".join(public.get(f"/e/{slug}/record/").streaming_content)
    (tmp_path / "record.zip").write_bytes(archive)
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "record.zip"), "--workers", "1"]) == 0
    assert "VALID" in capsys.readouterr().out
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        zf.extractall(tmp_path / "record")
    (folder,) = (tmp_path / "record").iterdir()
    report = verify_record(folder, workers=1)
    assert report.valid, report.to_json()
    assert report.checks_run["mix"] == 3 and report.checks_run["mix-decryption"] == 2

    # The same rankings in a ballot file, counted by `tellers count` with the record's tie
    # seed: the same sheet, byte for byte.
    contest = built.manifest.contest(CONTEST)
    header = {"candidates": [c.name for c in contest.choices], "seats": 2, "title": contest.title}
    lines = [json.dumps(header)] + [
        json.dumps({"ranks": [names[c] for c in ranking]}) for ranking in RANKINGS
    ]
    ballots = tmp_path / "rankings.jsonl"
    ballots.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seed = str(int.from_bytes(built.fingerprint[:8], "big"))
    capsys.readouterr()
    assert main(["count", "--method", "stv-ers97", "--tie-seed", seed, str(ballots)]) == 0
    assert capsys.readouterr().out == declared["sheet"]


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("use_db", ALIASES, indirect=True)
def test_a_shuffle_sent_twice_or_of_stale_rows_is_refused_and_the_officer_goes_on_at_a_quorum(
    use_db: str,
    client_for: ClientFor,
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.DATA_DIR = str(tmp_path / "data")
    monkeypatch.setenv("TELLERS_PASSPHRASE", PASSPHRASE)
    slug = f"ranked-turn-{use_db}"
    built = _open_with_ballots(slug)
    dirs = _folders(built, tmp_path)
    officer = client_for("officer")
    _to_tally(built, officer, monkeypatch)
    trustee = csrf_client()
    # Trustees 1 and 2 both take the record as the tally left it, and both shuffle it.
    first = _shuffle(trustee, built, 1, dirs[1], tmp_path)
    second = _shuffle(trustee, built, 2, dirs[2], tmp_path)
    assert "Received and checked" in _upload(trustee, _token(built, 1), _file(first))
    stale = _upload(trustee, _token(built, 2), _file(second))
    assert "no longer the last of contest national-executive (1 shuffles are in now)" in stale
    assert "download the record so far again" in stale
    again = _upload(trustee, _token(built, 1), _file(first))
    assert "you have sent this mix already" in again
    assert _mixes(built) == [1]
    assert not TrusteeFile.objects.filter(trustee__index=2, kind__startswith="mix").exists()

    # One shuffle is fewer than the quorum: the officer cannot go on yet.
    refused = _officer_step(officer, slug, "shuffles/close")
    assert "fewer trustees than the quorum (2)" in refused
    assert _step(trustee, _token(built, 3)) == "shuffle"
    # Trustee 2 downloads the record again and shuffles the rows trustee 1 left.
    second = _shuffle(trustee, built, 2, dirs[2], tmp_path)
    assert "Received and checked" in _upload(trustee, _token(built, 2), _file(second))
    assert _mixes(built) == [1, 2]
    # Trustee 3 does not come: at a quorum's shuffles, the officer goes on, and it is logged.
    went_on = _officer_step(officer, slug, "shuffles/close")
    assert "The count goes on to the decryption with the shuffles in." in went_on
    election = Election.objects.get(pk=built.election.pk)
    assert election.shuffles_closed_at is not None
    logged = AuditLog.objects.get(election=election, action="shuffles-closed").detail
    assert logged == {"shuffled": {CONTEST: [1, 2]}, "passed_over": [3]}
    assert [_step(trustee, _token(built, i)) for i in (1, 2, 3)] == ["decrypt"] * 3
    late = _shuffle(trustee, built, 3, dirs[3], tmp_path)
    assert "not the file due now" in _upload(trustee, _token(built, 3), _file(late))
    assert _mixes(built) == [1, 2]


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("use_db", ALIASES, indirect=True)
def test_a_tampered_shuffle_is_refused_and_nothing_is_appended(
    use_db: str,
    client_for: ClientFor,
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.DATA_DIR = str(tmp_path / "data")
    monkeypatch.setenv("TELLERS_PASSPHRASE", PASSPHRASE)
    slug = f"ranked-tamper-{use_db}"
    built = _open_with_ballots(slug)
    dirs = _folders(built, tmp_path)
    _to_tally(built, client_for("officer"), monkeypatch)
    trustee = csrf_client()
    token = _token(built, 1)
    made = json.loads(_shuffle(trustee, built, 1, dirs[1], tmp_path).read_text())
    events = BoardEvent.objects.filter(election=built.election).count()
    record = (Path(settings.DATA_DIR) / "records" / f"{slug}-tally.zip").read_bytes()

    # Two output rows swapped, and the file signed again by the trustee itself: the proof fails.
    swapped = dict(made, rows=[made["rows"][1], made["rows"][0], *made["rows"][2:]])
    said = _upload(trustee, token, ("shuffle-national-executive.json", _resign(dirs[1], swapped)))
    assert "shuffle-national-executive.json was refused" in said
    assert "contest national-executive shuffle 1" in said and "shuffle proof" in said, said
    # A response of the proof changed on the way, not signed again: the signature fails.
    proof = dict(
        made["proof"], s1=("0" if made["proof"]["s1"][0] != "0" else "1") + made["proof"]["s1"][1:]
    )
    said = _upload(trustee, token, ("shuffle.json", json.dumps(dict(made, proof=proof)).encode()))
    assert "shuffle.json was refused" in said and "signature" in said, said
    # Another trustee's place claimed: refused before anything is checked.
    said = _upload(trustee, _token(built, 2), ("shuffle.json", json.dumps(made).encode()))
    assert "This file is trustee 1's; this page is trustee 2's." in said

    assert BoardEvent.objects.filter(election=built.election).count() == events
    assert not TrusteeFile.objects.filter(trustee__election=built.election, kind__startswith="mix")
    assert (Path(settings.DATA_DIR) / "records" / f"{slug}-tally.zip").read_bytes() == record
    assert _step(trustee, token) == "shuffle"
    # The trustee's own file, as it wrote it, is then taken.
    said = _upload(trustee, token, ("shuffle.json", json.dumps(made).encode()))
    assert "Received and checked" in said and _mixes(built) == [1]


def _two_ranked(slug: str) -> Any:
    """The ranked election with a second ranked contest, an IRV chair, after the first."""
    import dataclasses

    from tellers.election.manifest import Choice, Contest

    base = ranked_manifest(slug)
    chair = Contest(
        "chair",
        "Chair",
        "irv",
        (Choice("ito", "Ida Ito"), Choice("jay", "Jo Jay"), Choice("kim", "Kit Kim")),
        preferences=2,
    )
    contests = (*base.contests[:2], chair, *base.contests[2:])
    return dataclasses.replace(base, contests=contests)


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("use_db", ALIASES, indirect=True)
def test_a_trustee_who_has_begun_its_shuffles_keeps_the_turn_until_it_has_sent_them_all(
    use_db: str,
    client_for: ClientFor,
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.DATA_DIR = str(tmp_path / "data")
    monkeypatch.setenv("TELLERS_PASSPHRASE", PASSPHRASE)
    slug = f"ranked-two-{use_db}"
    built = build_open_election(slug, manifest=_two_ranked(slug), members=4)
    for voter, ranking in zip(built.voters, RANKINGS, strict=False):
        client = csrf_client()
        assert sign_in(client, built, voter).status_code == 302
        choices = {
            "general-secretary": ["okafor"],
            CONTEST: ranking,
            "chair": ["kim", "ito"],
            "strike": ["no"],
        }
        raw, _, _, _ = make_ballot(built, voter, choices)
        assert post_json(client, f"/vote/{slug}/cast/", raw).json()["accepted"]
    dirs = _folders(built, tmp_path)
    _to_tally(built, client_for("officer"), monkeypatch)
    trustee = csrf_client()
    _shuffle(trustee, built, 1, dirs[1], tmp_path)
    _shuffle(trustee, built, 2, dirs[2], tmp_path)
    said = _upload(trustee, _token(built, 1), _file(dirs[1] / f"shuffle-{CONTEST}.json"))
    assert "Received and checked: mix-1" in said
    assert _step(trustee, _token(built, 2)) == "wait-shuffle"
    assert _step(trustee, _token(built, 1)) == "shuffle"
    said = _upload(trustee, _token(built, 2), _file(dirs[2] / "shuffle-chair.json"))
    assert "It is not your turn: trustee 1 is shuffling" in said
    assert _mixes(built) == [1]
    said = _upload(trustee, _token(built, 1), _file(dirs[1] / "shuffle-chair.json"))
    assert "Received and checked: mix-2 (shuffle-chair.json)" in said
    assert _mixes(built) == [1, 1]
    assert [_step(trustee, _token(built, i)) for i in (1, 2, 3)] == [
        "shuffled",
        "shuffle",
        "shuffle",
    ]
