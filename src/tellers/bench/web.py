"""Load benchmark: members casting ballots over HTTP at the production server on PostgreSQL.

    python -m tellers.bench.web [--duration 60] [--clients 16] [--workers 2*cores+1]
        [--rate PER_SECOND] [--members N] [--http-sign-ins 200]
        [--database-url postgresql://postgres@127.0.0.1:5432/tellers_bench]
    tellers bench web             the default run, recorded in docs/performance.md
    tellers bench web-sustained   ten minutes, recorded the same way (not part of `all`)

Recreates the benchmark database, opens an election (the trustees' ceremony run
in-process, one credential per member), pre-encrypts one ballot per member with the
core and starts ``tellers serve --production`` (gunicorn, ``--workers`` synchronous
workers). ``--http-sign-ins`` members sign in over HTTP as the page does (the
challenge, signed with the code's key), timed; the others are given the very session
a sign-in makes, written straight into the session table, because signing in
ninety thousand members over HTTP would take longer than the run. Then, timed, the
members cast: ``--clients`` casts in flight at once (``tellers.bench.webclient``),
for ``--duration`` seconds or until every member has cast, each checked in full by
the server and its receipt returned only once the event is committed; with
``--rate`` the casts also keep to that many a second, latencies counted from each
cast's slot.

Prints ballots cast per second, the latencies (p50, p95, p99, max), the errors and
how busy the machine was (the benchmark's own processes against everything else on
it: the figures are only as good as the machine was quiet), then checks the board:
every receipt returned is an accepted event with that tracker and sequence number,
nothing was accepted that no receipt announced, the ``CountedBallot`` index holds
exactly the accepted ballots, and the hash chain is intact
(``store.board.check_chain``). Exit status 1 if any check fails or any cast
failed. Loopback only; the database's name must contain ``bench``.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import re
import secrets
import string
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from http.cookies import SimpleCookie
from multiprocessing import get_context
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tellers.bench import webclient, webserver
from tellers.web.production import default_workers

__all__ = [
    "LABELS",
    "LIMITS",
    "MINIMUMS",
    "BoardCheck",
    "Electorate",
    "check_board",
    "encrypt_ballots",
    "main",
    "open_election",
    "receipts_of",
    "run",
    "run_sustained",
    "sessions_for",
    "sign_in_over_http",
    "tracker_of",
]

SLUG = "loadbench"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/tellers_bench"
DEFAULT_DURATION = 60.0
SUSTAINED_DURATION = 600.0
DEFAULT_CLIENTS = 16
DEFAULT_WORKERS = default_workers()
"""As ``tellers serve --production`` starts by default: two per core, plus one."""
DEFAULT_HTTP_SIGN_INS = 200
HEADROOM = 300
"""Members prepared per second of ``--duration``: more than the site can take on 2 cores,
so that a timed run ends by the clock, not by running out of members."""

LABELS = {
    "ballots_per_s": "ballots cast per second (target at least 150)",
    "p50_ms": "latency p50 (ms)",
    "p95_ms": "latency p95 (ms)",
    "p99_ms": "latency p99 (ms)",
    "max_ms": "latency max (ms)",
    "cast": "ballots cast and receipted",
    "errors": "casts failed",
    "seconds": "seconds of casting",
    "sign_ins_per_s": "members signed in over HTTP per second",
    "workers": "gunicorn workers",
    "clients": "casts in flight",
    "idle_pct": "machine idle while casting (% of both cores)",
    "others_pct": "CPU used outside the benchmark's processes (% of one core)",
}
LIMITS = {"p99_ms": 1000.0, "errors": 0.0}
MINIMUMS = {"ballots_per_s": 150.0}


# ---- the electorate ------------------------------------------------------------------


@dataclass(frozen=True)
class Electorate:
    """An open election in the database and its members: (number, code, credential)."""

    election: Any
    voters: list[tuple[str, str, bytes]]


def open_election(members: int, slug: str = SLUG, *, using: str = "default") -> Electorate:
    """An election open for voting with ``members`` credentials (one contest of three)."""
    from datetime import UTC, datetime

    from tellers.election.conduct import opened_body
    from tellers.election.manifest import Choice, Contest, Manifest
    from tellers.election.roll import Member
    from tellers.record.v2 import manifest_to_json
    from tellers.record.v2_trustee import ceremony_to_json
    from tellers.simulate import local_authority, local_ceremony
    from tellers.web.store.board import append_event
    from tellers.web.store.context import second_factor_hash
    from tellers.web.store.models import CredentialRecord, Election

    now = datetime.now(UTC).replace(microsecond=0)
    manifest = Manifest(
        election_id=slug,
        title="Load benchmark",
        organisation="Tellers",
        scrutineer="Independent Scrutineer Ltd",
        opens=(now - timedelta(hours=1)).isoformat(),
        closes=(now + timedelta(days=1)).isoformat(),
        revote="last",
        trustees=3,
        quorum=2,
        constituencies=("all",),
        contests=(
            Contest(
                "general-secretary",
                "General Secretary",
                "plurality",
                (
                    Choice("a", "Candidate A"),
                    Choice("b", "Candidate B"),
                    Choice("c", "Candidate C"),
                ),
            ),
        ),
    )
    ceremony, _secrets = local_ceremony(manifest)
    roll = [Member(f"B{i:07d}", "all") for i in range(members)]
    issued, statement = local_authority(manifest, roll, workers=os.cpu_count() or 1)
    voters = [(one.reference, one.code, one.credential) for one in issued]
    listed = sorted((c, "all") for _, _, c in voters)
    outcome, fingerprint, body = opened_body(manifest, ceremony, listed, statement, now.isoformat())
    election = Election.objects.using(using).create(
        slug=slug,
        title=manifest.title,
        manifest=manifest_to_json(manifest),
        ceremony=ceremony_to_json(ceremony),
        election_key=outcome.joint_key.hex(),
        fingerprint=fingerprint.hex(),
        credentials_hash=body["credentials_hash"],
        authority=statement,
        status=Election.Status.OPEN,
        opens_at=datetime.fromisoformat(manifest.opens),
        closes_at=datetime.fromisoformat(manifest.closes),
        opened_at=now,
    )
    CredentialRecord.objects.using(using).bulk_create(
        (
            CredentialRecord(
                election=election,
                public_credential=c.hex(),
                constituency="all",
                factor_hash=second_factor_hash(c, number),
            )
            for number, _, c in sorted(voters, key=lambda v: v[2])
        ),
        batch_size=5000,
    )
    append_event(election, "election-opened", body, using=using)
    return Electorate(election, voters)


def _encrypt(job: tuple[dict[str, Any], str, str, str, int]) -> bytes:
    from tellers import canonical
    from tellers.ballot import encrypt_ballot
    from tellers.crypto.credentials import derive_signing_key
    from tellers.crypto.group import Point
    from tellers.record.v2 import ballot_to_json, manifest_from_json

    manifest_json, fingerprint, key, code, pick = job
    manifest = manifest_from_json(manifest_json)
    ballot, _ = encrypt_ballot(
        manifest,
        bytes.fromhex(fingerprint),
        Point.from_hex(key, "key"),
        derive_signing_key(manifest.election_id.encode(), code),
        "all",
        {"general-secretary": [("a", "b", "c")[pick % 3]]},
    )
    return canonical.dumps(ballot_to_json(ballot))


def encrypt_ballots(electorate: Electorate, codes: Iterable[str] | None = None) -> list[bytes]:
    """A ballot (canonical JSON) for each member, or for each of ``codes``, in order;
    encrypted by the core on every core of the machine."""
    e = electorate.election
    chosen = list(codes) if codes is not None else [code for _, code, _ in electorate.voters]
    jobs = [(e.manifest, e.fingerprint, e.election_key, code, i) for i, code in enumerate(chosen)]
    with get_context("forkserver").Pool(os.cpu_count() or 1) as processes:
        return processes.map(_encrypt, jobs, chunksize=64)


_KEY_CHARS = string.ascii_lowercase + string.digits


class _Session(dict[str, Any]):
    def cycle_key(self) -> None:
        pass  # a new session already has a key of its own


class _SigningIn:
    """What ``voter.signin.signed_in`` touches of a request: its session."""

    def __init__(self) -> None:
        self.session = _Session()


def sessions_for(
    electorate: Electorate, members: Sequence[int], *, using: str = "default"
) -> list[tuple[str, str]]:
    """For each of ``members`` (indices into the voters), the voting session a sign-in
    makes (``voter.signin.signed_in``), written straight into the session table; with a
    CSRF secret for its cookie: [(session key, CSRF secret)]."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from tellers.web.sessions import REFRESHED_KEY
    from tellers.web.voter.signin import signed_in

    store = SessionStore()
    expires = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    now = int(time.time())
    made, rows = [], []
    for index in members:
        request = _SigningIn()
        signed_in(request, electorate.election, electorate.voters[index][2])
        data = {**request.session, REFRESHED_KEY: now}
        session = "".join(secrets.choice(_KEY_CHARS) for _ in range(32))
        rows.append(
            Session(session_key=session, session_data=store.encode(data), expire_date=expires)
        )
        made.append((session, "".join(secrets.choice(_KEY_CHARS) for _ in range(32))))
    Session.objects.using(using).bulk_create(rows, batch_size=5000)
    return made


