"""A ranked contest's declared result from its decrypted rows (ranked.md §6; record.md §7).

The rows are counted by ``tellers.counting`` under the contest's method for its seats,
the candidates named by their manifest names (by their ids where two names are the same),
ties the rule leaves open decided by the contest's ``tie_order`` where the manifest gives
one, else drawn by lot with the seed ``u64`` of the election fingerprint's first 8 bytes
(``TiePolicy``: anyone can repeat the draw). The result's ``counts`` are the
papers whose first usable preference is each choice, ``blank`` the papers with none (an
empty row, or one whose first mark the rule voids), ``count`` the whole count, stage by
stage, as ``Result.to_json`` gives it, and ``sheet`` the stage-by-stage sheet
``tellers count`` prints for the same rankings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from tellers.counting import Ballot, Rules, TiePolicy, default_ballot_options, format_result
from tellers.counting.ballots import preferences
from tellers.election.manifest import Contest
from tellers.ranked.count import count_rows
from tellers.ranked.ranking import ranks_of
from tellers.tally import ContestResult

__all__ = ["candidate_labels", "ranked_result", "tie_policy", "tie_seed"]


def candidate_labels(contest: Contest) -> tuple[str, ...]:
    """The names the count gives the candidates: their names, or their ids if two share one."""
    names = tuple(c.name for c in contest.choices)
    return names if len(set(names)) == len(names) else tuple(c.id for c in contest.choices)


def tie_seed(fingerprint: bytes) -> int:
    return int.from_bytes(fingerprint[:8], "big")


def tie_policy(contest: Contest, fingerprint: bytes) -> TiePolicy:
    """How the count decides a tie its rule leaves open: by the manifest's ``tie_order``
    (its candidates' labels, most favoured first, as ``tellers count --tie-order`` takes
    them), else by lot seeded from the fingerprint."""
    if contest.tie_order is None:
        return TiePolicy(seed=tie_seed(fingerprint))
    label = dict(zip((c.id for c in contest.choices), candidate_labels(contest), strict=True))
    return TiePolicy(order=tuple(label[i] for i in contest.tie_order))


def ranked_result(
    contest: Contest,
    rows: Sequence[Sequence[int | None]],
    electorate: int,
    fingerprint: bytes,
) -> ContestResult:
    """The contest's result from its decrypted ``rows``; ``CountingError`` if the rule cannot
    count them."""
    labels = candidate_labels(contest)
    method = contest.method
    assert contest.ranked, contest.id
    rules = Rules(method=method, seats=contest.seats, ties=tie_policy(contest, fingerprint))  # type: ignore[arg-type]
    options = default_ballot_options(rules.method)
    first: Counter[int] = Counter()
    invalid = 0
    for row in rows:
        order = preferences(Ballot(ranks_of(row)), options)
        if order:
            first[order[0]] += 1
        else:
            invalid += 1
    result = count_rows(labels, rows, rules, seats=contest.seats, title=contest.title)
    by_label = {label: choice.id for label, choice in zip(labels, contest.choices, strict=True)}
    return ContestResult(
        contest.id,
        {c.id: first[i] for i, c in enumerate(contest.choices)},
        invalid,
        len(rows),
        electorate,
        tuple(by_label[w] for w in result.winners),
        (),
        (),
        count=result.to_json(),
        sheet=format_result(result, contest.title),
    )
