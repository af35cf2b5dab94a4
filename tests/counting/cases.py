"""Run the shared public reference cases (../shared/counting-cases/) in place.

Each check is ``(case id, check name)``; :func:`run_check` loads the case,
counts it under the matching Tellers rule and asserts against the case's
``expected.json``. The files are read where they are, never copied.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from tellers.counting import (
    Ballot,
    BallotOptions,
    Election,
    Rules,
    TiePolicy,
    count,
    read_blt,
    read_jsonl,
)
from tellers.counting.schulze import pairwise

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "counting-cases"

_OPENSTV = {"ERS97STV": "stv-ers97", "MeekSTV": "stv-meek", "ScottishSTV": "stv-scottish"}
_DROOP = {"scotland": "stv-scottish", "meek-prf": "stv-meek"}


def _expected(case: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SHARED / case / "expected.json").read_text("utf-8"))
    return data


def _blt(case: str) -> Election:
    root = SHARED / case
    if (root / "ballots.blt").exists():
        return read_blt(root / "ballots.blt")
    files = sorted((root / "original").glob("*.blt"))
    return read_blt(files[0])


def _policy(election: Election) -> TiePolicy:
    if election.tie_order is not None:
        # A [tie] line (Droop, stv-rs) is a picking order: its first candidate is
        # picked for whatever the tie decides, including exclusion.
        order = tuple(election.candidates[c] for c in election.tie_order)
        return TiePolicy(order=order, pick_first=True)
    return TiePolicy(order=election.candidates)


def list_checks() -> list[tuple[str, str]]:
    """Every (case, check) pair the shared folder supports."""
    if not SHARED.is_dir():
        return []
    out: list[tuple[str, str]] = []
    for root in sorted(p for p in SHARED.iterdir() if (p / "expected.json").is_file()):
        case = root.name
        exp = _expected(case)
        if case.startswith("scot-"):
            out.append((case, "stv-scottish"))
        for key in exp.get("openstv_1_7_generated", {}).get("results", {}):
            if key in _OPENSTV:
                out.append((case, f"openstv:{key}"))
        for key, res in exp.get("results", {}).items():
            rule = res.get("rule") or res.get("method")
            if rule in _DROOP or rule == "meek":
                out.append((case, f"droop:{key}"))
        if case.startswith("rctab-"):
            out.append((case, "rctab"))
            if _rctab_config(case)["rules"]["winnerElectionMode"] in _ROUND_CHECKED:
                out.append((case, "rctab-rounds"))
        if case.startswith(("condorcet-", "schulze-", "rankedpairs-")):
            out += [(case, "schulze"), (case, "pairwise")]
        if case.startswith(("plurality-", "approval-")):
            out.append((case, "tally"))
        if case.startswith("irv-"):
            out.append((case, "irv"))
        if case.startswith("stv-wikipedia"):
            out += [(case, m) for m in ("stv-ers97", "stv-meek", "stv-scottish")]
    return out


def run_check(case: str, check: str) -> None:
    """Count ``case`` for ``check`` and assert the expected outcome."""
    _CHECKS[check.split(":")[0]](case, check)


def _stv(case: str, check: str) -> None:
    exp = _expected(case)
    election = _blt(case)
    if check.startswith("openstv:"):
        key = check.split(":", 1)[1]
        method = _OPENSTV[key]
        want = exp["openstv_1_7_generated"]["results"][key]["winners"]
    elif check.startswith("droop:"):
        key = check.split(":", 1)[1]
        res = exp["results"][key]
        method = _DROOP.get(res.get("rule") or res.get("method"), "stv-meek")
        want = res["final_elected"]
    elif case.startswith("scot-"):
        method = check
        want = exp.get("official_winners") or exp["droop_scotland"]["final_elected"]
    else:
        method = check
        want = exp["expected_winners"]
    policy = _policy(election)
    if case.startswith("stvrs-") and election.tie_order is None:
        # stv-rs without a [tie] line picks by the candidates' order in the file.
        policy = TiePolicy(order=election.candidates, pick_first=True)
    rules = Rules(method, ties=policy)  # type: ignore[arg-type]
    result = count(election, rules)
    assert sorted(result.winners) == sorted(want)
    _conserved(result)


def _conserved(result: Any) -> None:
    for rnd in result.rounds:
        assert sum(rnd.votes, Fraction(0)) + rnd.exhausted + rnd.lost == result.valid_votes


def _rctab_config(case: str) -> dict[str, Any]:
    path = next((SHARED / case / "original").glob("*_config.json"))
    config: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return config


# RCTab modes whose round-by-round tallies are checked against RCTab's report.
_ROUND_CHECKED = (
    "multiWinnerAllowMultipleWinnersPerRound",
    "multiWinnerAllowOnlyOneWinnerPerRound",
    "bottomsUp",
    "bottomsUpUsingPercentageThreshold",
)


def _rctab(case: str, check: str) -> None:
    exp = _expected(case)
    root = SHARED / case
    config = _rctab_config(case)
    r = config["rules"]
    names = [c["name"] for c in config["candidates"]]
    excluded = [c["name"] for c in config["candidates"] if c.get("excluded")]
    path = next(p for p in root.glob("ballots.normalized.jsonl*"))
    election = read_jsonl(path, candidates=names)
    if excluded:
        election = Election(
            election.candidates,
            election.ballots,
            election.seats,
            frozenset(election.candidates.index(n) for n in excluded),
            election.title,
        )
    overvote = {
        "exhaustImmediately": "exhaust",
        "alwaysSkipToNextRank": "skip",
        "exhaustIfMultipleContinuing": "exhaust-if-multiple",
    }[r["overvoteRule"]]
    skipped = str(r.get("maxSkippedRanksAllowed", "unlimited"))
    rankings = str(r.get("maxRankingsAllowed", "max"))
    options = BallotOptions(
        overvote=overvote,  # type: ignore[arg-type]
        max_skipped=int(skipped) if skipped.isdigit() else None,
        duplicate="exhaust" if r.get("exhaustOnDuplicateCandidate") else "skip",
        max_rankings=int(rankings) if rankings.isdigit() else None,
    )
    mode = r["winnerElectionMode"]
    tie = r.get("tiebreakMode", "random")
    policy = TiePolicy(
        order=tuple(names) if tie == "useCandidateOrder" else None,
        seed=None if tie == "useCandidateOrder" else 0,
        lookback="backward" if tie.startswith("previousRound") else "none",
    )
    stop = str(r.get("stopTabulationEarlyAfterRound", ""))
    threshold = str(r.get("multiSeatBottomsUpPercentageThreshold", ""))
    seats = int(exp["seats"]) or 1
    rules = Rules(
        "irv",
        seats=seats,
        ballots=options,
        ties=policy,
        batch_elimination=bool(r.get("batchElimination")),
        continue_until_two=bool(r.get("continueUntilTwoCandidatesRemain")),
        stop_after_round=int(stop) if stop.isdigit() else None,
        irv_mode={
            "multiPassIrv": "sequential",
            "bottomsUp": "bottoms-up",
            "bottomsUpUsingPercentageThreshold": "bottoms-up",
            "multiWinnerAllowMultipleWinnersPerRound": "multi-winner",
            "multiWinnerAllowOnlyOneWinnerPerRound": "multi-winner-one-per-round",
        }.get(mode, "single"),
        bottoms_up_threshold=Fraction(threshold) / 100 if threshold else None,
        threshold_from_first_round=bool(r.get("doesFirstRoundDetermineThreshold")),
        cutoff_elimination=bool(r.get("cutoffElimination")),
        hare_quota=bool(r.get("hareQuota")),
        fractional_threshold=bool(r.get("nonIntegerWinningThreshold")),
        vote_places=int(r.get("decimalPlacesForVoteArithmetic") or 4),
    )
    if mode == "bottomsUpUsingPercentageThreshold":
        rules = Rules(**{**rules.__dict__, "seats": len(names)})
    result = count(election, rules)
    want = exp["winners"]
    if mode in ("singleWinnerMajority", "multiPassIrv"):
        assert list(result.winners) == want
    else:
        assert sorted(result.winners) == sorted(want)
    if check == "rctab-rounds":
        # Every candidate's tally in every round, exactly as RCTab's report.
        report = next((root / "original").glob("*_expected_detailed_report.json"))
        theirs = json.loads(report.read_text("utf-8"))["results"]
        assert len(result.rounds) == len(theirs)
        for ours, rnd in zip(result.rounds, theirs, strict=True):
            votes = dict(zip(result.candidates, ours.votes, strict=True))
            got = {name: votes[name] for name in rnd["tally"]}
            assert got == {k: Fraction(v) for k, v in rnd["tally"].items()}, rnd["round"]


def _schulze(case: str, check: str) -> None:
    exp = _expected(case)
    election = read_jsonl(SHARED / case / "ballots.ranked.jsonl", candidates=exp["candidates"])
    want = exp.get("official_winner")
    want_list = exp["check"]["schulze"] if want is None else [want]
    result = count(election, Rules("schulze", ties=TiePolicy(order=election.candidates)))
    assert sorted(result.ranking[0]) == sorted(want_list)
    if check == "pairwise":
        d = pairwise(election, unranked_last=True)
        grid = exp["pairwise_unranked_last"]
        for a, row in grid.items():
            for b, v in row.items():
                ia, ib = election.candidates.index(a), election.candidates.index(b)
                assert d[ia][ib] == v, (a, b)


def _tally(case: str, check: str) -> None:
    exp = _expected(case)
    root = SHARED / case
    if (root / "ballots.csv").exists():
        rows = list(csv.DictReader((root / "ballots.csv").open(encoding="utf-8")))
        column = "approved" if "approved" in rows[0] else "choice"
        names: list[str] = []
        ballots = []
        for row in rows:
            marks = [m for m in row[column].split("|") if m]
            for m in marks:
                if m not in names:
                    names.append(m)
            if column == "approved":
                ranks: tuple[tuple[int, ...], ...] = (tuple(names.index(m) for m in marks),)
            else:
                ranks = tuple((names.index(m),) for m in marks)
            ballots.append(Ballot(ranks, int(row["count"])))
        election = Election(tuple(names), tuple(ballots), int(exp.get("seats", 1)))
        method = "approval" if column == "approved" else "plurality"
        result = count(election, Rules(method, ties=TiePolicy(order=tuple(names))))  # type: ignore[arg-type]
        tally = dict(zip(result.candidates, result.rounds[0].votes, strict=True))
        assert {k: int(v) for k, v in tally.items()} == exp["tallies"]
        want = exp.get("expected_winners") or [exp["expected_winner"]]
        if "expected_ranking" in exp:
            assert [n for tier in result.ranking for n in tier] == exp["expected_ranking"]
        firm = [w for w in want if "|" not in w and "/" not in w]
        assert set(firm) <= set(result.winners)
        return
    # First choices of the Minneapolis 2017 ballots: RCTab's first round, read
    # under that count's own configuration (one skipped rank allowed, 3 ranks).
    source = (root / exp["ballots_file"]).resolve()
    election = read_jsonl(source)
    config = json.loads(next((source.parent / "original").glob("*_config.json")).read_text())
    r = config["rules"]
    assert r["overvoteRule"] == "alwaysSkipToNextRank"
    opts = BallotOptions(
        overvote="skip",
        max_skipped=int(r["maxSkippedRanksAllowed"]),
        max_rankings=int(r["maxRankingsAllowed"]),
    )
    result = count(election, Rules("irv", ballots=opts, stop_after_round=1))
    tally = dict(zip(result.candidates, result.rounds[0].votes, strict=True))
    assert {k: int(v) for k, v in tally.items()} == {k: int(v) for k, v in exp["tallies"].items()}


_OPENRCV_NAMES = ("Ann", "Bob", "Carol", "Dave", "Ellen", "Fred", "Gwen", "Hank", "Irene")


def _irv(case: str, check: str) -> None:
    exp = _expected(case)
    root = SHARED / case
    if case == "irv-openrcv-suite":
        suite = json.loads((root / "original" / "irv.json").read_text("utf-8"))
        for tc in suite["test_cases"]:
            inp = tc["input"]
            names = _OPENRCV_NAMES[: inp["candidate_count"]]
            ballots = []
            for line in inp["ballots"]:
                w, *prefs = (int(x) for x in line.split())
                ballots.append(Ballot(tuple((p - 1,) for p in prefs), w))
            election = Election(names, tuple(ballots))
            last = tc["output"]["rounds"][-1]
            if "elected" not in last:
                continue
            result = count(election, Rules("irv", ties=TiePolicy(seed=0)))
            assert list(result.winners) == last["elected"], tc["_meta"]
        return
    rows = list(csv.DictReader(next((root / "original").glob("*.csv")).open(encoding="utf-8")))
    papers: dict[str, list[str]] = {}
    for row in rows:
        papers.setdefault(row["ballot_id"], []).append(row["choice"])
    names_list: list[str] = []
    for prefs in papers.values():
        for p in prefs:
            if p not in names_list:
                names_list.append(p)
    ballots = [Ballot(tuple((names_list.index(p),) for p in prefs)) for prefs in papers.values()]
    election = Election(tuple(names_list), tuple(ballots))
    result = count(election, Rules("irv", ballots=BallotOptions(overvote="skip")))
    assert list(result.winners) == [exp["official_winner"]]
    final = dict(zip(result.candidates, result.rounds[-1].votes, strict=True))
    for name, votes in exp["pyrankvote_final_round"].items():
        if name != "exhausted":
            assert final[name] == votes


_CHECKS: dict[str, Callable[[str, str], None]] = {
    "stv-scottish": _stv,
    "stv-ers97": _stv,
    "stv-meek": _stv,
    "openstv": _stv,
    "droop": _stv,
    "rctab": _rctab,
    "rctab-rounds": _rctab,
    "schulze": _schulze,
    "pairwise": _schulze,
    "tally": _tally,
    "irv": _irv,
}