class _Browser:
    """A member signing in over HTTP, as the sign-in page's script does."""

    def __init__(self, port: int, slug: str) -> None:
        self.port, self.slug = port, slug
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            sent = dict(headers or {})
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie: SimpleCookie = SimpleCookie()
                cookie.load(header)
                for name, morsel in cookie.items():
                    self.cookies[name] = morsel.value
            return response.status, data
        finally:
            conn.close()

    def sign_in(self, number: str, code: str, credential: bytes) -> tuple[str, str]:
        """Sign in; the session key and the CSRF secret the site set."""
        from tellers.crypto.credentials import derive_signing_key, sign
        from tellers.web.voter.signin import sign_in_message

        status, page = self.request("GET", f"/vote/{self.slug}/")
        found = re.search(rb'data-challenge="([0-9a-f]{64})"', page)
        if status != 200 or found is None:
            raise RuntimeError(f"sign-in page: HTTP {status}")
        key = derive_signing_key(self.slug.encode(), code)
        signature = sign(key, sign_in_message(found.group(1).decode()))
        form = {
            "csrfmiddlewaretoken": self.cookies["csrftoken"],
            "credential": credential.hex(),
            "signature": signature.hex(),
            "member_number": number,
        }
        status, _ = self.request(
            "POST",
            f"/vote/{self.slug}/",
            urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status not in (200, 302) or "sessionid" not in self.cookies:
            raise RuntimeError(f"sign-in refused: HTTP {status}")
        return self.cookies["sessionid"], self.cookies["csrftoken"]


def sign_in_over_http(
    electorate: Electorate, port: int, members: Sequence[int], clients: int
) -> list[tuple[str, str]]:
    """Sign ``members`` in over HTTP, ``clients`` at a time: [(session key, CSRF secret)]."""
    slug = electorate.election.slug

    def one(index: int) -> tuple[str, str]:
        return _Browser(port, slug).sign_in(*electorate.voters[index])

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(one, members))


