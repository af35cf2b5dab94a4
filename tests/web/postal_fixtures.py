"""A small open hybrid election in the database, with its papers, for the postal web tests.

``build_hybrid_election`` is ``voter_fixtures.build_open_election`` with the
manifest's postal channel: it opens the election, then plays the print
authority (``tellers.postal.authority``: a paper for each member, in
credential order) and uploads the list through ``store.postal``, which puts
``papers-issued`` on the board. ``paper_return`` is the opening house's
signed return of a member's marks; ``close_audit_and_publish`` closes, has
the print authority open the unused papers, tallies, decrypts and publishes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from voter_fixtures import TRUSTEES, BuiltElection, Voter, sample_manifest

from tellers import canonical, trustee
from tellers.election.conduct import opened_body
from tellers.election.manifest import Manifest, Postal
from tellers.parties import short_text
from tellers.postal.authority import (
    PrintAuthority,
    audit_messages,
    issue_papers,
    preencrypt_many,
    replacement_message,
    void_message,
)
from tellers.postal.preencrypt import PreencryptedPaper, preencrypt_paper
from tellers.postal.returns import make_return
from tellers.record.v2 import manifest_to_json
from tellers.record.v2_tally import result_to_json, tally_to_json
from tellers.record.v2_trustee import ceremony_to_json
from tellers.simulate import local_authority, local_ceremony
from tellers.tally import count_ballots, decrypt_and_declare
from tellers.web.store import count, postal
from tellers.web.store.board import append_event, close_board, counted_ballots, counted_count
from tellers.web.store.context import second_factor_hash
from tellers.web.store.models import CredentialRecord, Election, Member, Trustee
from tellers.web.store.setup import token_hash

__all__ = [
    "BuiltHybrid",
    "build_hybrid_election",
    "close_audit_and_publish",
    "hybrid_manifest",
    "paper_return",
    "void_and_replace",
]

NOW = datetime.now(UTC).replace(microsecond=0)


def hybrid_manifest(
    election_id: str, precedence: str = "online", public_board: str = "live"
) -> Manifest:
    base = sample_manifest(election_id, "last", public_board)
    closes = datetime.fromisoformat(base.closes)
    postal_channel = Postal(
        "hybrid",
        precedence,  # type: ignore[arg-type]
        (closes - timedelta(hours=6)).isoformat(),
        "Independent Ballot Services Ltd, Freepost TELLERS, London N1 9XX",
    )
    return replace(base, postal=postal_channel)


@dataclass(frozen=True, slots=True)
class BuiltHybrid:
    built: BuiltElection
    authority: PrintAuthority
    papers: dict[int, int]
    """Voter index -> the number of the paper the voter holds now (kept up to date)."""
    holders: dict[int, int]
    """Paper number -> the voter index it was issued to (every paper, voided ones too)."""

    @property
    def election(self) -> Election:
        return self.built.election

    def paper(self, number: int) -> PreencryptedPaper:
        """The print authority's paper ``number`` (rebuilt from its seed)."""
        b, holder = self.built, self.built.voters[self.holders[number]]
        return preencrypt_paper(
            b.manifest, b.fingerprint, b.key, self.authority.seed(number), number,
            holder.credential, holder.constituency,
        )  # fmt: skip

    def confirmation(self, number: int) -> str:
        """What the paper prints as its confirmation code."""
        return short_text(self.paper(number).confirmation)


def build_hybrid_election(
    slug: str, *, members: int = 4, precedence: str = "online", public_board: str = "live"
) -> BuiltHybrid:
    manifest = hybrid_manifest(slug, precedence, public_board)
    ceremony, secrets = local_ceremony(manifest, TRUSTEES)
    roll = [
        _roll_member(f"M{i + 1:05d}", "north" if i % 2 == 0 else "south") for i in range(members)
    ]
    issued, statement = local_authority(manifest, roll)
    voters = [Voter(i.reference, i.constituency, i.code, i.credential) for i in issued]
    listed = sorted((v.credential, v.constituency) for v in voters)
    opened_at = datetime.fromisoformat(manifest.opens)
    outcome, fingerprint, body = opened_body(
        manifest, ceremony, listed, statement, opened_at.isoformat()
    )
    election = Election.objects.create(
        slug=slug,
        title=manifest.title,
        manifest=manifest_to_json(manifest),
        ceremony=ceremony_to_json(ceremony),
        election_key=outcome.joint_key.hex(),
        fingerprint=fingerprint.hex(),
        credentials_hash=body["credentials_hash"],
        authority=statement,
        scrutineer_name=manifest.scrutineer,
        status=Election.Status.OPEN,
        opens_at=opened_at,
        closes_at=datetime.fromisoformat(manifest.closes),
        opened_at=opened_at,
    )
    for i, name in enumerate(TRUSTEES, start=1):
        Trustee.objects.create(
            election=election, index=i, name=name, email=f"trustee{i}@example.org",
            token_hash=token_hash(f"{slug}-trustee-{i}"),
        )  # fmt: skip
    for i, v in enumerate(voters):
        Member.objects.create(
            election=election, member_number=v.member_number, name=f"Member {i}",
            constituency=v.constituency,
        )  # fmt: skip
    for v in sorted(voters, key=lambda v: v.credential):
        CredentialRecord.objects.create(
            election=election, public_credential=v.credential.hex(), constituency=v.constituency,
            factor_hash=second_factor_hash(v.credential, v.member_number),
        )  # fmt: skip
    append_event(election, "election-opened", body)
    built = BuiltElection(
        election, manifest, fingerprint, outcome.joint_key, tuple(secrets), tuple(voters),
        "default",
    )  # fmt: skip
    authority = PrintAuthority.generate("Ballot Printers Ltd", "Ballot Openers Ltd")
    order = sorted(range(len(voters)), key=lambda i: voters[i].credential)
    with tempfile.TemporaryDirectory() as work:
        papers_file = Path(work) / "papers.jsonl"
        signed = issue_papers(
            authority, manifest, fingerprint, outcome.joint_key,
            ((voters[i].credential, voters[i].constituency) for i in order), papers_file,
        )  # fmt: skip
        postal.accept_paper_list(election, canonical.dumps(signed), papers_file, None)
    election.refresh_from_db()
    papers = {index: number for number, index in enumerate(order, start=1)}
    holders = {number: index for index, number in papers.items()}
    return BuiltHybrid(replace(built, election=election), authority, papers, holders)


