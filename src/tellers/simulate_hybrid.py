"""``unite-2017-hybrid``: Unite's 2017 figures split between returned papers and online votes.

Every member is sent a numbered, pre-encrypted paper and holds an online
credential (a hybrid ballot; an online ballot supersedes a paper). Of the
130,071 who voted, about two in three return their paper and the rest vote
online; some report non-receipt and vote on a replacement (a few of their
voided originals come back later and are refused); some post a paper and
later vote online (their paper stops counting), others vote online and then
post their paper anyway (refused). A sample of papers is printed, marked
with a pen's noise and read by the scanner; the rest are keyed in by the
opening house. After the close the print authority opens every paper
whose marks are not on the board. The declared counts are 2017's exactly.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from tellers.board import PAPERS_FILE, Board, ElectionContext
from tellers.election.manifest import Manifest, Postal
from tellers.parallel import Mapper, local_mapper, worker_context
from tellers.postal.authority import (
    PrintAuthority,
    audit_messages,
    issue_papers,
    preencrypt_many,
    replacement_message,
    void_message,
)
from tellers.postal.messages import PaperEntry
from tellers.postal.preencrypt import paper_seed, preencrypt_paper
from tellers.postal.returns import check_return, make_return

__all__ = ["HybridPlan", "PostalVote", "hybrid", "run_postal"]

PRINT_AUTHORITY = "Independent Scrutineer Ltd (print authority)"
OPENING_HOUSE = "Independent Scrutineer Ltd (opening house)"
RETURN_ADDRESS = "Independent Scrutineer Ltd, Freepost RTXX-ABCD, PO Box 2017, London N1 9XX"


@dataclass(frozen=True, slots=True)
class PostalVote:
    member: int
    selections: dict[str, list[str]]
    scanned: bool = False
    """Printed, marked with noise and read by the scanner, rather than keyed."""


@dataclass(frozen=True, slots=True)
class HybridPlan:
    early_papers: Sequence[PostalVote]
    """Papers returned before the online voting (some of these members then vote online)."""
    papers: Sequence[PostalVote]
    """Papers returned after the online voting (some from members who voted online)."""
    replaced: Sequence[int]
    """Members who report non-receipt: their paper is voided and replaced before they vote."""
    late_originals: Sequence[PostalVote]
    """Voided originals that come back after all (refused as voided)."""
    expected: Mapping[str, int] = field(default_factory=dict)
    """Per-channel figures the run must reproduce."""


def hybrid(rng: random.Random, base: Any) -> Any:
    """The hybrid scenario from ``base``, the unite-2017 scenario at the same scale."""
    manifest: Manifest = replace(
        base.manifest,
        election_id="unite-gs-2017-hybrid",
        postal=Postal("hybrid", "online", "2026-03-16T17:00:00+00:00", RETURN_ADDRESS),
    )
    contest = manifest.contests[0]
    ids = [c.id for c in contest.choices]
    online, early, late, replaced, late_originals = [], [], [], [], []
    both_first_paper = both_then_paper = 0
    for vote in base.votes:
        roll = rng.random()
        if roll < 0.33:  # votes online only
            online.append(vote)
        elif roll < 0.34:  # posts a paper (another choice), then votes online: online counts
            other = [x for x in ids if [x] != vote.selections[contest.id]][:1]
            early.append(PostalVote(vote.member, {contest.id: other}))
            online.append(vote)
            both_first_paper += 1
        elif roll < 0.35:  # votes online, then posts the paper too: refused
            online.append(vote)
            late.append(PostalVote(vote.member, vote.selections))
            both_then_paper += 1
        else:
            if rng.random() < 0.006:  # never received the paper: votes on a replacement
                replaced.append(vote.member)
                if rng.random() < 0.3:  # ... and the original turns up after all
                    late_originals.append(PostalVote(vote.member, vote.selections))
            late.append(PostalVote(vote.member, vote.selections))
    scanned = 0
    for i, pv in enumerate(late):
        if i % max(1, len(late) // 300) == 0 and scanned < 300:
            late[i] = replace(pv, scanned=True)
            scanned += 1
    plan = HybridPlan(
        early,
        late,
        replaced,
        late_originals,
        {
            "online_only": len(online) - both_first_paper - both_then_paper,
            "paper_then_online": both_first_paper,
            "online_then_paper": both_then_paper,
            "replaced": len(replaced),
            "late_originals": len(late_originals),
            "scanned": scanned,
        },
    )
    return replace(base, name="unite-2017-hybrid", manifest=manifest, votes=online, postal=plan)


@dataclass(frozen=True, slots=True)
class _Returning:
    context: ElectionContext
    master: bytes
    opening_secret: Any
    received: str


def _scanned_marks(
    manifest: Manifest, paper: Any, intended: list[list[int]]
) -> tuple[list[list[int]], str]:
    """Print the paper, mark it as the member did (with a pen's and a scanner's noise), and
    read it back: (marks recorded, how). A paper the reader sends to adjudication is judged
    by a person, who records the marks the member made (``adjudicated``); a reading that
    differs from them is ``misread`` and recorded as read, as a machine's would be."""
    import numpy as np

    from tellers.postal.marking import ScanDrift, mark_paper, rasterise
    from tellers.postal.paper import render_paper
    from tellers.postal.printing import paper_content
    from tellers.postal.scan import read_paper

    content = paper_content(manifest, paper)
    rng = np.random.default_rng(paper.number)
    page = rasterise(render_paper(content))
    boxes = [[m for m in marks if m < len(c.choices)] for marks, c in zip(
        intended, content.contests, strict=True)]  # fmt: skip
    marked = mark_paper(page, content, boxes, rng, drift=ScanDrift.random(rng))
    read = read_paper(marked.image, lambda n: content, manifest.election_id)
    if read.status != "read":
        return intended, "adjudicated"
    got = [list(m) for m in read.marks]
    return got, "scanned" if got == boxes else "misread"


