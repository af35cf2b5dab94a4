"""Faults while members cast, for real: the server killed, the database restarted.

The site runs as ``tellers serve --production`` (gunicorn, three workers) on
PostgreSQL, started by ``tellers.bench.webserver``; members cast pre-encrypted
ballots from eight client connections at once (``tellers.bench.webclient``), each
in a signed-in session of its own.

- Killed: every server process (arbiter and workers) is frozen with SIGSTOP until one
  worker is caught inside the board's transaction (its database backend ``idle in
  transaction``, holding the head lock between its two messages), then all are
  killed with SIGKILL. Every receipt returned is an accepted event with its tracker
  and sequence number, the hash chain and the head agree, the counted-ballot index
  agrees with the board, nothing was accepted but the casts cut off in flight, and
  after a restart each of those, sent again, proves to have been either recorded
  whole (a replay, or the session already ended) or not at all (accepted now).
- Restarted: the site runs on a PostgreSQL server of the test's own
  (``private_postgres``), stopped with ``pg_ctl stop -m immediate`` (a crash) while
  casting and started again: meanwhile every cast is answered 503 with the JSON
  "try again" message and a page is a plain 503 page, never a 500 or a traceback;
  afterwards casts succeed on the same web server; every receipt survived the crash,
  no ballot answered "nothing was cast" is on the board, and those members' ballots,
  sent again, are accepted.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from private_postgres import binaries, private_postgres
from processes import free_port, request
from web_test_settings import POSTGRES_PROBLEM, POSTGRES_URL, REQUIRE_POSTGRES

from tellers.bench import webclient, webserver
from tellers.bench.web import (
    Electorate,
    check_board,
    encrypt_ballots,
    open_election,
    receipts_of,
    sessions_for,
    tracker_of,
)
from tellers.web.dburl import database_from_url

__all__: list[str] = []

SLUG = "faults"
MEMBERS = 300
CLIENTS = 8
WORKERS = 3
RETRY = "The ballot box is not answering; nothing was cast. Try again in a minute."


def _needs_postgres() -> None:
    if POSTGRES_PROBLEM is not None:
        why = f"no PostgreSQL at {POSTGRES_URL}: {POSTGRES_PROBLEM}"
        pytest.fail(why) if REQUIRE_POSTGRES else pytest.skip(why)


@contextmanager
def _alias(url: str) -> Iterator[str]:
    """The database at ``url`` as a Django connection of its own in this process."""
    from django.db import connections

    alias = f"faults_{secrets.token_hex(4)}"
    given = {"default": dict(connections.settings["default"]), alias: database_from_url(url)}
    connections.settings[alias] = connections.configure_settings(given)[alias]
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


def _sql(alias: str, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute(statement, params)
        return list(cursor.fetchall()) if cursor.description else []


@dataclass
class Site:
    """The served election: its database, the server, the members' requests."""

    url: str
    alias: str
    data_dir: Path
    server: webserver.Server
    electorate: Electorate
    requests: list[bytes]
    trackers: list[str]

    def restart(self) -> None:
        self.server = webserver.start(free_port(), self.url, str(self.data_dir), workers=WORKERS)

    def cast(self, indices: list[int], **options: Any) -> list[webclient.Cast]:
        chosen = [self.requests[i] for i in indices]
        done = webclient.run(self.server.port, chosen, clients=CLIENTS, **options)
        return [webclient.Cast(indices[c.index], *_rest(c)) for c in done]

    def check(self, receipts: dict[str, int]) -> Any:
        from tellers.web.store.models import Election

        election = Election.objects.using(self.alias).get(pk=self.electorate.election.pk)
        return check_board(election, receipts, using=self.alias)


def _rest(cast: webclient.Cast) -> tuple[int, bytes, float, float, str]:
    return cast.status, cast.body, cast.at, cast.took, cast.error


