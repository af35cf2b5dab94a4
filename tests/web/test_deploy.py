"""The production mode end to end, set up as docs/deploy.md says: real nginx, real PostgreSQL.

``tellers serve --production`` (gunicorn, two sync workers) on a fresh PostgreSQL
database, behind Debian's nginx running ``deploy/nginx-tellers.conf`` itself (filled
in as the doc's envsubst would), with TLS under a certificate made here by openssl,
``TELLERS_HTTPS=1`` and ``TELLERS_TRUSTED_PROXIES=127.0.0.1``. Members and attackers
are raw HTTPS clients on loopback addresses of their own (127.0.0.2, .3, ...).
Checked: secure cookies, HSTS, HTTP to HTTPS with no loop, hashed static files with
long cache headers, the real client address reaching the sign-in limit (and a forged
one not), 50 half-sent requests held open while the site answers, expired sessions
cleared by the server itself, and the backup script's dump restored into a scratch
database.
"""

from __future__ import annotations

import csv
import gzip
import os
import re
import secrets
import socket
import ssl
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from processes import Browserless, environment_without, free_port, request, running
from web_test_settings import POSTGRES_PROBLEM, POSTGRES_URL, REQUIRE_POSTGRES

from tellers.crypto.credentials import derive_signing_key, generate_code, public_credential, sign
from tellers.web.dburl import database_from_url
from tellers.web.voter.signin import sign_in_message

__all__: list[str] = []

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "deploy" / "nginx-tellers.conf"
BACKUP = REPO / "deploy" / "tellers-backup"
NGINX = Path(os.environ.get("TELLERS_NGINX", "/usr/sbin/nginx"))
CI = os.environ.get("CI") == "true"
ELECTION_ID = b"demo"
# The names docs/deploy.md fills in with envsubst, and nothing else.
TEMPLATE_NAMES = (
    "TELLERS_DOMAIN", "TELLERS_SITE_URL", "TELLERS_HTTP_LISTEN", "TELLERS_HTTPS_LISTEN",
    "TELLERS_CERT", "TELLERS_CERT_KEY", "TELLERS_UPSTREAM",
)  # fmt: skip

PREPARE_DEMO = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from tellers.web.demo import prepare_demo
prepare_demo("https://localhost")
"""


def _unavailable(why: str, *, required: bool) -> None:
    if required:
        pytest.fail(why)
    pytest.skip(why)


def _connect(url: str) -> Any:
    import psycopg

    entry = database_from_url(url)
    return psycopg.connect(
        dbname=entry["NAME"],
        user=entry["USER"] or None,
        password=entry["PASSWORD"] or None,
        host=entry["HOST"] or None,
        port=entry["PORT"] or None,
        autocommit=True,
    )


def _sql(url: str, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with _connect(url) as conn:
        cursor = conn.execute(statement, params or None)
        return list(cursor.fetchall()) if cursor.description else []


def _database_url(name: str) -> str:
    return urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{name}"))


def _admin_url() -> str:
    return _database_url("postgres")


def _fresh_database(stack: ExitStack, name: str) -> str:
    _sql(_admin_url(), f'CREATE DATABASE "{name}"')
    stack.callback(_sql, _admin_url(), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return _database_url(name)


def render_site(values: dict[str, str]) -> str:
    """``deploy/nginx-tellers.conf`` filled in as ``envsubst`` with the doc's names does."""
    text = TEMPLATE.read_text()
    for name in TEMPLATE_NAMES:
        text = text.replace("${" + name + "}", values[name])
    left = re.findall(r"\$\{[A-Z_]+\}", text)
    assert not left, f"the template names {left}, which docs/deploy.md does not fill in"
    return text


def _nginx_conf(prefix: Path, site: Path) -> str:
    """The main nginx.conf around the site file: Debian's own, less its system paths."""
    user = "user root root;" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy",
                                                             "fastcgi", "uwsgi", "scgi")
    )  # fmt: skip
    return f"""
{user}
daemon off;
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
{temp}
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    include {site};
}}
"""