def _return_chunk(
    items: list[tuple[int, bytes, str, dict[str, list[str]], bool]],
) -> list[tuple[Any, Any, str]]:
    """The opening house's signed returns of a chunk of papers, each with how it was read:
    ``keyed``, or through the scanner (``_scanned_marks``)."""
    job: _Returning = worker_context()
    ctx = job.context
    out = []
    for number, credential, constituency, selections, scanned in items:
        paper = preencrypt_paper(
            ctx.manifest, ctx.fingerprint, ctx.election_key,
            paper_seed(job.master, number), number, credential, constituency,
        )  # fmt: skip
        intended = []
        for pc in paper.contests:
            contest = ctx.manifest.contests[pc.index]
            chosen = selections.get(pc.contest_id, [])
            intended.append([contest.choice_index(c) for c in chosen])
        how = "keyed"
        if scanned:
            intended, how = _scanned_marks(ctx.manifest, paper, intended)
        marks = {
            pc.contest_id: marks or [len(ctx.manifest.contests[pc.index].choices)]
            for pc, marks in zip(paper.contests, intended, strict=True)
        }  # no valid mark: the contest's blank (spoilt) vector
        obj = make_return(
            ctx.manifest, ctx.fingerprint, ctx.election_key, paper, job.received, marks,
            job.opening_secret,
        )  # fmt: skip
        # The board's own pure checks, here in the task (as for online ballots): the board
        # then applies only what needs its state, in order.
        entry = PaperEntry(number, credential, paper.confirmation)
        found = check_return(
            ctx.manifest, ctx.fingerprint, ctx.election_key, obj, entry, constituency,
            job.opening_secret.public,
        )  # fmt: skip
        out.append((obj, found, how))
    return out


def _keep_codes(printed: dict[int, str], issued: Any) -> None:
    """The print file's codes of a paper, kept for the audit after the close (one short
    string per paper: a million papers' codes in under 100 MB)."""
    paper = issued.paper
    printed[paper.number] = "|".join(",".join(c.codes) for c in paper.contests)


