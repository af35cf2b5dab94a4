"""Simulated elections for ``tellers demo`` (the seed cases of DESIGN.md).

Each scenario builds a manifest, a synthetic roll and a voting plan whose
figures are the public ones (scaled), then runs the election end to end
through ``election.conduct`` — the same functions the web service uses:
trustees' key ceremony, credentials, encrypted ballots on the board (with
audits and re-votes where the scenario has them), closing, decryption by a
quorum with one trustee absent, declaration and the sealed record.

The plan is reproducible from ``seed``; the cryptographic randomness is
always fresh. The national scenario (``simulate_national``) computes its
roll and votes on demand, so that its 25 million members never sit in
memory; the heavy steps run on any ``tellers.parallel.Mapper`` — local
processes or a Dask cluster — with the same board order and result
(docs/scale.md).
"""

from __future__ import annotations

import csv
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from tellers import canonical, trustee
from tellers.ballot import encrypt_ballot, tracker
from tellers.board import ElectionContext, Verdict, audit_request_message, check_submission
from tellers.crypto.credentials import derive_signing_key, sign
from tellers.election import authority
from tellers.election.conduct import (
    OpenElection,
    close_and_tally,
    open_election,
    publish_result,
    record_mix,
)
from tellers.election.manifest import Choice, Contest, Manifest, Thresholds
from tellers.election.roll import Member
from tellers.errors import TellersError
from tellers.parallel import Mapper, local_mapper, worker_context
from tellers.record.v2 import ballot_to_json, reveal_to_json
from tellers.simulate_parties import (
    SimulatedClock,
    local_authority,
    local_ceremony,
    local_statement,
)
from tellers.tally import Result
from tellers.verify import Report, verify_record
from tellers.verify.resume import verify_since

__all__ = [
    "CAST_BATCH",
    "SCENARIOS",
    "VOTE_CHUNK",
    "DemoOutcome",
    "Scenario",
    "SimulatedClock",
    "Vote",
    "build_scenario",
    "local_authority",
    "local_ceremony",
    "run_scenario",
]

SCENARIOS = (
    "unite-2017",
    "unite-2017-hybrid",
    "ul-hustings-2020",
    "strike-ballot",
    "national",
    "branch-strike-before",
    "branch-strike-after",
    "stv-executive",
)
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
    members: Sequence[Member]
    """The roll (a list, or computed on demand: ``simulate_national``)."""
    votes: Sequence[Vote]
    expected: dict[str, dict[str, int]] = field(default_factory=dict)
    """Contest id -> choice id (and "blank") -> votes: the figures the run must reproduce."""
    postal: Any = None
    """The postal channel's plan (``simulate_hybrid.HybridPlan``), or None: online only."""


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
    """The named scenario; ``scale`` defaults to 0.01 for unite-2017, 0.001 for national (10,000
    ballots) and 1 otherwise."""
    rng = random.Random(seed)
    if name == "national":
        from tellers.simulate_national import national  # it builds on Scenario and Vote

        return national(scale, rng)
    if name == "unite-2017":
        return _unite(0.01 if scale is None else scale, rng)
    if name == "unite-2017-hybrid":
        from tellers.simulate_hybrid import hybrid  # it builds on Scenario and Vote

        scenario: Scenario = hybrid(rng, _unite(0.01 if scale is None else scale, rng))
        return scenario
    if name == "stv-executive":
        from tellers.simulate_stv import stv_executive  # it builds on Scenario and Vote

        return stv_executive(0.02 if scale is None else scale, rng)
    if name == "ul-hustings-2020":
        return _hustings(1.0 if scale is None else scale, rng)
    if name == "strike-ballot":
        return _strike(1.0 if scale is None else scale, rng)
    if name in ("branch-strike-before", "branch-strike-after"):
        # Fixed figures (simulate_branch): each question's outcome is the point, so no scale.
        from tellers.simulate_branch import BRANCH_OPENS, branch_strike

        if scale not in (None, 1.0):
            raise ValueError(f"{name} has fixed figures (300 members); --scale does not apply")
        return branch_strike(BRANCH_OPENS[name], name, seed)
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
    postal: dict[str, Any] = field(default_factory=dict)
    """The postal phases' figures and the print authority (``simulate_hybrid.run_postal``)."""
    trustees: tuple[Any, ...] = ()
    """The simulated trustees' secrets (tests play them to re-sign a tampered record)."""


