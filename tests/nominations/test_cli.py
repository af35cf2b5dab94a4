"""``tellers nominations check``: anyone replays a published log from its file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from test_log_tamper import published

from tellers.cli import main


def test_a_published_log_checks_and_prints_its_candidates_and_head(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines, photo = published()
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"\n".join(lines) + b"\n")
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / f"{hashlib.sha256(photo).hexdigest()}.png").write_bytes(photo)
    assert main(["nominations", "check", str(log), "--photos", str(photos)]) == 0
    out = capsys.readouterr().out
    head = json.loads(lines[-1])["hash"]
    assert "1. Tom Adams: 3 valid, from London, Wales" in out and f"Log head: {head}" in out
    assert main(["nominations", "check", str(log), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["head"] == head


def test_a_changed_log_fails_naming_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines, _ = published()
    lines[3] = lines[3].replace(b'"NO0001"', b'"NO0009"')
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"\n".join(lines) + b"\n")
    assert main(["nominations", "check", str(log)]) == 1
    assert f"{log}:4: hash: expected" in capsys.readouterr().err
    assert main(["nominations", "check", str(tmp_path / "absent.jsonl")]) == 2


def test_the_packs_addresses_are_drawn_from_the_checked_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pypdfium2

    lines, photo = published()
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "addresses.pdf"
    args = ["nominations", "addresses", str(log), "--organisation", "Unite", "--out", str(out)]
    assert main(args) == 1  # Sharon Ward's photograph is pinned but not given
    assert "photograph of Sharon Ward" in capsys.readouterr().err and not out.exists()
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / f"{hashlib.sha256(photo).hexdigest()}.png").write_bytes(photo)
    assert main([*args, "--photos", str(photos)]) == 0
    pdf = pypdfium2.PdfDocument(out)
    texts = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    assert len(texts) == 2 and "Tom Adams" in texts[0] and "Sharon for members." in texts[1]


def test_the_elections_manifest_is_checked_against_the_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tellers.election.manifest import Contest, Manifest
    from tellers.nominations import check_log, contest_choices
    from tellers.record.v2 import manifest_to_json

    lines, _ = published()
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"\n".join(lines) + b"\n")
    choices = contest_choices(check_log(lines, "log.jsonl"))

    def manifest(offered: tuple[object, ...]) -> Path:
        m = Manifest(
            election_id="gs-2026", title="GS", organisation="Unite", scrutineer="IB Ltd",
            opens="2026-05-01T09:00:00+01:00", closes="2026-05-29T12:00:00+01:00",
            revote="last", trustees=3, quorum=2, constituencies=("members",),
            contests=(Contest("general-secretary", "General Secretary", "plurality",
                              offered),),  # type: ignore[arg-type]
        )  # fmt: skip
        path = tmp_path / "manifest.json"
        path.write_text(json.dumps(manifest_to_json(m)))
        return path

    assert main(["nominations", "check", str(log), "--manifest", str(manifest(choices))]) == 0
    swapped = manifest(choices[::-1])
    assert main(["nominations", "check", str(log), "--manifest", str(swapped)]) == 1
    assert "choices[0].id: the nominations log gives 'adams'" in capsys.readouterr().err
