"""Simulated elections for ``tellers demo`` (the seed cases of DESIGN.md).

Each scenario builds a manifest, a synthetic roll and a voting plan whose
figures are the public ones (scaled), then runs the election end to end
through ``election.conduct`` — the same functions the web service uses:
trustees' key ceremony, credentials, encrypted ballots on the board (with
audits and re-votes where the scenario has them), closing, decryption by a
quorum with one trustee absent, declaration and the sealed record.

The plan is reproducible from ``seed``; the cryptographic randomness is
always fresh.
"""

from __future__ import annotations

import csv
import multiprocessing
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.pool import Pool
from pathlib import Path

from tellers import canonical, trustee
from tellers.ballot import encrypt_ballot, tracker
from tellers.board import ElectionContext, Receipt, Verdict, audit_request_message
from tellers.crypto.credentials import derive_signing_key, sign
from tellers.election.conduct import close_and_tally, open_election, publish_result
from tellers.election.manifest import Choice, Contest, Manifest, Thresholds
from tellers.election.roll import Member
from tellers.errors import TellersError
from tellers.record.v2 import ballot_to_json, reveal_to_json
from tellers.simulate_parties import (
    SimulatedClock,
    local_authority,
    local_ceremony,
)
from tellers.tally import Result
from tellers.verify import Report, verify_record

__all__ = [
    "SCENARIOS",
    "DemoOutcome",
    "Scenario",
    "SimulatedClock",
    "Vote",
    "build_scenario",
    "local_authority",
    "local_ceremony",
    "run_scenario",
]

SCENARIOS = ("unite-2017", "ul-hustings-2020", "strike-ballot")
STATUTORY_STATEMENT = (
    "If you take part in a strike or other industrial action, you may be in breach of your "
    "contract of employment. However, if you are dismissed for taking part in a strike or "
    "other industrial action which is called officially and is otherwise lawful, the "
    "dismissal will be unfair."
)


@dataclass(frozen=True, slots=True)
class Vote:
    member: int
    """Index into the roll."""
    selections: dict[str, list[str]]
    audit_first: bool = False
    """Encrypt once, audit that ballot, then cast a fresh one."""
    earlier: dict[str, list[str]] | None = None
    """A first ballot this member casts and later replaces (re-vote)."""


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    manifest: Manifest
    members: list[Member]
    votes: list[Vote]
    expected: dict[str, dict[str, int]] = field(default_factory=dict)
    """Contest id -> choice id (and "blank") -> votes: the figures the run must reproduce."""


def _members(count: int, constituency: str, prefix: str) -> list[Member]:
    return [Member(f"{prefix}{i:07d}", constituency) for i in range(1, count + 1)]


def _manifest(
    election_id: str,
    title: str,
    organisation: str,
    revote: str,
    constituencies: tuple[str, ...],
    contests: tuple[Contest, ...],
) -> Manifest:
    return Manifest(
        election_id=election_id,
        title=title,
        organisation=organisation,
        scrutineer="Independent Scrutineer Ltd",
        opens="2026-03-02T09:00:00+00:00",
        closes="2026-03-23T12:00:00+00:00",
        revote=revote,  # type: ignore[arg-type]
        trustees=3,
        quorum=2,
        constituencies=constituencies,
        contests=contests,
    )


def _unite(scale: float, rng: random.Random) -> Scenario:
    figures = {"mccluskey": 59_067, "coyne": 53_544, "allinson": 17_143, "blank": 317}
    scaled = {k: round(v * scale) for k, v in figures.items()}
    electorate = round(1_062_049 * scale)
    contest = Contest(
        "general-secretary",
        "General Secretary",
        "plurality",
        (
            Choice("mccluskey", "Len McCluskey"),
            Choice("coyne", "Gerard Coyne"),
            Choice("allinson", "Ian Allinson"),
        ),
    )
    manifest = _manifest(
        "unite-gs-2017",
        "General Secretary election",
        "Unite the Union",
        "last",
        ("all",),
        (contest,),
    )
    members = _members(electorate, "all", "U")
    voters = rng.sample(range(electorate), sum(scaled.values()))
    votes, at = [], 0
    for choice, n in scaled.items():
        for member in voters[at : at + n]:
            votes.append(Vote(member, {contest.id: [] if choice == "blank" else [choice]}))
        at += n
    return Scenario("unite-2017", manifest, members, votes, {contest.id: scaled})