def _certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class Site:
    https: int
    http: int
    server: int
    tls: ssl.SSLContext
    database_url: str
    data_dir: Path
    env: dict[str, str]
    members: list[dict[str, str]]
    tmp: Path

    def client(self, source: str) -> Browserless:
        return Browserless(port=self.https, tls=self.tls, source=source)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not NGINX.exists():
        _unavailable(f"no nginx at {NGINX}: scripts/setup-test-env installs Debian's",
                     required=CI)  # fmt: skip
    if POSTGRES_PROBLEM is not None:
        _unavailable(f"no PostgreSQL at {POSTGRES_URL}: {POSTGRES_PROBLEM}",
                     required=CI or REQUIRE_POSTGRES)  # fmt: skip
    tmp = tmp_path_factory.mktemp("deploy")
    https, http, server = free_port(), free_port(), free_port()
    with ExitStack() as stack:
        database_url = _fresh_database(stack, f"tellers_deploy_{secrets.token_hex(4)}")
        data_dir = tmp / "data"
        env = {
            **environment_without(),
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": database_url,
            "TELLERS_DATA_DIR": str(data_dir),
            "TELLERS_SECRET_KEY": secrets.token_urlsafe(50),
            "TELLERS_FACTOR_KEY": secrets.token_hex(32),
            "TELLERS_ALLOWED_HOSTS": "localhost",
            "TELLERS_SITE_URL": f"https://localhost:{https}",
            "TELLERS_HTTPS": "1",
            "TELLERS_TRUSTED_PROXIES": "127.0.0.1",
        }
        subprocess.run(
            [sys.executable, "-c", PREPARE_DEMO],
            env={**env, "DJANGO_SETTINGS_MODULE": "tellers.web.production_settings"},
            check=True,
        )
        with (data_dir / "demo-mailing.csv").open(newline="", encoding="utf-8") as handle:
            members = list(csv.DictReader(handle))
        stack.enter_context(running(
            [sys.executable, "-m", "tellers.cli", "serve", "--production", "--host",
             "127.0.0.1", "--port", str(server), "--workers", "2", "--clear-sessions-every", "1"],
            env=env, log=tmp / "server.log", port=server,
        ))  # fmt: skip

        cert, key = _certificate(tmp)
        prefix = tmp / "nginx"
        prefix.mkdir()
        site_conf = prefix / "tellers.conf"
        site_conf.write_text(render_site({
            "TELLERS_DOMAIN": "localhost",
            "TELLERS_SITE_URL": f"https://localhost:{https}",
            "TELLERS_HTTP_LISTEN": f"127.0.0.1:{http}",
            "TELLERS_HTTPS_LISTEN": f"127.0.0.1:{https}",
            "TELLERS_CERT": str(cert),
            "TELLERS_CERT_KEY": str(key),
            "TELLERS_UPSTREAM": f"127.0.0.1:{server}",
        }))  # fmt: skip
        main_conf = prefix / "nginx.conf"
        main_conf.write_text(_nginx_conf(prefix, site_conf))
        nginx = [str(NGINX), "-p", str(prefix), "-c", str(main_conf)]
        checked = subprocess.run([*nginx, "-t"], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        stack.enter_context(running(nginx, env=env, log=tmp / "nginx.log", port=https))

        tls = ssl.create_default_context(cafile=str(cert))
        yield Site(https, http, server, tls, database_url, data_dir, env, members, tmp)


# ---- helpers for the member's sign-in page -------------------------------------------


def _field(html: str, pattern: str) -> str:
    found = re.search(pattern, html)
    assert found, f"no {pattern} in the page:\n{html[:2000]}"
    return found.group(1)


def _sign_in(
    client: Browserless, page: str, code: str, number: str, headers: dict[str, str] | None = None
) -> Any:
    challenge = _field(page, r'data-challenge="([0-9a-f]{64})"')
    token = _field(page, r'name="csrfmiddlewaretoken" value="([^"]+)"')
    key = derive_signing_key(ELECTION_ID, code)
    fields = {
        "csrfmiddlewaretoken": token,
        "credential": public_credential(ELECTION_ID, code).hex(),
        "signature": sign(key, sign_in_message(challenge)).hex(),
        "member_number": number,
    }
    return client.post_form("/vote/demo/", fields, headers)


# ---- the checks ------------------------------------------------------------------------


def test_https_cookies_hsts_and_redirects(site: Site) -> None:
    member = site.client("127.0.0.5")
    page = member.get("/vote/demo/")
    assert page.status == 200, page.text[:500]  # over HTTPS: no redirect, so no loop
    assert page.header("Strict-Transport-Security") == "max-age=31536000"
    cookies = page.all("Set-Cookie")
    assert cookies, "the sign-in page sets its CSRF cookie"
    assert all("; secure" in c.lower() for c in cookies), cookies

    plain = request(site.http, "/vote/demo/?from=letter", host="localhost")
    assert plain.status == 301
    assert plain.header("Location") == f"https://localhost:{site.https}/vote/demo/?from=letter"

    # Straight to the server from an address that is not the proxy: its claim to have
    # come over HTTPS is not believed, so the site sends it to HTTPS.
    claims = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}
    forged = request(site.server, "/vote/demo/", host="localhost", source="127.0.0.2",
                     headers=claims)  # fmt: skip
    assert forged.status == 301 and (forged.header("Location") or "").startswith("https://")