# ---- the checks ------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardCheck:
    """What the board holds against the receipts the members were given."""

    events: int
    """The chain's length, recomputed from the genesis (``check_chain``)."""
    accepted: int
    missing: list[str]
    """Receipts (tracker) with no accepted event of that tracker and sequence number."""
    unannounced: list[str]
    """Accepted ballots (tracker) for which no receipt was returned: casts cut off after
    their commit, before the answer reached the member."""
    index_mismatches: int
    """Credentials whose ``CountedBallot`` row is not their last accepted ballot, or rows
    with no such ballot."""


def check_board(election: Any, receipts: dict[str, int], *, using: str = "default") -> BoardCheck:
    """Check the board against ``receipts`` (tracker -> sequence number returned).

    Raises ``RecordError`` if the hash chain is broken (``check_chain``).
    """
    from tellers import canonical
    from tellers.web.store.board import check_chain
    from tellers.web.store.models import BoardEvent
    from tellers.web.voter.models import CountedBallot

    events = check_chain(election, using=using)
    accepted = (
        BoardEvent.objects.using(using)
        .filter(election_id=election.pk, type="ballot-accepted")
        .order_by("seq")
        .values_list("seq", "tracker", "body")
    )
    on_board: dict[str, int] = {}
    last: dict[str, tuple[str, int]] = {}  # credential -> its last accepted (tracker, seq)
    for seq, tracker, body in accepted.iterator(chunk_size=5000):
        on_board[tracker] = seq
        last[canonical.loads(body)["ballot"]["credential"]] = (tracker, seq)
    missing = [t for t, seq in receipts.items() if on_board.get(t) != seq]
    rows = CountedBallot.objects.using(using).filter(election_id=election.pk)
    index = {c: (t, s) for c, t, s in rows.values_list("credential", "tracker", "seq")}
    mismatches = sum(1 for c in set(index) | set(last) if index.get(c) != last.get(c))
    unannounced = sorted(set(on_board) - set(receipts))
    return BoardCheck(events, len(on_board), missing, unannounced, mismatches)