@contextmanager
def _site(stack: ExitStack, url: str, tmp_path: Path) -> Iterator[Site]:
    alias = stack.enter_context(_alias(url))
    server = webserver.start(free_port(), url, str(tmp_path), workers=WORKERS)  # migrates
    site = Site(url, alias, tmp_path, server, open_election(MEMBERS, SLUG, using=alias), [], [])
    try:
        ballots = encrypt_ballots(site.electorate)
        sessions = sessions_for(site.electorate, range(MEMBERS), using=alias)
        site.requests = [
            webclient.cast_request(SLUG, key, csrf, ballot)
            for (key, csrf), ballot in zip(sessions, ballots, strict=True)
        ]
        site.trackers = [tracker_of(ballot) for ballot in ballots]
        yield site
    finally:
        webserver.stop(site.server)


def _in_background(
    site: Site, indices: list[int], stop: threading.Event, **options: Any
) -> tuple[threading.Thread, list[webclient.Cast]]:
    done: list[webclient.Cast] = []

    def run() -> None:
        chosen = [site.requests[i] for i in indices]
        webclient.run(
            site.server.port, chosen, clients=CLIENTS, stop=stop.is_set, done=done, **options
        )

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, done


def _until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.01)


def _answer(cast: webclient.Cast) -> dict[str, Any]:
    value = json.loads(cast.body)
    assert isinstance(value, dict), cast
    return value


# ---- the server killed ------------------------------------------------------------------


def _signal(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, sig)


def _freeze_inside_a_transaction(site: Site) -> list[int]:
    """SIGSTOP every server process, again and again, until a worker is caught between
    the board's two messages (its backend idle in a transaction); their pids."""
    for _ in range(500):
        pids = webserver.processes_of(site.server.process.pid)
        _signal(pids, signal.SIGSTOP)
        time.sleep(0.01)  # let the backends finish what they were doing
        caught = _sql(
            site.alias,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'idle in transaction' AND pid <> pg_backend_pid()",
        )[0][0]
        if caught:
            return pids
        _signal(pids, signal.SIGCONT)
        time.sleep(0.005)
    raise AssertionError("never caught a worker inside the board's transaction")


