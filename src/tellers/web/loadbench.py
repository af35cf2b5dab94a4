"""Load benchmark: members casting ballots over HTTP against a real server on PostgreSQL.

    python -m tellers.web.loadbench [--ballots 1000] [--clients 16] [--workers 4*cores]
        [--threads 1]
        [--database-url postgresql://postgres@127.0.0.1:5432/tellers_bench] [--time-limit 300]

Recreates the benchmark database, migrates it, opens an election (the
trustees' ceremony run in-process, one credential per member), starts the
site as ``--workers`` server processes sharing one loopback port
(``SO_REUSEPORT``, each a ``wsgiref`` server with ``--threads`` request
threads, one by default: see ``loadserver.THREADS``), pre-encrypts every
ballot with the core, signs each member in over HTTP (the sign-in page's
challenge, signed as the browser does), and then — the timed part — posts
the ballots from ``--clients`` client threads, each to ``/vote/<slug>/cast/``
with its session and CSRF token. Prints ballots cast per second and the
latencies, then checks that every ballot was accepted exactly once and that
the board's hash chain is intact (``store.board.check_chain``).

Bounded in count (``--ballots``) and in time (``--time-limit``); loopback only.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from multiprocessing import Pool
from typing import Any
from urllib.parse import urlencode

from tellers.web import loadserver

__all__ = ["main"]

SLUG = "loadbench"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/tellers_bench"


def _open_election(members: int) -> tuple[Any, list[tuple[str, str, bytes]]]:
    """An open election in the database; (election, [(member number, code, credential)])."""
    from datetime import UTC, datetime, timedelta

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
        election_id=SLUG,
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
    issued, statement = local_authority(manifest, roll)
    voters = [(one.reference, one.code, one.credential) for one in issued]
    listed = sorted((c, "all") for _, _, c in voters)
    outcome, fingerprint, body = opened_body(manifest, ceremony, listed, statement, now.isoformat())
    election = Election.objects.create(
        slug=SLUG,
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
    CredentialRecord.objects.bulk_create(
        [
            CredentialRecord(
                election=election,
                public_credential=c.hex(),
                constituency="all",
                factor_hash=second_factor_hash(c, number),
            )
            for number, _, c in sorted(voters, key=lambda v: v[2])
        ]
    )
    append_event(election, "election-opened", body)
    return election, voters


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


# ---- the clients --------------------------------------------------------------------


class _Member:
    """One member's HTTP session: cookies, CSRF token."""

    def __init__(self, port: int) -> None:
        self.port = port
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

    def sign_in(self, number: str, code: str, credential: bytes) -> None:
        from tellers.crypto.credentials import derive_signing_key, sign
        from tellers.web.voter.signin import sign_in_message

        status, page = self.request("GET", f"/vote/{SLUG}/")
        found = re.search(rb'data-challenge="([0-9a-f]{64})"', page)
        if status != 200 or found is None:
            raise RuntimeError(f"sign-in page: HTTP {status}")
        signature = sign(
            derive_signing_key(SLUG.encode(), code), sign_in_message(found.group(1).decode())
        )
        form = urlencode(
            {
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
                "credential": credential.hex(),
                "signature": signature.hex(),
                "member_number": number,
            }
        ).encode()
        status, _ = self.request(
            "POST",
            f"/vote/{SLUG}/",
            form,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302:
            raise RuntimeError(f"sign-in refused: HTTP {status}")

    def cast(self, raw: bytes) -> tuple[int, bytes]:
        return self.request(
            "POST",
            f"/vote/{SLUG}/cast/",
            raw,
            {"Content-Type": "application/json", "X-CSRFToken": self.cookies["csrftoken"]},
        )


def run(args: argparse.Namespace) -> int:
    data_dir = tempfile.mkdtemp(prefix="tellers-loadbench-")
    loadserver.recreate_database(args.database_url)
    loadserver.setup_django(args.database_url, data_dir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tellers.web.store.board import check_chain
    from tellers.web.store.models import BoardEvent

    deadline = time.monotonic() + args.time_limit
    clock = time.perf_counter()
    election, voters = _open_election(args.ballots)
    print(f"election opened with {len(voters)} credentials in {time.perf_counter() - clock:.1f} s")

    clock = time.perf_counter()
    jobs = [
        (election.manifest, election.fingerprint, election.election_key, code, i)
        for i, (_, code, _) in enumerate(voters)
    ]
    with Pool(os.cpu_count() or 1) as processes:
        ballots = processes.map(_encrypt, jobs, chunksize=32)
    print(f"pre-encrypted {len(ballots)} ballots in {time.perf_counter() - clock:.1f} s")

    port = loadserver.free_port()
    servers = loadserver.start(
        args.workers, port, args.database_url, data_dir, args.threads, args.persistent_connections
    )
    try:
        members = [_Member(port) for _ in voters]
        clock = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(lambda mv: mv[0].sign_in(*mv[1]), zip(members, voters, strict=True)))
        signed = time.perf_counter() - clock
        print(
            f"signed {len(members)} members in over HTTP in {signed:.1f} s "
            f"({len(members) / signed:.0f}/s)"
        )

        latencies: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()

        def cast(i: int) -> None:
            if time.monotonic() > deadline:
                with lock:
                    failures.append(f"ballot {i}: time limit reached")
                return
            start = time.perf_counter()
            status, body = members[i].cast(ballots[i])
            took = time.perf_counter() - start
            with lock:
                latencies.append(took)
                if status != 200 or b'"accepted": true' not in body:
                    failures.append(f"ballot {i}: HTTP {status} {body[:200]!r}")

        clock = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(cast, range(len(ballots))))
        elapsed = time.perf_counter() - clock
    finally:
        loadserver.stop(servers)

    rate = len(latencies) / elapsed if elapsed else 0.0
    latencies.sort()
    p50 = statistics.median(latencies) * 1000 if latencies else 0.0
    p95 = latencies[int(0.95 * (len(latencies) - 1))] * 1000 if latencies else 0.0
    print(
        f"cast {len(latencies)} ballots in {elapsed:.2f} s: {rate:.0f} ballots/s "
        f"({args.clients} clients, {args.workers} server processes; "
        f"latency p50 {p50:.0f} ms, p95 {p95:.0f} ms)"
    )
    accepted = BoardEvent.objects.filter(election=election, type="ballot-accepted").count()
    length = check_chain(election)
    print(f"board: {accepted} accepted, {length} events, hash chain intact")
    ok = not failures and accepted == len(ballots) and length == len(ballots) + 1
    for line in failures[:10]:
        print("FAILED", line)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tellers.web.loadbench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--ballots", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4 * (os.cpu_count() or 1))
    parser.add_argument(
        "--threads", type=int, default=loadserver.THREADS, help="request threads per server process"
    )
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument(
        "--database-url", default=os.environ.get("TELLERS_BENCH_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument(
        "--persistent-connections",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep each server thread's database connection open (CONN_MAX_AGE); default on",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.ballots <= 1_000_000:
        parser.error("--ballots: expected 1 to 1000000")
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