def tracker_of(raw: bytes) -> str:
    """The tracker (hex) of a ballot in its JSON form, as the member's page shows it."""
    from tellers import canonical
    from tellers.ballot import tracker
    from tellers.record.v2 import ballot_from_json

    return tracker(ballot_from_json(canonical.loads(raw))).hex()


def receipts_of(casts: Iterable[webclient.Cast]) -> dict[str, int]:
    """tracker -> seq of every cast the server answered as accepted (a receipt)."""
    import json

    found = {}
    for cast in casts:
        if cast.status == 200:
            answer = json.loads(cast.body)
            if answer.get("accepted") is True:
                found[answer["tracker"]] = int(answer["seq"])
    return found


# ---- the run -------------------------------------------------------------------------


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _busy() -> tuple[int, int]:
    """(busy, all) clock ticks of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values[:8]) - idle, sum(values[:8])


class _CpuShare:
    """How much of the machine the benchmark's own processes (this one, the server's, the
    PostgreSQL backends of its database) and everything else used over a window."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.start = self._ours()
        self.machine = _busy()
        self.clock = time.monotonic()

    def _ours(self) -> dict[int, int]:
        from django.db import connections

        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            backends = [int(row[0]) for row in cursor.fetchall()]
        pids = [os.getpid(), *webserver.processes_of(self.server_pid), *backends]
        return {pid: _ticks(pid) for pid in pids}

    def figures(self) -> dict[str, float]:
        """``others_pct``: CPU the rest of the machine used, in % of one core; ``idle_pct``:
        the machine's idle share, in % of all its cores."""
        ours = sum(t - self.start.get(pid, 0) for pid, t in self._ours().items())
        busy, total = (now - then for now, then in zip(_busy(), self.machine, strict=True))
        hz = os.sysconf("SC_CLK_TCK")
        seconds = time.monotonic() - self.clock
        return {
            "others_pct": max(0.0, (busy - ours) / hz / seconds * 100),
            "idle_pct": (1 - busy / total) * 100 if total else 0.0,
        }


def _figures(casts: list[webclient.Cast], seconds: float) -> dict[str, float]:
    ok = sorted(c.took for c in casts if c.status == 200)
    return {
        "ballots_per_s": len(ok) / seconds if seconds else 0.0,
        "p50_ms": webclient.percentile(ok, 0.50) * 1000,
        "p95_ms": webclient.percentile(ok, 0.95) * 1000,
        "p99_ms": webclient.percentile(ok, 0.99) * 1000,
        "max_ms": (ok[-1] if ok else 0.0) * 1000,
        "cast": float(len(ok)),
        "errors": float(len(casts) - len(ok)),
        "seconds": seconds,
    }


def _postgres_version(using: str = "default") -> str:
    from django.db import connections

    with connections[using].cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0]).split()[0]