def test_static_files_hashed_compressed_and_cached(site: Site) -> None:
    page = site.client("127.0.0.5").get("/vote/demo/")
    path = _field(page.text, r'src="(/static/tellers/tellers\.[0-9a-f]{12}\.js)"')
    got = request(site.https, path, tls=site.tls, source="127.0.0.5",
                  headers={"Accept-Encoding": "gzip"})  # fmt: skip
    assert got.status == 200
    cache = got.header("Cache-Control") or ""
    assert "immutable" in cache and int(_field(cache, r"max-age=(\d+)")) >= 365 * 24 * 3600
    assert got.header("Content-Encoding") == "gzip"
    assert b"noble" in gzip.decompress(got.body)  # the browser bundle, with its licences
    assert got.header("Strict-Transport-Security") == "max-age=31536000"


def test_the_real_client_address_reaches_the_sign_in_limit(site: Site) -> None:
    """Failures from 127.0.0.2 lock 127.0.0.2 out, not 127.0.0.3: the limit keys on the
    address nginx saw, not on nginx's own, and not on what the client claims to be."""
    attacker = site.client("127.0.0.2")
    page = attacker.get("/vote/demo/").text
    forged = {"X-Forwarded-For": "127.0.0.3"}  # tries to pin its failures on the member
    statuses = []
    for _ in range(100):  # signed with codes of no member: each a counted failure
        got = _sign_in(attacker, page, generate_code(), "M0001", forged)
        statuses.append(got.status)
        if got.status == 429:
            break
        assert got.status == 400, got.text[:500]
        page = got.text
    assert statuses[-1] == 429, f"no lock-out after {len(statuses)} failures: {statuses}"
    locked = attacker.get("/vote/demo/").text
    real = site.members[1]
    assert _sign_in(attacker, locked, real["code"], real["member_number"]).status == 429

    member = site.client("127.0.0.3")
    page = member.get("/vote/demo/").text
    first = site.members[0]
    signed = _sign_in(member, page, first["code"], first["member_number"])
    assert signed.status == 302, signed.text[:500]
    assert signed.header("Location") == "/vote/demo/ballot/"
    assert all("; secure" in c.lower() for c in signed.all("Set-Cookie"))
    assert member.get("/vote/demo/ballot/").status == 200


