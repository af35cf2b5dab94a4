"""The hash-chained board in the database, on SQLite and on PostgreSQL.

Events are the core's lines (``tellers.board.event_line`` / ``event_hash``),
appends chain correctly, a refused append leaves the board unchanged,
tampering is detected, (election, seq) is unique, and 200 concurrent
appends on PostgreSQL lose nothing, duplicate nothing and keep the chain.
"""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connections, transaction
from webtesting import postgres_param

from tellers import canonical
from tellers.board import GENESIS, event_hash, event_line
from tellers.errors import BallotRejected, RecordError
from tellers.web.store.board import GENESIS_HASH, append_event, check_chain, line_of
from tellers.web.store.models import BoardEvent, BoardHead, Election

__all__: list[str] = []

DATABASES = ["default", "pg"]
ALIASES = [pytest.param("default", id="sqlite"), postgres_param()]


def _election(using: str, slug: str = "board-test") -> Election:
    return Election.objects.using(using).create(slug=slug, title="Board test", status="open")


@pytest.mark.django_db(databases=DATABASES)
@pytest.mark.parametrize("using", ALIASES)
def test_appends_chain(using: str) -> None:
    election = _election(using)
    events = [append_event(election, "ballot", {"n": i}, using=using) for i in range(5)]
    assert [e.seq for e in events] == [0, 1, 2, 3, 4]
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    line = event_line(2, bytes.fromhex(events[1].hash), "ballot", {"n": 2})
    assert line_of(events[2]) == line
    assert events[2].hash == event_hash(line).hex()
    assert events[0].prev_hash == GENESIS.hex()
    assert check_chain(election, using=using) == 5
    head = BoardHead.objects.using(using).get(election=election)
    assert (head.length, head.head_hash) == (5, events[-1].hash)


@pytest.mark.django_db(databases=DATABASES)
@pytest.mark.parametrize("using", ALIASES)
def test_stored_lines_are_the_core_lines(using: str) -> None:
    election = _election(using)
    bodies = [{"name": "Siân Ó Súilleabháin ✓", "quote": 'a "b" \\ c', "n": [1, None, True]}, {}]
    prev = GENESIS
    for seq, body in enumerate(bodies):
        event = append_event(election, "note", body, using=using)
        line = event_line(seq, prev, "note", body)
        assert line_of(event) == line
        assert canonical.loads(line)["body"] == body
        prev = event_hash(line)
        assert event.hash == prev.hex()


@pytest.mark.django_db(databases=DATABASES)
@pytest.mark.parametrize("using", ALIASES)
def test_refused_append_leaves_board_unchanged(using: str) -> None:
    election = _election(using)
    append_event(election, "opened", {}, using=using)

    def closed(_: Election) -> None:
        raise BallotRejected("closed", "the election is closed")

    with pytest.raises(BallotRejected):
        append_event(election, "ballot", {"n": 1}, precondition=closed, using=using)
    assert BoardEvent.objects.using(using).filter(election=election).count() == 1
    assert check_chain(election, using=using) == 1


@pytest.mark.django_db(databases=DATABASES)
@pytest.mark.parametrize("using", ALIASES)
def test_tampering_is_detected(using: str) -> None:
    election = _election(using)
    for i in range(3):
        append_event(election, "ballot", {"n": i}, using=using)
    BoardEvent.objects.using(using).filter(election=election, seq=1).update(body='{"n":9}')
    with pytest.raises(RecordError, match=r"board:2: hash does not match"):
        check_chain(election, using=using)


@pytest.mark.django_db(databases=DATABASES)
@pytest.mark.parametrize("using", ALIASES)
def test_sequence_numbers_are_unique(using: str) -> None:
    election = _election(using)
    first = append_event(election, "ballot", {}, using=using)
    with pytest.raises(IntegrityError), transaction.atomic(using=using):
        BoardEvent.objects.using(using).create(
            election=election, seq=0, prev_hash=GENESIS_HASH, type="x", body="{}", hash=first.hash
        )


CONCURRENT = 200


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("using", [postgres_param()])
def test_concurrent_appends_lose_and_duplicate_nothing(using: str) -> None:
    election = _election(using, "concurrent")
    start = threading.Barrier(16)

    def cast(i: int) -> int:
        try:
            if i < 16:
                start.wait()  # the first wave starts together, to contend for the lock
            return int(append_event(election, "ballot", {"n": i}, using=using).seq)
        finally:
            connections[using].close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        seqs = list(pool.map(cast, range(CONCURRENT)))
    assert sorted(seqs) == list(range(CONCURRENT))
    rows = BoardEvent.objects.using(using).filter(election=election)
    bodies = sorted(
        int(b.removeprefix('{"n":').rstrip("}")) for b in rows.values_list("body", flat=True)
    )
    assert bodies == list(range(CONCURRENT))
    assert check_chain(election, using=using) == CONCURRENT
