"""The trustee's own machine: what it refuses to decrypt, whose keys it refuses to trust, and
how it keeps its secrets (attacks 1, 2 and 8 of the independence issue; ceremony.md §3-§4).
"""

from __future__ import annotations

import json
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from recordtools import SmallElection, read_board, reseal, small_manifest, write_board

from tellers import trustee
from tellers.ceremony import Announcement, Ceremony, keys_transcript
from tellers.crypto.sealed import open_as_recipient, x25519_keypair
from tellers.election.fingerprint import manifest_hash
from tellers.errors import InputFileError
from tellers.parties import SigningKey, key_fingerprint, sign_object
from tellers.record import v2_trustee as files
from tellers.record.v2 import manifest_to_json
from tellers.vault import open_vault, write_vault

PASSPHRASE = "correct horse battery staple"
Cli = Callable[..., tuple[int, str, str]]


def _in_progress(small: SmallElection, to: Path) -> Path:
    """The small record as it stood when the trustees were asked to decrypt: up to the tally."""
    record = to / "record-so-far"
    shutil.copytree(small.record, record)
    events = read_board(record)
    (record / "result.json").unlink()
    write_board(record, [e for e in events if e["type"] not in ("decryption", "result")])
    reseal(record)
    return record


def _trustee_dir(small: SmallElection, index: int, to: Path) -> Path:
    """Trustee ``index``'s folder as ``tellers trustee receive`` leaves it."""
    directory = to / f"trustee-{index}"
    directory.mkdir(mode=0o700)
    (directory / "manifest.json").write_text(json.dumps(manifest_to_json(small.manifest)))
    secrets = small.trustees[index - 1]
    write_vault(
        directory / "trustee-secrets.json", PASSPHRASE.encode(), files.secrets_to_json(secrets)
    )
    return directory


@pytest.fixture
def passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELLERS_PASSPHRASE", PASSPHRASE)


def test_a_trustee_decrypts_the_tally_it_verified(
    small_election: SmallElection, tmp_path: Path, tellers_cli: Cli, passphrase: None
) -> None:
    record = _in_progress(small_election, tmp_path)
    directory = _trustee_dir(small_election, 1, tmp_path)
    code, out, err = tellers_cli("trustee", "decrypt", "--dir", str(directory), "--record",
                                 str(record), "--workers", "1")  # fmt: skip
    assert code == 0, err
    assert "the board verifies" in out
    message = json.loads((directory / "decryption.json").read_text())
    tally_line = (record / "board.jsonl").read_bytes().splitlines()[-1]
    from tellers.board import event_hash

    assert message["tally"] == event_hash(tally_line).hex()
    kept = files.secrets_from_json(
        open_vault(directory / "trustee-secrets.json", PASSPHRASE.encode())
    )
    assert kept.ceremony_key is None and kept.ephemeral is None  # the ceremony is over
    assert kept.key_share is not None


def test_a_trustee_is_no_decryption_oracle(
    small_election: SmallElection, tmp_path: Path, tellers_cli: Cli, passphrase: None
) -> None:
    """Attack 1: the server slipped one member's ballot into the tally as an extra contest, to
    have the trustees decrypt it. The trustee recomputes the tally from the board and refuses."""
    record = _in_progress(small_election, tmp_path)
    events = read_board(record)
    ballot = next(e for e in events if e["type"] == "ballot-accepted")["body"]["ballot"]
    member = ballot["contests"][0]
    spy = {
        "id": "president",
        "ballots": 1,
        "choices": [{"alpha": s["alpha"], "beta": s["beta"]} for s in member["selections"]],
        "blank": {"alpha": member["blank"]["alpha"], "beta": member["blank"]["beta"]},
    }
    events[-1]["body"]["contests"].append(spy)
    write_board(record, events)
    directory = _trustee_dir(small_election, 3, tmp_path)
    code, _out, err = tellers_cli("trustee", "decrypt", "--dir", str(directory), "--record",
                                  str(record), "--workers", "1")  # fmt: skip
    assert code == 1
    assert "does not verify, so you must not decrypt it" in err and "tally" in err
    assert not (directory / "decryption.json").exists()
    # Nor does the trustee take a list of ciphertexts from anyone: there is no such input.
    code, _out, err = tellers_cli(
        "trustee", "decrypt", "--dir", str(directory), "--tally", "t.json"
    )
    assert code == 2


def test_a_record_of_another_election_is_refused(
    small_election: SmallElection,
    other_election: SmallElection,
    tmp_path: Path,
    tellers_cli: Cli,
    passphrase: None,
) -> None:
    record = _in_progress(other_election, tmp_path)
    directory = _trustee_dir(small_election, 1, tmp_path)
    code, _out, err = tellers_cli("trustee", "decrypt", "--dir", str(directory), "--record",
                                  str(record), "--workers", "1")  # fmt: skip
    assert code == 1 and "not yours" in err