def _roll_member(number: str, constituency: str) -> Any:
    from tellers.election.roll import Member as RollMember

    return RollMember(number, constituency)


def void_and_replace(hybrid: BuiltHybrid, index: int) -> tuple[int, int]:
    """The member reports non-receipt: their paper is voided and the next one issued to them.
    Returns (old, new)."""
    b = hybrid.built
    old = hybrid.papers[index]
    check = f"ID-{old:07d}: identity confirmed by telephone"
    void = void_message(hybrid.authority, b.fingerprint, old, "not-received", check)
    postal.void_paper(hybrid.election, void)
    voter = b.voters[index]
    number = hybrid.election.papers.count() + 1
    issued = next(
        preencrypt_many(
            hybrid.authority, b.manifest, b.fingerprint, b.key,
            [(number, voter.credential, voter.constituency)],
        )
    )  # fmt: skip
    postal.replace_paper(
        hybrid.election, replacement_message(hybrid.authority, b.fingerprint, issued, old)
    )
    hybrid.papers[index] = number
    hybrid.holders[number] = index
    return old, number


def paper_return(
    hybrid: BuiltHybrid,
    number: int,
    selections: Mapping[str, Sequence[str]] | None = None,
    *,
    status: str = "marked",
    received: str | None = None,
) -> dict[str, Any]:
    """The opening house's signed return of paper ``number`` with these choices (by default
    the first choice of each contest)."""
    b = hybrid.built
    paper = hybrid.paper(number)
    marks = None
    if status == "marked":
        marks = {}
        for pc in paper.contests:
            contest = b.manifest.contests[pc.index]
            chosen = (selections or {}).get(pc.contest_id, [contest.choices[0].id])
            marks[pc.contest_id] = [contest.choice_index(c) for c in chosen]
    return make_return(
        b.manifest, b.fingerprint, b.key, paper, received or datetime.now(UTC).isoformat(),
        marks, hybrid.authority.opening, status=status,
    )  # fmt: skip


def close_audit_and_publish(hybrid: BuiltHybrid) -> None:
    """Close; the print authority opens the papers whose marks are not on the board; tally,
    decrypt with a quorum and publish."""
    b = hybrid.built
    election = Election.objects.get(pk=hybrid.election.pk)
    close_board(election, b.manifest.closes)
    election.status = Election.Status.CLOSED
    election.save(update_fields=["status"])
    ledger = postal.ledger_for(election)
    holders = [(n, ledger.papers[n].credential, _constituency(b, ledger.papers[n].credential))
               for n in ledger.to_audit()]  # fmt: skip
    opened = (
        (issued.paper.number, [list(c.codes) for c in issued.paper.contests])
        for issued in preencrypt_many(hybrid.authority, b.manifest, b.fingerprint, b.key, holders)
    )
    postal.audit_papers(
        election, list(audit_messages(hybrid.authority, b.fingerprint, opened)), None
    )
    tallies = count_ballots(b.manifest, counted_ballots(election))
    append_event(election, "tally", tally_to_json(tallies))
    verified = count.verified_tally(election)
    batches = []
    for secrets in b.trustees[: b.manifest.quorum]:
        _, message = trustee.decrypt(secrets, b.manifest, verified)
        append_event(election, "decryption", message)
        batches.append(count.check_decryption(b.manifest, verified, message).shares)
    result = decrypt_and_declare(
        b.manifest, tallies, batches, [v.constituency for v in b.voters], counted_count(election)
    )
    body = result_to_json(result)
    append_event(election, "result", body)
    election.result = body
    election.status = Election.Status.PUBLISHED
    election.save(update_fields=["result", "status"])


def _constituency(b: BuiltElection, credential: bytes) -> str:
    return next(v.constituency for v in b.voters if v.credential == credential)