def _half_sent(port: int, source: str, tls: ssl.SSLContext | None, body: bool) -> socket.socket:
    raw = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    sock = tls.wrap_socket(raw, server_hostname="localhost") if tls else raw
    if body:  # the headers whole, the body a tenth sent
        sock.sendall(b"POST /vote/demo/ HTTP/1.1\r\nHost: localhost\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 1000\r\n\r\n" + b"x" * 100)  # fmt: skip
    else:  # the headers never finished
        sock.sendall(b"GET /vote/demo/ HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slo")
    return sock


def test_half_sent_requests_do_not_hold_the_workers(site: Site) -> None:
    held = [_half_sent(site.https, "127.0.0.4", site.tls, body=i % 2 == 0) for i in range(50)]
    try:
        for _ in range(5):
            started = time.monotonic()
            got = request(site.https, "/e/demo/", tls=site.tls, source="127.0.0.5", timeout=5)
            assert got.status == 200
            assert time.monotonic() - started < 5
    finally:
        for sock in held:
            sock.close()

    # The same against the server itself, with no nginx between: two half-sent requests
    # hold both its workers and the next request gets no answer. This is what nginx is for.
    direct = [_half_sent(site.server, "127.0.0.6", None, body=False) for _ in range(2)]
    try:
        time.sleep(0.5)
        with pytest.raises(TimeoutError):
            request(site.server, "/e/demo/", source="127.0.0.6", timeout=2)
    finally:
        for sock in direct:
            sock.close()
    assert request(site.server, "/e/demo/", source="127.0.0.6", timeout=10).status == 301


def test_the_server_clears_expired_sessions(site: Site) -> None:
    expired, live = f"expired{secrets.token_hex(8)}", f"live{secrets.token_hex(8)}"
    _sql(site.database_url,
         "INSERT INTO django_session (session_key, session_data, expire_date) VALUES "
         "(%s, 'x', now() - interval '1 hour'), (%s, 'x', now() + interval '1 hour')",
         (expired, live))  # fmt: skip
    deadline = time.monotonic() + 20
    keys = {expired, live}
    while time.monotonic() < deadline and expired in keys:
        time.sleep(0.5)
        rows = _sql(site.database_url, "SELECT session_key FROM django_session "
                    "WHERE session_key IN (%s, %s)", (expired, live))  # fmt: skip
        keys = {str(r[0]) for r in rows}
    assert keys == {live}, "the expired session is still there (or the live one went)"
    _sql(site.database_url, "DELETE FROM django_session WHERE session_key = %s", (live,))


def test_backup_and_restore_drill(site: Site) -> None:
    """deploy/tellers-backup as its timer runs it, then the doc's restore drill."""
    where = site.tmp / "backups"
    done = subprocess.run(
        ["bash", str(BACKUP)], env={**site.env, "TELLERS_BACKUP_DIR": str(where)},
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (dump,) = where.glob("db-*.dump")
    (data,) = where.glob("data-*.tar.gz")
    assert dump.stat().st_mode & 0o077 == 0 and data.stat().st_mode & 0o077 == 0
    with tarfile.open(data) as archive:
        names = archive.getnames()
    assert "./demo-mailing.csv" in names and not any(n.startswith("./static") for n in names)

    name = f"tellers_restore_{secrets.token_hex(4)}"
    with ExitStack() as stack:
        restored = _fresh_database(stack, name)
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={restored}", str(dump)],
                       check=True, capture_output=True)  # fmt: skip
        tables = [
            str(r[0]) for r in _sql(site.database_url,
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        ]  # fmt: skip
        assert "store_boardevent" in tables
        for table in tables:
            count = f'SELECT count(*) FROM "{table}"'
            if table == "django_session":
                continue  # sessions come and go while the site runs
            assert _sql(restored, count) == _sql(site.database_url, count), table