def bench(args: argparse.Namespace) -> tuple[dict[str, float], bool]:
    """One run as ``args`` say; (figures, every check passed)."""
    data_dir = tempfile.mkdtemp(prefix="tellers-loadbench-")
    webserver.recreate_database(args.database_url)
    webserver.setup_django(args.database_url, data_dir)
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    members = args.members or max(1, math.ceil(args.duration * HEADROOM))
    clock = time.perf_counter()
    electorate = open_election(members)
    print(f"election opened with {members} credentials in {time.perf_counter() - clock:.1f} s")
    clock = time.perf_counter()
    ballots = encrypt_ballots(electorate)
    print(f"pre-encrypted {len(ballots)} ballots in {time.perf_counter() - clock:.1f} s")
    http_sign_ins = min(args.http_sign_ins, members)
    sessions = sessions_for(electorate, range(http_sign_ins, members))
    connections.close_all()

    port = webserver.free_port()
    server = webserver.start(port, args.database_url, data_dir, workers=args.workers)
    figures: dict[str, float] = {"workers": float(args.workers), "clients": float(args.clients)}
    try:
        clock = time.perf_counter()
        signed = sign_in_over_http(electorate, port, range(http_sign_ins), args.clients)
        took = time.perf_counter() - clock
        if signed:
            figures["sign_ins_per_s"] = len(signed) / took
            rate = len(signed) / took
            print(f"signed {len(signed)} members in over HTTP in {took:.1f} s ({rate:.0f}/s)")
        requests = [
            webclient.cast_request(SLUG, session, csrf, ballot)
            for (session, csrf), ballot in zip(signed + sessions, ballots, strict=True)
        ]
        del ballots
        share = _CpuShare(server.process.pid)
        clock = time.perf_counter()
        casts = webclient.run(
            port, requests, clients=args.clients, duration=args.duration, rate=args.rate
        )
        seconds = time.perf_counter() - clock
        figures.update(share.figures())
    finally:
        webserver.stop(server)

    figures = {**_figures(casts, seconds), **figures}
    print(
        f"cast {figures['cast']:.0f} ballots in {seconds:.1f} s: {figures['ballots_per_s']:.1f} "
        f"ballots/s ({args.clients} in flight, {args.workers} gunicorn workers; latency "
        f"p50 {figures['p50_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms, "
        f"p99 {figures['p99_ms']:.0f} ms, max {figures['max_ms']:.0f} ms; "
        f"{figures['errors']:.0f} failed); the machine {figures['idle_pct']:.0f}% idle, "
        f"other processes using {figures['others_pct']:.0f}% of a core"
    )
    for cast in [c for c in casts if c.status != 200][:10]:
        print(f"FAILED member {cast.index}: HTTP {cast.status} {cast.error} {cast.body[:200]!r}")
    receipts = receipts_of(casts)
    check = check_board(electorate.election, receipts)
    print(
        f"board: {check.events} events, hash chain intact; {check.accepted} accepted, "
        f"{len(receipts)} receipts, {len(check.missing)} receipts missing from the board, "
        f"{len(check.unannounced)} accepted without a receipt, "
        f"{check.index_mismatches} counted-ballot index mismatches"
    )
    ok = (
        not check.missing
        and not check.unannounced
        and not check.index_mismatches
        and figures["errors"] == 0
        and check.accepted == figures["cast"]
    )
    return figures, ok


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tellers.bench.web",
        description=(__doc__ or "").split("\n")[0],
    )
    parser.add_argument(
        "--duration", type=float, default=DEFAULT_DURATION, help="seconds of casting"
    )
    parser.add_argument(
        "--members", type=int, help=f"members (default: {HEADROOM} per second of --duration)"
    )
    parser.add_argument("--clients", type=int, default=DEFAULT_CLIENTS, help="casts in flight")
    parser.add_argument("--rate", type=float, help="casts started per second (default: no pace)")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="gunicorn workers")
    parser.add_argument(
        "--http-sign-ins",
        type=int,
        default=DEFAULT_HTTP_SIGN_INS,
        help="members who sign in over HTTP first (timed); the rest are given sessions",
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("TELLERS_BENCH_DATABASE_URL", DEFAULT_URL)
    )
    return parser


def run(argv: Sequence[str] = ()) -> dict[str, float]:
    """``tellers bench web``: the default run's figures (raises if a check fails)."""
    figures, ok = bench(_parser().parse_args(list(argv)))
    if not ok:
        raise RuntimeError("the web benchmark's checks failed (see above)")
    return figures


def run_sustained() -> dict[str, float]:
    """``tellers bench web-sustained``: ten minutes of casting."""
    return run(["--duration", str(SUSTAINED_DURATION)])


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.members is not None and not 1 <= args.members <= 1_000_000:
        parser.error("--members: expected 1 to 1000000")
    return 0 if bench(args)[1] else 1


if __name__ == "__main__":
    raise SystemExit(main())