# Worker side: members' devices encrypt a chunk of ballots; the board's pure checks follow. --

_Item = tuple[str, str, dict[str, list[str]], bool]
"""(code, constituency, selections, audit first)."""


@dataclass(frozen=True, slots=True)
class _Made:
    """A chunk of ballots as one task makes them."""

    ballots: list[bytes]
    audits: list[tuple[bytes, bytes]]
    """For an audit chunk, each ballot's reveal and the member's signed request."""
    verdicts: list[Verdict]
    """For a cast chunk, the board's ``check_submission`` of each ballot."""
    encrypt_s: float
    check_s: float
    """CPU seconds of the task's thread in each step."""


def _encrypt_one(context: ElectionContext, item: _Item) -> tuple[bytes, tuple[bytes, bytes] | None]:
    """The ballot; with the reveal and the member's signed audit request when auditing."""
    code, constituency, selections, with_reveal = item
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


def _vote_chunk(items: list[_Item]) -> _Made:
    """Encrypt each ballot, then run the board's pure checks on those to be cast.

    The checks are the board's own (``check_submission``), run in the same task
    so that a ballot crosses the network once; the board then applies the
    re-voting policy, stamps, chains and writes in order (record.md §5).
    """
    context: ElectionContext = worker_context()
    started = time.thread_time()
    made = [_encrypt_one(context, item) for item in items]
    encrypted = time.thread_time()
    verdicts = [check_submission(context, raw) for raw, audit in made if audit is None]
    return _Made(
        [raw for raw, _ in made],
        [audit for _, audit in made if audit is not None],
        verdicts,
        encrypted - started,
        time.thread_time() - encrypted,
    )


def _checked(
    made: list[bytes], verdicts: list[Verdict]
) -> Callable[[Callable[[bytes], Verdict], list[bytes]], list[Verdict]]:
    """A ``Board.cast`` mapper that answers with the verdicts the tasks already reached."""

    def mapper(_check: Callable[[bytes], Verdict], submissions: list[bytes]) -> list[Verdict]:
        if submissions is not made:
            raise TellersError("the board was given other ballots than the ones checked")
        return verdicts

    return mapper


# The client side: the election, step by step. ----------------------------------------------

CAST_BATCH = 2000
"""Ballots written and fsynced together by the board."""
VOTE_CHUNK = 64
"""Ballots per task: about a fifth of a second of work."""


def _issue(
    manifest: Manifest, members: Sequence[Member], sheet: Path, workers: int, mapper: Mapper | None
) -> tuple[list[tuple[bytes, str]], dict[str, object]]:
    """The authority's issue, its code sheet written as the codes come: (public list, statement)."""
    public: list[tuple[bytes, str]] = []
    with open(sheet, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["member_id", "constituency", "code"])
        for one in authority.issue(
            manifest,
            ((m.member_id, m.constituency) for m in members),
            workers=workers,
            mapper=mapper,
        ):
            writer.writerow([one.reference, one.constituency, one.code])
            public.append((one.credential, one.constituency))
    return public, local_statement(manifest, public)