def _hustings(scale: float, rng: random.Random) -> Scenario:
    figures = {"turner": round(370 * scale), "beckett": round(367 * scale)}
    electorate = round(1_130 * scale)
    contest = Contest(
        "hustings",
        "United Left nomination for General Secretary",
        "plurality",
        (Choice("turner", "Steve Turner"), Choice("beckett", "Howard Beckett")),
        allow_blank=False,
    )
    manifest = _manifest(
        "ul-hustings-2020", "Hustings vote", "United Left", "last", ("all",), (contest,)
    )
    members = _members(electorate, "all", "L")
    voters = rng.sample(range(electorate), sum(figures.values()))
    votes, at = [], 0
    for choice, n in figures.items():
        other = "beckett" if choice == "turner" else "turner"
        for k, member in enumerate(voters[at : at + n]):
            revote = k % 40 == 7  # changed their mind after voting
            audit = k % 60 == 11  # checked the encryption before casting
            votes.append(
                Vote(
                    member,
                    {contest.id: [choice]},
                    audit_first=audit,
                    earlier={contest.id: [other]} if revote else None,
                )
            )
        at += n
    return Scenario("ul-hustings-2020", manifest, members, votes, {contest.id: figures})


def _strike(scale: float, rng: random.Random) -> Scenario:
    workplaces = {
        "north-depot": round(rng.randint(380, 460) * scale),
        "south-depot": round(rng.randint(280, 340) * scale),
    }
    contests: list[Contest] = []
    for wp in workplaces:
        for q, text in (
            ("strike", "Are you prepared to take part in a strike?"),
            ("asos", "Are you prepared to take part in action short of a strike?"),
        ):
            contests.append(
                Contest(
                    f"{q}-{wp}",
                    f"{text} ({wp.replace('-', ' ').title()})",
                    "yes-no",
                    (Choice("yes", "Yes"), Choice("no", "No")),
                    constituencies=(wp,),
                    thresholds=Thresholds(turnout_percent=50, yes_majority=True),
                    statement=STATUTORY_STATEMENT,
                )
            )
    manifest = _manifest(
        "strike-ballot-2026",
        "Industrial action ballot",
        "Transport Workers' Union",
        "forbidden",
        tuple(workplaces),
        tuple(contests),
    )
    members: list[Member] = []
    for wp, n in workplaces.items():
        members += _members(n, wp, wp[0].upper())
    expected: dict[str, dict[str, int]] = {c.id: {"yes": 0, "no": 0, "blank": 0} for c in contests}
    votes, start = [], 0
    for wp, n in workplaces.items():
        turnout = rng.uniform(0.36, 0.47)  # short of the 50% the statute needs
        for member in rng.sample(range(start, start + n), round(n * turnout)):
            selections = {}
            for q, p_yes in (("strike", 0.72), ("asos", 0.86)):
                cid = f"{q}-{wp}"
                answer = (
                    "blank" if rng.random() < 0.01 else ("yes" if rng.random() < p_yes else "no")
                )
                expected[cid][answer] += 1
                selections[cid] = [] if answer == "blank" else [answer]
            votes.append(Vote(member, selections))
        start += n
    return Scenario("strike-ballot", manifest, members, votes, expected)


def build_scenario(name: str, scale: float | None = None, seed: int = 2017) -> Scenario:
    """The named scenario; ``scale`` defaults to 0.01 for unite-2017 and 1 otherwise."""
    rng = random.Random(seed)
    if name == "unite-2017":
        return _unite(0.01 if scale is None else scale, rng)
    if name == "ul-hustings-2020":
        return _hustings(1.0 if scale is None else scale, rng)
    if name == "strike-ballot":
        return _strike(1.0 if scale is None else scale, rng)
    raise ValueError(f"unknown scenario {name!r}; expected one of {', '.join(SCENARIOS)}")


@dataclass(frozen=True, slots=True)
class DemoOutcome:
    result: Result
    root: bytes
    record: Path
    code_sheet: Path
    receipts: int
    refused: int
    audited: int
    timings: dict[str, float]
    so_far: Report
    """The trustees' verification of the record in progress (``verify_completion`` goes on
    from it to the complete record)."""


# Worker side: encrypt a chunk of ballots. ----------------------------------------------------

_WORKER: list[ElectionContext] = []


def _init_worker(context: ElectionContext) -> None:
    _WORKER[:] = [context]


def _encrypt_one(
    item: tuple[str, str, dict[str, list[str]], bool],
) -> tuple[bytes, tuple[bytes, bytes] | None]:
    """The ballot; with the reveal and the member's signed audit request when auditing."""
    code, constituency, selections, with_reveal = item
    context = _WORKER[0]
    manifest = context.manifest
    signing_key = derive_signing_key(manifest.election_id.encode(), code)
    ballot, reveal = encrypt_ballot(
        manifest,
        context.fingerprint,
        context.election_key,
        signing_key,
        constituency,
        selections,
    )
    raw = canonical.dumps(ballot_to_json(ballot))
    if not with_reveal:
        return raw, None
    opened = reveal_to_json(reveal)
    request = audit_request_message(tracker(ballot), opened)
    return raw, (canonical.dumps(opened), sign(signing_key, request))


