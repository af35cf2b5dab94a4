"""Members re-voting while others vote, all at once, on PostgreSQL (issue 5).

Every ballot is accepted exactly once, in one unbroken sequence; each
member's second ballot supersedes its first and is the one counted
(``CountedBallot``), and the hash chain is intact. Guards whatever
serialises casting (the head lock today, a batching scheme tomorrow):
re-votes are where an in-memory view of the board could go stale.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from voter_fixtures import build_open_election, make_ballot
from webtesting import postgres_param

from tellers.web.store import board
from tellers.web.voter.models import CountedBallot

__all__: list[str] = []

DATABASES = ["default", "pg"]
MEMBERS = 60


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("using", [postgres_param()])
def test_concurrent_revotes_count_each_members_last_ballot(using: str) -> None:
    built = build_open_election("revotes-concurrent", members=MEMBERS, using=using)
    e = built.election
    pairs = [(make_ballot(built, v)[0], make_ballot(built, v)[0]) for v in built.voters]
    start = threading.Barrier(16)

    def member(i: int) -> list[tuple[int, str | None, str | None]]:
        try:
            if i < 16:
                start.wait()
            out = []
            for raw in pairs[i]:
                got = board.cast(e, raw, using=using)
                assert got.accepted
                out.append((got.seq, got.tracker, got.supersedes))
            return out
        finally:
            connections[using].close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(member, range(MEMBERS)))
    seqs = sorted(seq for casts in results for seq, _, _ in casts)
    assert seqs == list(range(1, 2 * MEMBERS + 1))
    counted = set(
        CountedBallot.objects.using(using).filter(election=e).values_list("tracker", "seq")
    )
    assert len(counted) == MEMBERS
    for (seq1, tracker1, sup1), (seq2, tracker2, sup2) in results:
        assert seq1 < seq2 and sup1 is None and sup2 == tracker1
        assert (tracker2, seq2) in counted
    assert board.check_chain(e, using=using) == 2 * MEMBERS + 1