def run_postal(
    phase: str,
    board: Board,
    plan: HybridPlan,
    public: Sequence[tuple[bytes, str]],
    state: dict[str, Any],
    *,
    workers: int = 1,
    mapper: Mapper | None = None,
) -> dict[str, int]:
    """One postal phase of the simulated election on ``board``: ``issue`` (right after the
    opening), ``replace``, ``early`` and ``late`` returns, ``audit`` (after the close).

    ``public``: each member's (credential, constituency) in roll order; ``state`` carries
    the print authority and the paper numbers between phases. The papers a plan marks
    ``scanned`` go through the printed-and-scanned path (``_scanned_marks``); the rest are
    keyed.
    """
    run = local_mapper(workers) if mapper is None else mapper
    ctx = board.context
    if phase == "issue":
        authority = PrintAuthority.generate(PRINT_AUTHORITY, OPENING_HOUSE)
        order = list(range(len(public)))
        random.Random(2017).shuffle(order)  # papers are numbered in no order of the roll
        printed: dict[int, str] = {}
        state.update(
            authority=authority,
            paper_of={m: n for n, m in enumerate(order, start=1)},
            printed=printed,
        )
        statement = issue_papers(
            authority, ctx.manifest, ctx.fingerprint, ctx.election_key,
            (public[m] for m in order), board.path.parent / PAPERS_FILE,
            workers=workers, mapper=mapper, sink=lambda issued: _keep_codes(printed, issued),
        )  # fmt: skip
        board.issue_papers(statement)
        return {"issued": len(order)}
    authority = state["authority"]
    paper_of: dict[int, int] = state["paper_of"]
    if phase == "replace":
        for member in plan.replaced:
            old = paper_of[member]
            check = f"ID-{old:07d}: identity confirmed by telephone (security questions)"
            board.void_paper(void_message(authority, ctx.fingerprint, old, "not-received", check))
            number = board.papers.issued + 1 if board.papers else 0
            credential, constituency = public[member]
            issued = next(
                preencrypt_many(
                    authority, ctx.manifest, ctx.fingerprint, ctx.election_key,
                    [(number, credential, constituency)],
                )
            )  # fmt: skip
            _keep_codes(state["printed"], issued)
            board.replace_paper(replacement_message(authority, ctx.fingerprint, issued, old))
            state.setdefault("originals", {})[member] = old
            paper_of[member] = number
        return {"replaced": len(plan.replaced)}
    if phase in ("early", "late"):
        votes = list(plan.early_papers if phase == "early" else plan.papers)
        if phase == "late":
            originals = state.get("originals", {})
            votes += [
                PostalVote(-1 - originals[v.member], v.selections) for v in plan.late_originals
            ]
        received = board.clock()
        job = _Returning(ctx, authority.master, authority.opening, received)
        items = []
        for v in votes:
            if v.member < 0:  # a voided original
                number = -1 - v.member
                member = next(m for m, n in state["originals"].items() if n == number)
            else:
                number, member = paper_of[v.member], v.member
            credential, constituency = public[member]
            items.append((number, credential, constituency, v.selections, v.scanned))
        tally = {"returned": len(items), "accepted": 0, "refused": 0, "keyed": 0,
                 "scanned": 0, "adjudicated": 0, "misread": 0}  # fmt: skip
        for chunk in run(_return_chunk, items, context=job, chunk=16):
            for obj, found, how in chunk:
                receipt = board.return_paper(obj, found)
                tally["accepted" if receipt.accepted else "refused"] += 1
                tally[how] += 1
        return tally
    if phase == "audit":
        ledger = board.papers
        assert ledger is not None
        numbers = ledger.to_audit()
        at = (datetime.fromisoformat(ctx.manifest.closes) + timedelta(hours=1)).isoformat()
        # The codes as printed: the print authority takes them from its print file, as it
        # printed them, not by pre-encrypting each unused paper again.
        printed = state["printed"]
        papers = ((n, [c.split(",") for c in printed[n].split("|")]) for n in numbers)
        board.audit_papers(audit_messages(authority, ctx.fingerprint, papers), at)
        return {"audited": len(numbers)}
    raise ValueError(f"unknown postal phase {phase!r}")