def run_scenario(
    scenario: Scenario,
    out: Path,
    *,
    workers: int = 1,
    progress: Callable[[str, int, int], None] | None = None,
) -> DemoOutcome:
    """Run the whole election; write the record to ``out/record`` and the code sheet privately."""
    import time

    timings: dict[str, float] = {}
    clock = time.perf_counter()
    manifest = scenario.manifest
    record = out / "record"
    private = out / "private"
    private.mkdir(parents=True, exist_ok=True)
    if record.exists():
        for child in record.iterdir():
            child.unlink()

    # Trustees' key ceremony (each would run `tellers trustee` on their own machine).
    ceremony, trustee_secrets = local_ceremony(manifest)
    timings["ceremony"] = time.perf_counter() - clock

    # Credentials: the code sheet stays with the authority; its signed statement and the
    # public list go to the board.
    clock = time.perf_counter()
    voters = {v.member for v in scenario.votes}
    codes: dict[int, str] = {}
    issued, statement = local_authority(manifest, scenario.members, workers=workers)
    code_sheet = private / "code-sheet.csv"
    with open(code_sheet, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["member_id", "constituency", "code"])
        for index, one in enumerate(issued):
            writer.writerow([one.reference, one.constituency, one.code])
            if index in voters:
                codes[index] = one.code
    public = [(one.credential, one.constituency) for one in issued]
    del issued
    timings["credentials"] = time.perf_counter() - clock

    clock = time.perf_counter()
    election = open_election(
        record, manifest, ceremony, public, statement, manifest.opens,
        clock=SimulatedClock(manifest.opens),
    )  # fmt: skip
    del public
    timings["open"] = time.perf_counter() - clock

    # Voting: first ballots of re-voters, audits, then the rest, in batches.
    clock = time.perf_counter()
    receipts: list[Receipt] = []
    audited = 0
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(
        max(1, workers),
        initializer=_init_worker,
        initargs=(election.context,),
    ) as pool:

        def items(kind: str) -> Iterator[tuple[str, str, dict[str, list[str]], bool]]:
            for v in scenario.votes:
                member = scenario.members[v.member]
                if kind == "earlier" and v.earlier is not None:
                    yield codes[v.member], member.constituency, v.earlier, False
                elif kind == "audit" and v.audit_first:
                    yield codes[v.member], member.constituency, v.selections, True
                elif kind == "final":
                    yield codes[v.member], member.constituency, v.selections, False

        for raw, request in pool.imap(_encrypt_one, items("audit"), chunksize=16):
            assert request is not None
            receipt = election.board.audit(raw, *request)
            audited += receipt.accepted
        # Members' devices encrypt a batch, then the board checks and records it: bounded
        # memory, and both steps spread over the workers.
        for kind in ("earlier", "final"):
            pending = list(items(kind))
            for start in range(0, len(pending), 2000):
                encrypted = pool.map(_encrypt_one, pending[start : start + 2000], chunksize=32)
                batch = [raw for raw, _ in encrypted]
                receipts += election.board.cast(batch, mapper=_pool_map(pool))
                if progress:
                    progress(f"casting ({kind})", start + len(batch), len(pending))
    timings["voting"] = time.perf_counter() - clock

    clock = time.perf_counter()
    close_and_tally(election, manifest.closes, workers=workers)
    timings["tally"] = time.perf_counter() - clock
    # Trustees 1 and 3 (2 is absent) verify the record so far, then decrypt what they
    # recomputed; one verification stands for both, as each would find the same.
    clock = time.perf_counter()
    so_far = verify_record(record, workers=workers)
    verified = so_far.tally
    if verified is None:
        raise TellersError("the record so far does not verify: the trustees will not decrypt it")
    present = [trustee_secrets[0], trustee_secrets[2]]
    decryptions = [trustee.decrypt(s, manifest, verified)[1] for s in present]
    result, root = publish_result(election, verified, decryptions)
    timings["decrypt"] = time.perf_counter() - clock
    refused = sum(1 for r in receipts if not r.accepted)
    return DemoOutcome(
        result, root, record, code_sheet, len(receipts), refused, audited, timings, so_far
    )


def _pool_map(pool: Pool) -> Callable[[Callable[[bytes], Verdict], list[bytes]], list[Verdict]]:
    def mapper(func: Callable[[bytes], Verdict], items: list[bytes]) -> list[Verdict]:
        return pool.map(func, items, chunksize=32)

    return mapper