def _with_codes(sheet: Path, votes: Sequence[Vote], in_roll_order: bool) -> Iterator[_Item]:
    """Each vote as a task's item, with the member's code and constituency from the sheet.

    Votes in roll order are joined with the sheet as both stream (a national
    roll never sits in memory); otherwise the voters' codes are looked up.
    """
    with open(sheet, newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        if in_roll_order:
            at, row = -1, ["", "", ""]
            for v in votes:
                while at < v.member:
                    row, at = next(rows), at + 1
                yield row[2], row[1], v.selections, v.audit_first
            return
        wanted = {v.member for v in votes}
        found = {i: (row[2], row[1]) for i, row in enumerate(rows) if i in wanted}
    for v in votes:
        code, constituency = found[v.member]
        yield code, constituency, v.selections, v.audit_first


def _clock(manifest: Manifest, submissions: int) -> SimulatedClock:
    """A board clock that fits every submission between opening and closing: a second
    apart, or closer where there are more than the voting time has seconds."""
    window = datetime.fromisoformat(manifest.closes) - datetime.fromisoformat(manifest.opens)
    step = min(timedelta(seconds=1), window / (2 * submissions + 10))
    return SimulatedClock(manifest.opens, step=step)


def run_scenario(
    scenario: Scenario,
    out: Path,
    *,
    workers: int = 1,
    mapper: Mapper | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> DemoOutcome:
    """Run the whole election; write the record to ``out/record`` and the code sheet privately.

    The heavy steps — issuing credentials, encrypting and checking ballots,
    summing the tally, verifying the record so far — run on ``mapper`` (a Dask
    cluster's, ``tellers.distributed.dask_mapper``) or else on ``workers``
    local processes. The plan and the result depend only on the scenario:
    every mapper yields its chunks in order, so the board, the tally and the
    declaration come out the same whichever runs them (the cryptographic
    randomness is fresh each run). ``timings`` gives each step's seconds and,
    for the voting, the CPU seconds of encrypting and checking summed over the
    tasks (``encrypt_cpu``, ``check_cpu``) and the board's own time in this
    process (``board``, and its CPU, ``board_cpu``).
    """
    run = local_mapper(workers) if mapper is None else mapper
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
    code_sheet = private / "code-sheet.csv"
    public, statement = _issue(manifest, scenario.members, code_sheet, workers, mapper)
    timings["credentials"] = time.perf_counter() - clock

    votes = scenario.votes
    kinds = Counter(final=len(votes))
    for v in votes:
        kinds["audit"] += v.audit_first
        kinds["earlier"] += v.earlier is not None
    clock = time.perf_counter()
    plan = scenario.postal
    submissions = sum(kinds.values())
    if plan is not None:
        submissions += 3 * len(plan.replaced) + len(plan.early_papers) + len(plan.papers)
        submissions += len(plan.late_originals)
    election = open_election(
        record, manifest, ceremony, public, statement, manifest.opens,
        clock=_clock(manifest, submissions),
    )  # fmt: skip
    postal: dict[str, Any] = {}
    figures: dict[str, dict[str, int]] = {}

    def by_post(phase: str) -> None:
        if plan is None:
            return
        from tellers.simulate_hybrid import run_postal

        started = time.perf_counter()
        figures[phase] = run_postal(
            phase, election.board, plan, public, postal, workers=workers, mapper=mapper
        )
        timings[f"postal-{phase}"] = time.perf_counter() - started

    by_post("issue")
    by_post("replace")
    by_post("early")
    timings["open"] = time.perf_counter() - clock

    # Voting: audits, first ballots of re-voters, then the rest; the board writes a batch
    # at a time while the tasks make the next ones.
    clock = time.perf_counter()
    in_roll_order = all(a.member < b.member for a, b in pairwise(votes))
    board, context = election.board, election.context
    cast = refused = audited = 0
    spent = {"encrypt_cpu": 0.0, "check_cpu": 0.0, "board": 0.0, "board_cpu": 0.0}

    def items(kind: str) -> Iterator[_Item]:
        for v, item in zip(votes, _with_codes(code_sheet, votes, in_roll_order), strict=True):
            if kind == "earlier" and v.earlier is not None:
                yield item[0], item[1], v.earlier, False
            elif kind == "audit" and v.audit_first:
                yield item
            elif kind == "final":
                yield item[0], item[1], item[2], False

    def account(made: _Made) -> None:
        spent["encrypt_cpu"] += made.encrypt_s
        spent["check_cpu"] += made.check_s

    if kinds["audit"]:
        for made in run(_vote_chunk, items("audit"), context=context, chunk=16):
            account(made)
            started = time.perf_counter()
            for raw, (reveal, signature) in zip(made.ballots, made.audits, strict=True):
                audited += board.audit(raw, reveal, signature).accepted
            spent["board"] += time.perf_counter() - started
    for kind in ("earlier", "final"):
        if not kinds[kind]:
            continue
        batch: list[bytes] = []
        verdicts: list[Verdict] = []
        done = 0
        for part in _then_flush(run(_vote_chunk, items(kind), context=context, chunk=VOTE_CHUNK)):
            if part is not None:
                account(part)
                batch += part.ballots
                verdicts += part.verdicts
            if batch and (part is None or len(batch) >= CAST_BATCH):
                started, cpu = time.perf_counter(), time.thread_time()
                receipts = board.cast(batch, mapper=_checked(batch, verdicts))
                spent["board"] += time.perf_counter() - started
                spent["board_cpu"] += time.thread_time() - cpu
                cast += len(receipts)
                refused += sum(not r.accepted for r in receipts)
                done += len(batch)
                batch, verdicts = [], []
                if progress:
                    progress(f"casting ({kind})", done, kinds[kind])
    by_post("late")
    timings["voting"] = time.perf_counter() - clock
    timings.update(spent)

    clock = time.perf_counter()
    close_and_tally(
        election, manifest.closes, workers=workers, mapper=mapper,
        after_close=lambda: by_post("audit"),
    )  # fmt: skip
    timings["tally"] = time.perf_counter() - clock
    # Trustees 1 and 3 (2 is absent) verify the record so far, then decrypt what they
    # recomputed; one verification stands for both, as each would find the same.
    clock = time.perf_counter()
    so_far = verify_record(record, workers=workers, mapper=mapper)
    timings["verify"] = time.perf_counter() - clock
    verified = so_far.tally
    if verified is None:
        raise TellersError("the record so far does not verify: the trustees will not decrypt it")
    mixed: list[dict[str, Any]] = []
    if so_far.mixes:
        clock = time.perf_counter()
        so_far = _mix(election, record, trustee_secrets, so_far, workers)
        verified = so_far.tally
        timings["mix"] = time.perf_counter() - clock
    clock = time.perf_counter()
    present = [trustee_secrets[0], trustee_secrets[2]]
    decryptions = [trustee.decrypt(s, manifest, verified)[1] for s in present]
    if so_far.mixes:
        mixed = [
            trustee.decrypt_mixed(s, manifest, verified, chain, contest, workers=workers)
            for s in present
            for contest, chain in so_far.mixes.items()
        ]
    result, root = publish_result(
        election, verified, decryptions, mixed, so_far.mixes, workers=workers
    )
    timings["decrypt"] = time.perf_counter() - clock
    return DemoOutcome(
        result, root, record, code_sheet, cast, refused, audited, timings, so_far,
        {**postal, "figures": figures}, tuple(trustee_secrets),
    )  # fmt: skip


def _mix(
    election: OpenElection,
    record: Path,
    trustees: Sequence[Any],
    so_far: Report,
    workers: int,
) -> Report:
    """Each trustee in turn verifies the record so far and shuffles every ranked contest's
    rows (ranked.md §4); the last verification, of the whole chain, is what the trustees
    decrypt from. The trustees verified the whole record at the close (``so_far``, one
    verification standing for all, as they would run at once on their own machines); each
    then carries its verification on over the shuffles made since (``verify_since``), one
    check of each new shuffle again standing for every trustee that needs it. The board
    checks each shuffle before it takes it (``record_mix``)."""
    manifest = election.manifest
    for k, secrets in enumerate(trustees):
        if k:
            so_far = verify_since(record, so_far, manifest, workers=workers)
            if not so_far.valid:
                raise TellersError("the record so far does not verify after a shuffle")
        chains = so_far.mixes
        for contest, chain in so_far.mixes.items():
            body = trustee.mix(
                secrets, election.manifest, so_far.tally, chain, contest, workers=workers
            )
            chains = record_mix(election, so_far.tally, chains, body, workers=workers)
    so_far = verify_since(record, so_far, manifest, workers=workers)
    if not so_far.valid or so_far.mixes is None:
        raise TellersError("the record so far does not verify after the last shuffle")
    return so_far


def _then_flush(made: Iterator[_Made]) -> Iterator[_Made | None]:
    """The tasks' results, then None: the last, short batch goes to the board too."""
    yield from made
    yield None
