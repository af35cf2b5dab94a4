"""A branch strike ballot either side of 18 February 2026 (record.md §3.6; REQUIREMENTS.md 13).

300 members in two workplaces, each asked two questions (a strike; action short of
a strike), the hospital flagged as important public services. The manifest states
no thresholds: each question takes them from the rules in force on the opening
day (``tellers.election.statutory``). The same votes are cast in both runs:

- ``branch-strike-before`` opens on 9 February 2026: the 50% turnout rule and, for
  the hospital, the 40%-of-entitled rule (TULRCA s.226(2)(a)(iii), until 18 February
  2026). Action short of a strike at the hospital wins its majority (58 to 40) but
  58 Yes is under 40% of the 160 entitled (64), so it fails;
- ``branch-strike-after`` opens on 2 March 2026: the 40% rule is repealed (ERA 2025),
  and the same question passes.

Every other question's outcome is the same in both: the hospital's strike passes
(70 Yes, 40% of 160 is 64); the depot's strike passes on a majority (50 to 30; 50
is under 40% of its 140, which does not matter because the depot is not flagged);
the depot's action short of a strike fails its majority (35 to 45).

``branch_strike(opens)`` builds the scenario for any opening day; the two names are
registered in ``tellers.simulate.SCENARIOS`` for ``tellers demo --scenario``.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from tellers.election.manifest import Choice, Contest, Manifest
from tellers.election.roll import Member
from tellers.simulate import STATUTORY_STATEMENT, Scenario, Vote

__all__ = [
    "BRANCH_AFTER",
    "BRANCH_BEFORE",
    "BRANCH_OPENS",
    "BRANCH_SCENARIOS",
    "PLAN",
    "VOTERS",
    "WORKPLACES",
    "branch_strike",
]

BRANCH_BEFORE: Final = "branch-strike-before"
BRANCH_AFTER: Final = "branch-strike-after"
BRANCH_SCENARIOS: Final = (BRANCH_BEFORE, BRANCH_AFTER)
BRANCH_OPENS: Final = {BRANCH_BEFORE: date(2026, 2, 9), BRANCH_AFTER: date(2026, 3, 2)}
"""Each scenario's opening day: before and after 18 February 2026."""

WORKPLACES: Final = {"hospital": 160, "depot": 140}
"""Members entitled in each workplace; the hospital provides important public services."""
FLAGGED: Final = ("hospital",)
QUESTIONS: Final = (
    ("strike", "Are you prepared to take part in a strike?"),
    ("asos", "Are you prepared to take part in action short of a strike?"),
)
VOTERS: Final = {"hospital": 100, "depot": 80}
"""Members voting in each workplace: 62.5% and 57.1%, over the 50% turnout rule."""
PLAN: Final[dict[str, dict[str, tuple[int, int]]]] = {
    "hospital": {"strike": (70, 30), "asos": (58, 40)},
    "depot": {"strike": (50, 30), "asos": (35, 45)},
}
"""(Yes, No) per workplace and question; the workplace's other voters leave that question
blank (a spoilt answer, counted in the turnout)."""


def branch_strike(opens: date, name: str | None = None, seed: int = 2017) -> Scenario:
    """The branch's ballot opened at 09:00 UTC on ``opens``, three weeks long."""
    rng = random.Random(seed)
    start = datetime.combine(opens, time(9), UTC)
    contests = tuple(
        Contest(
            f"{q}-{wp}",
            f"{text} ({wp.title()})",
            "yes-no",
            (Choice("yes", "Yes"), Choice("no", "No")),
            constituencies=(wp,),
            statement=STATUTORY_STATEMENT,
        )
        for wp in WORKPLACES
        for q, text in QUESTIONS
    )
    manifest = Manifest(
        election_id=f"branch-strike-{opens.isoformat()}",
        title="Branch industrial action ballot",
        organisation="Health and Transport Workers' Union, Riverside branch",
        scrutineer="Independent Scrutineer Ltd",
        opens=start.isoformat(),
        closes=(start + timedelta(days=21, hours=3)).isoformat(),
        revote="forbidden",
        trustees=3,
        quorum=2,
        constituencies=tuple(WORKPLACES),
        contests=contests,
        kind="industrial-action",
        relevant_date=(opens - timedelta(days=14)).isoformat(),
        important_public_services=FLAGGED,
    )
    members: list[Member] = []
    votes: list[Vote] = []
    expected = {c.id: {"yes": 0, "no": 0, "blank": 0} for c in contests}
    for wp, entitled in WORKPLACES.items():
        first = len(members)
        members += [Member(f"{wp[0].upper()}{i:05d}", wp) for i in range(1, entitled + 1)]
        voters = rng.sample(range(first, first + entitled), VOTERS[wp])
        answers = {q: _answers(PLAN[wp][q], len(voters), rng) for q, _ in QUESTIONS}
        for i, member in enumerate(voters):
            selections = {}
            for q, _ in QUESTIONS:
                answer = answers[q][i]
                expected[f"{q}-{wp}"][answer] += 1
                selections[f"{q}-{wp}"] = [] if answer == "blank" else [answer]
            votes.append(Vote(member, selections))
    return Scenario(
        name or f"branch-strike-{opens.isoformat()}", manifest, members, votes, expected
    )


def _answers(yes_no: tuple[int, int], voters: int, rng: random.Random) -> list[str]:
    yes, no = yes_no
    answers = ["yes"] * yes + ["no"] * no + ["blank"] * (voters - yes - no)
    rng.shuffle(answers)
    return answers
