"""The ``stv-executive`` scenario: a national executive elected by STV from ranked ballots.

Five seats from twelve candidates under ERS97 rules; each member ranks one to ten of
them. At scale 1 the ballots are Unite 2017's 130,071 returned ballots (an electorate of
325,178 at a 40% turnout); the default scale, 0.02, makes 2,601 ballots. The rankings are
drawn by a Plackett–Luce model: candidate c is picked next with probability proportional
to its weight among those not yet ranked, so the popular ones lead and transfers matter.
One member in 40 votes twice, and only the later ballot counts. The run's count of the
decrypted rankings is compared with ``tellers.counting`` over the same plaintext rankings
(``expected_count``).
"""

from __future__ import annotations

import random

from tellers.counting import Result, Rules
from tellers.election.manifest import Choice, Contest, Manifest
from tellers.ranked.count import count_rows
from tellers.ranked.outcome import candidate_labels, tie_policy
from tellers.ranked.ranking import ranking_values
from tellers.simulate import Scenario, Vote, _members

__all__ = ["CANDIDATES", "expected_count", "stv_executive"]

CANDIDATES = (
    ("adeyemi", "Bola Adeyemi", 9.0),
    ("byrne", "Siobhan Byrne", 8.0),
    ("chowdhury", "Rahim Chowdhury", 7.5),
    ("davies", "Gareth Davies", 6.0),
    ("evans", "Carys Evans", 5.5),
    ("fraser", "Iain Fraser", 5.0),
    ("gill", "Harpreet Gill", 4.0),
    ("hughes", "Megan Hughes", 3.5),
    ("iqbal", "Nadia Iqbal", 3.0),
    ("jones", "Dafydd Jones", 2.0),
    ("kowalski", "Anna Kowalski", 1.5),
    ("lewis", "Tom Lewis", 1.0),
)
FULL_BALLOTS = 130_071
TURNOUT = 0.4
PREFERENCES = 10


def stv_executive(scale: float, rng: random.Random) -> Scenario:
    ballots = max(1, round(FULL_BALLOTS * scale))
    electorate = round(ballots / TURNOUT)
    contest = Contest(
        "executive",
        "National Executive Committee (5 seats)",
        "stv-ers97",
        tuple(Choice(i, name) for i, name, _ in CANDIDATES),
        seats=5,
        preferences=PREFERENCES,
    )
    manifest = Manifest(
        election_id="nec-2026",
        title="National Executive election",
        organisation="Tellers Workers' Union",
        scrutineer="Independent Scrutineer Ltd",
        opens="2026-03-02T09:00:00+00:00",
        closes="2026-03-23T12:00:00+00:00",
        revote="last",
        trustees=3,
        quorum=2,
        constituencies=("all",),
        contests=(contest,),
        kind="election",
        term_years=5,
    )
    members = _members(electorate, "all", "N")
    voters = rng.sample(range(electorate), ballots)
    ids = [c[0] for c in CANDIDATES]
    weights = [c[2] for c in CANDIDATES]
    votes = []
    first: dict[str, int] = dict.fromkeys(ids, 0)
    for k, member in enumerate(voters):
        length = rng.choice((1, 2, 3, 3, 4, 5, 5, 6, 8, 10))
        ranking = _plackett_luce(rng, ids, weights, length)
        first[ranking[0]] += 1
        # One in 40 changed their mind after voting: their first ranking must not count.
        earlier = {contest.id: _plackett_luce(rng, ids, weights, 3)} if k % 40 == 7 else None
        votes.append(Vote(member, {contest.id: ranking}, earlier=earlier))
    return Scenario("stv-executive", manifest, members, votes, {contest.id: {**first, "blank": 0}})


def expected_count(scenario: Scenario, fingerprint: bytes) -> Result:
    """``tellers.counting``'s count of the scenario's rankings in plaintext, under the rules
    and the tie seed the record's count uses (``tellers.ranked.outcome``)."""
    contest = scenario.manifest.contests[0]
    index = {c.id: i for i, c in enumerate(contest.choices)}
    rows = [
        ranking_values(
            [index[c] for c in v.selections[contest.id]], len(contest.choices), contest.width
        )
        for v in scenario.votes
    ]
    rules = Rules(method="stv-ers97", seats=contest.seats, ties=tie_policy(contest, fingerprint))
    return count_rows(
        candidate_labels(contest), rows, rules, seats=contest.seats, title=contest.title
    )


def _plackett_luce(
    rng: random.Random, ids: list[str], weights: list[float], length: int
) -> list[str]:
    left = list(zip(ids, weights, strict=True))
    out = []
    for _ in range(length):
        pick = rng.random() * sum(w for _, w in left)
        for k, (choice, w) in enumerate(left):
            pick -= w
            if pick <= 0 or k == len(left) - 1:
                out.append(choice)
                del left[k]
                break
    return out