def _substituted(
    announcements: tuple[Announcement, ...], trustee_index: int
) -> tuple[tuple[Announcement, ...], bytes]:
    """The announcements with trustee ``trustee_index``'s replaced by the server's own keys."""
    manifest = small_manifest()
    fake = SigningKey.generate()
    pair = x25519_keypair()
    forged = files.announcement_to_json(
        manifest, manifest_hash(manifest), trustee_index, fake.public, pair.public
    )
    out = list(announcements)
    out[trustee_index - 1] = files.announcement_from_json(sign_object(fake, forged))
    return tuple(out), pair.private


def test_keys_substituted_by_the_server_cannot_go_unnoticed() -> None:
    """Attack 2: the server relayed its own key as trustee 2's, to open trustee 1's share."""
    manifest = small_manifest()
    started = [trustee.announce(manifest, i) for i in (1, 2, 3)]
    real = tuple(files.announcement_from_json(a) for _, a in started)
    shown_to_1, server_private = _substituted(real, 2)
    # With the fingerprint trustee 2 read out, trustee 1 refuses to commit at all.
    pins = {2: key_fingerprint(real[1].signing_key)}
    with pytest.raises(trustee.TrusteeError, match="trustee 2's signing key has fingerprint"):
        trustee.commit(started[0][0], manifest, shown_to_1, pins)
    # Without it, trustee 1 commits, and the server can open the share meant for trustee 2...
    secrets_1, commitment_1, t1_seen_by_1 = trustee.commit(started[0][0], manifest, shown_to_1)
    box = commitment_1["shares"][1]["sealed"]
    assert open_as_recipient(server_private, bytes.fromhex(box))
    # ...but the keys transcript trustee 1 committed to is not the one the others saw,
    t1 = keys_transcript(manifest_hash(manifest), real)
    assert t1_seen_by_1 != t1
    others = [trustee.commit(s, manifest, real) for s, _ in started[1:]]
    messages = (commitment_1, *(m for _, m, _ in others))
    commitments = tuple(files.commitment_from_json(m) for m in messages)
    ceremony = Ceremony(((1, "A"), (2, "B"), (3, "C")), real, commitments)
    # so trustee 2, shown the true keys, refuses the ceremony, naming trustee 1's commitment;
    with pytest.raises(trustee.TrusteeError, match="trustee 1: commitment: made for other"):
        trustee.receive(others[0][0], manifest, ceremony)
    # shown the forged keys instead, trustee 2 sees that its own are not there;
    forged = Ceremony(((1, "A"), (2, "B"), (3, "C")), shown_to_1, commitments)
    with pytest.raises(trustee.TrusteeError, match=r"not yours|differ from those you committed"):
        trustee.receive(others[0][0], manifest, forged)
    # and trustee 1 itself, shown the true keys at the end, finds they are not what it saw.
    with pytest.raises(trustee.TrusteeError, match="differ from those you committed"):
        trustee.receive(secrets_1, manifest, ceremony)


def test_secrets_are_kept_encrypted_and_the_polynomial_goes_after_receive(
    tmp_path: Path, tellers_cli: Cli, passphrase: None
) -> None:
    """Attack 8: trustee secrets stayed on disk in clear. Now one vault, 0600, encrypted under
    the trustee's passphrase with Argon2id, holding each secret only while it is needed."""
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(manifest_to_json(small_manifest())))
    directory = tmp_path / "t1"
    code, out, _ = tellers_cli("trustee", "keygen", "--index", "1", "--manifest", str(manifest),
                               "--dir", str(directory))  # fmt: skip
    assert code == 0 and "fingerprint is" in out
    vault = directory / "trustee-secrets.json"
    assert stat.S_IMODE(vault.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    inside = files.secrets_from_json(open_vault(vault, PASSPHRASE.encode()))
    assert inside.polynomial is not None
    on_disk = vault.read_text()
    assert inside.polynomial[0].hex() not in on_disk and inside.signing_key.hex() not in on_disk
    assert sorted(p.name for p in directory.iterdir()) == [
        "announcement.json", "manifest.json", "trustee-secrets.json",
    ]  # fmt: skip
    with pytest.raises(InputFileError, match="passphrase is wrong"):
        open_vault(vault, b"not the passphrase")
    altered = json.loads(on_disk)
    altered["box"] = altered["box"][:-2] + ("00" if altered["box"][-2:] != "00" else "11")
    vault.write_text(json.dumps(altered))
    with pytest.raises(InputFileError, match="altered"):
        open_vault(vault, PASSPHRASE.encode())


def test_receive_destroys_the_polynomial() -> None:
    manifest = small_manifest()
    started = [trustee.announce(manifest, i) for i in (1, 2, 3)]
    announcements = tuple(files.announcement_from_json(a) for _, a in started)
    committed = [trustee.commit(s, manifest, announcements) for s, _ in started]
    ceremony = Ceremony(
        ((1, "A"), (2, "B"), (3, "C")),
        announcements,
        tuple(files.commitment_from_json(m) for _, m, _ in committed),
    )
    got = trustee.receive(committed[0][0], manifest, ceremony)
    assert got.message is not None and got.complaint_against is None
    assert got.secrets.polynomial is None and got.secrets.key_share is not None
    assert got.secrets.ephemeral is not None  # kept to answer a complaint until the end
