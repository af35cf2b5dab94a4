"""The print authority and the opening house (postal.md §4–§6): issuing papers, voids and
replacements, returns, and the audit of unused papers after the close.

The print authority is the scrutineer's offline party: it holds the
**master secret** from which every paper's seed is derived, pre-encrypts
the papers under the joint key, writes the public ``papers.jsonl`` and
signs the statement of it, gives the mail house what is printed (the codes
beside each box) and, after the close, publishes the seeds of the papers
whose marks are not on the board. The opening house holds the same master
secret (it derives each returned paper's proofs from its seed) and signs
returns with its own key. Issuing is a streamed batch over ``mapper``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

from tellers.crypto.group import Point
from tellers.election.manifest import Manifest
from tellers.parallel import Mapper, local_mapper, worker_context
from tellers.parties import SigningKey, sign_object
from tellers.postal.messages import AUDIT, LIST, REPLACEMENT, VOID, PaperEntry, write_papers
from tellers.postal.preencrypt import PreencryptedPaper, paper_seed, preencrypt_paper

__all__ = [
    "Issued",
    "PrintAuthority",
    "audit_messages",
    "issue_papers",
    "preencrypt_many",
    "replacement_message",
    "summary",
    "void_message",
]

AUDIT_BATCH = 500
"""Papers per audit event: events stay small enough to read one at a time."""


@dataclass(frozen=True, slots=True)
class PrintAuthority:
    """The print authority's secrets (kept in its vault) and its public names and keys."""

    name: str
    signing: SigningKey
    opening_name: str
    opening: SigningKey
    master: bytes

    @classmethod
    def generate(cls, name: str, opening_name: str) -> PrintAuthority:
        return cls(
            name,
            SigningKey.generate(),
            opening_name,
            SigningKey.generate(),
            secrets.token_bytes(32),
        )

    def seed(self, number: int) -> bytes:
        return paper_seed(self.master, number)


@dataclass(frozen=True, slots=True)
class _Issuing:
    manifest: Manifest
    fingerprint: bytes
    key: Point
    master: bytes


@dataclass(frozen=True, slots=True)
class IssuedContest:
    index: int
    contest_id: str
    codes: tuple[str, ...]
    """The code of each mark, in mark order (the blank's last)."""


@dataclass(frozen=True, slots=True)
class IssuedPaper:
    """What issuing keeps of a pre-encrypted paper: its number, holder, confirmation and codes
    (the vectors themselves are re-made from the seed when needed)."""

    number: int
    credential: bytes
    confirmation: bytes
    contests: tuple[IssuedContest, ...]


@dataclass(frozen=True, slots=True)
class Issued:
    paper: IssuedPaper
    constituency: str


def summary(paper: PreencryptedPaper) -> IssuedPaper:
    return IssuedPaper(
        paper.number,
        paper.credential,
        paper.confirmation,
        tuple(IssuedContest(c.index, c.contest_id, c.codes) for c in paper.contests),
    )


def _issue_chunk(items: list[tuple[int, bytes, str]]) -> list[Issued]:
    """Pre-encrypt a chunk; only the summaries travel back (a tenth of a paper's bytes)."""
    ctx: _Issuing = worker_context()
    return [
        Issued(
            summary(
                preencrypt_paper(
                    ctx.manifest, ctx.fingerprint, ctx.key, paper_seed(ctx.master, n), n, cred, k
                )
            ),
            k,
        )
        for n, cred, k in items
    ]


def preencrypt_many(
    authority: PrintAuthority,
    manifest: Manifest,
    fingerprint: bytes,
    key: Point,
    holders: Iterable[tuple[int, bytes, str]],
    *,
    workers: int = 1,
    mapper: Mapper | None = None,
) -> Iterator[Issued]:
    """Pre-encrypt paper ``n`` for each (n, credential, constituency), in order."""
    run = local_mapper(workers) if mapper is None else mapper
    context = _Issuing(manifest, fingerprint, key, authority.master)
    for chunk in run(_issue_chunk, holders, context=context, chunk=64):
        yield from chunk


def issue_papers(
    authority: PrintAuthority,
    manifest: Manifest,
    fingerprint: bytes,
    key: Point,
    holders: Iterable[tuple[bytes, str]],
    papers_path: Path,
    *,
    workers: int = 1,
    mapper: Mapper | None = None,
    sink: Any = None,
) -> dict[str, Any]:
    """Number and pre-encrypt one paper per (credential, constituency) of ``holders``, in
    order from 1; write ``papers.jsonl``; return the signed statement of the list.

    ``sink(issued)`` (optional) receives each paper as it is made, for the mail house's
    print file; nothing else of a paper is kept in memory.
    """
    numbered = ((n, cred, k) for n, (cred, k) in zip(count(1), holders))

    def entries() -> Iterator[PaperEntry]:
        for issued in preencrypt_many(
            authority, manifest, fingerprint, key, numbered, workers=workers, mapper=mapper
        ):
            if sink is not None:
                sink(issued)
            p = issued.paper
            yield PaperEntry(p.number, p.credential, p.confirmation)

    digest, total = write_papers(papers_path, entries())
    return sign_object(
        authority.signing,
        {
            "format": LIST,
            "election": fingerprint.hex(),
            "print_authority": {
                "name": authority.name,
                "signing_key": authority.signing.public.hex(),
            },
            "opening_house": {
                "name": authority.opening_name,
                "signing_key": authority.opening.public.hex(),
            },
            "papers": total,
            "papers_hash": digest.hex(),
        },
    )


def void_message(
    authority: PrintAuthority, fingerprint: bytes, number: int, reason: str, check: str
) -> dict[str, Any]:
    """The signed void of paper ``number``; ``check`` is the officer's record of the identity
    check (a reference, never the member's name)."""
    return sign_object(
        authority.signing,
        {"format": VOID, "election": fingerprint.hex(), "number": number, "reason": reason,
         "check": check},
    )  # fmt: skip


def replacement_message(
    authority: PrintAuthority, fingerprint: bytes, issued: Issued, replaces: int
) -> dict[str, Any]:
    p = issued.paper
    return sign_object(
        authority.signing,
        {
            "format": REPLACEMENT,
            "election": fingerprint.hex(),
            "number": p.number,
            "replaces": replaces,
            "credential": p.credential.hex(),
            "confirmation": p.confirmation.hex(),
        },
    )


def audit_messages(
    authority: PrintAuthority,
    fingerprint: bytes,
    papers: Iterable[tuple[int, Sequence[Sequence[str]]]],
    batch: int = AUDIT_BATCH,
) -> Iterator[dict[str, Any]]:
    """The signed audit messages for (number, printed codes per contest in mark order) of the
    papers ``ledger.to_audit()`` names, ``batch`` papers each, in number order."""
    pending: list[dict[str, Any]] = []

    def message() -> dict[str, Any]:
        return sign_object(
            authority.signing,
            {"format": AUDIT, "election": fingerprint.hex(), "papers": list(pending)},
        )

    for number, codes in papers:
        pending.append(
            {"number": number, "seed": authority.seed(number).hex(),
             "codes": [list(c) for c in codes]}
        )  # fmt: skip
        if len(pending) >= batch:
            yield message()
            pending = []
    if pending:
        yield message()