def _fresh_database(stack: ExitStack) -> str:
    import psycopg

    name = f"tellers_faults_{secrets.token_hex(4)}"
    admin = urlunsplit(urlsplit(POSTGRES_URL)._replace(path="/postgres"))

    def execute(statement: str) -> None:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)

    execute(f'CREATE DATABASE "{name}"')
    stack.callback(execute, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{name}"))


def test_sigkill_of_every_server_process_loses_no_receipted_ballot(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    _needs_postgres()
    with ExitStack() as stack, django_db_blocker.unblock():
        site = stack.enter_context(_site(stack, _fresh_database(stack), tmp_path))
        first = list(range(MEMBERS - 60))
        stop = threading.Event()
        thread, done = _in_background(site, first, stop, timeout=10)
        _until(lambda: sum(c.status == 200 for c in done) >= 80, 120, "80 ballots cast")

        frozen = _freeze_inside_a_transaction(site)
        stop.set()
        killed = webserver.kill(site.server)
        assert set(frozen) <= set(killed) and len(killed) >= 1 + WORKERS
        assert not any(Path(f"/proc/{pid}").exists() and _running(pid) for pid in killed)
        thread.join(60)
        assert not thread.is_alive()

        # The database ends every transaction the dead workers left open.
        _until(
            lambda: (
                not _sql(
                    site.alias,
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()",
                )
            ),
            30,
            "the dead server's connections closed",
        )
        receipted = [c for c in done if c.status == 200]
        cut_off = [c for c in done if c.status != 200]
        assert all(_answer(c)["accepted"] for c in receipted)
        assert all(c.status == 0 for c in cut_off), [c for c in cut_off if c.status][:3]
        receipts = receipts_of(done)
        check = site.check(receipts)
        assert check.missing == []  # every receipt returned is on the board, as returned
        assert check.index_mismatches == 0
        cut_off_trackers = {site.trackers[c.index] for c in cut_off}
        assert set(check.unannounced) <= cut_off_trackers  # accepted unseen: only in flight
        assert check.events == 1 + check.accepted  # head and chain agree (check_chain)

        # Restarted, the members cut off send the same ballot again; the rest cast anew.
        site.restart()
        on_board = set(receipts) | set(check.unannounced)
        again = site.cast([c.index for c in cut_off])
        for cast in again:
            if site.trackers[cast.index] in on_board:  # recorded whole before the kill
                assert cast.status in (403, 422), cast
                if cast.status == 422:
                    assert _answer(cast)["reason"] == "replay"
            else:  # not recorded at all: taken now
                assert cast.status == 200 and _answer(cast)["accepted"], cast
        sent = {c.index for c in done}
        rest = site.cast([i for i in range(MEMBERS) if i not in sent])
        assert rest and all(c.status == 200 for c in rest)

        final = site.check(receipts | receipts_of(again) | receipts_of(rest))
        assert final.missing == [] and final.index_mismatches == 0
        assert final.accepted == MEMBERS  # every member's ballot, exactly once
        replays = sum(c.status == 422 for c in again)
        assert final.events == 1 + MEMBERS + replays


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# ---- PostgreSQL restarted ----------------------------------------------------------------


def test_a_database_restart_while_casting_fails_cleanly_and_recovers(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    if binaries() is None:
        why = "no PostgreSQL binaries (initdb, pg_ctl) under /usr/lib/postgresql"
        pytest.fail(why) if REQUIRE_POSTGRES else pytest.skip(why)
    with ExitStack() as stack, django_db_blocker.unblock():
        pg = stack.enter_context(private_postgres())
        import psycopg

        with psycopg.connect(pg.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE faults")
        site = stack.enter_context(_site(stack, pg.url("faults"), tmp_path))
        stop = threading.Event()
        # 30 casts a second: the members left after the crash must outlast the restart
        # (casts during it are answered 503 and used up), with 50 to spare for recovery;
        # at 60 a second a restart of 3 s on a loaded machine left too few.
        thread, done = _in_background(site, list(range(MEMBERS)), stop, rate=30, timeout=20)
        _until(lambda: sum(c.status == 200 for c in done) >= 60, 120, "60 ballots cast")

        pg.stop("immediate")  # a crash: what was committed must come back from the WAL
        down = time.perf_counter()
        _until(
            lambda: sum(c.status == 503 and c.at > down for c in done) >= 20,
            30,
            "casts answered while the database is down",
        )
        page = request(site.server.port, f"/vote/{SLUG}/", host="127.0.0.1")
        pg.start()
        up = time.perf_counter()
        _until(lambda: sum(c.status == 200 and c.at > up for c in done) >= 50, 60, "recovered")
        stop.set()
        thread.join(60)
        from django.db import connections

        connections[site.alias].close()  # this process's connection died with the server

        assert page.status == 503 and page.header("Retry-After") == "60"
        assert "Not answering for a moment" in page.text and "Traceback" not in page.text
        assert {c.status for c in done} <= {200, 503}, {c.status for c in done}
        refused = [c for c in done if c.status == 503]
        for cast in refused:
            answer = _answer(cast)
            assert answer["reason"] in ("unavailable", "outcome-unknown"), answer
            if answer["reason"] == "unavailable":
                assert answer["message"] == RETRY
        receipts = receipts_of(done)
        check = site.check(receipts)
        assert check.missing == []  # every receipt survived the crash
        assert check.index_mismatches == 0 and check.events == 1 + check.accepted
        unseen = set(check.unannounced)
        nothing_cast = [c for c in refused if _answer(c)["reason"] == "unavailable"]
        assert not unseen & {site.trackers[c.index] for c in nothing_cast}
        assert unseen <= {site.trackers[c.index] for c in refused}

        again = site.cast([c.index for c in refused])  # the same ballots, on the same server
        for cast in again:
            if site.trackers[cast.index] in unseen:
                assert cast.status in (403, 422), cast
            else:
                assert cast.status == 200 and _answer(cast)["accepted"], cast
        final = site.check(receipts | receipts_of(again))
        assert final.missing == [] and final.index_mismatches == 0
        assert final.accepted == len(receipts) + len(unseen) + sum(c.status == 200 for c in again)
