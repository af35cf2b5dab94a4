"""Serving for real, the parts that need no proxy: the trusted-proxy rule, the private data
directory, the session clean-up, the production mode's refusals, and the bundle build's
word when Node.js is missing.

The trusted-proxy tests run the real middleware on real Django requests: a client that
talks to the site directly cannot choose its address or its scheme by sending
``X-Forwarded-For`` or ``X-Forwarded-Proto`` (tests/web/test_deploy.py shows the same
behind real nginx).
"""

from __future__ import annotations

import os
import runpy
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from processes import environment_without

from tellers.web import housekeeping
from tellers.web.proxy import TrustedProxyMiddleware, client_address, parse_networks

__all__: list[str] = []


def _seen(request: HttpRequest) -> HttpResponse:
    response = HttpResponse()
    response["X-Seen-Address"] = request.META["REMOTE_ADDR"]
    response["X-Seen-Secure"] = "yes" if request.is_secure() else "no"
    response["X-Seen-Forwarded"] = request.META.get("HTTP_X_FORWARDED_FOR", "-")
    return response


def _through(settings: Any, trusted: list[str], peer: str, **headers: str) -> HttpResponse:
    settings.TELLERS_TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=peer, **headers)
    return TrustedProxyMiddleware(_seen)(request)


def test_a_client_not_behind_a_trusted_proxy_cannot_forge_its_address_or_scheme(
    settings: Any,
) -> None:
    got = _through(settings, ["127.0.0.1"], "198.51.100.7",
                   HTTP_X_FORWARDED_FOR="127.0.0.3", HTTP_X_FORWARDED_PROTO="https")  # fmt: skip
    assert got["X-Seen-Address"] == "198.51.100.7"
    assert got["X-Seen-Secure"] == "no"
    assert got["X-Seen-Forwarded"] == "-"  # the forged header never reaches a view


def test_with_no_trusted_proxy_every_header_is_ignored(settings: Any) -> None:
    got = _through(settings, [], "127.0.0.1",
                   HTTP_X_FORWARDED_FOR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")  # fmt: skip
    assert (got["X-Seen-Address"], got["X-Seen-Secure"]) == ("127.0.0.1", "no")


def test_behind_the_trusted_proxy_the_client_is_the_right_most_untrusted_entry(
    settings: Any,
) -> None:
    # The client sent "X-Forwarded-For: 127.0.0.3" itself; nginx appended what it saw.
    got = _through(settings, ["127.0.0.1"], "127.0.0.1",
                   HTTP_X_FORWARDED_FOR="127.0.0.3, 198.51.100.7",
                   HTTP_X_FORWARDED_PROTO="https")  # fmt: skip
    assert (got["X-Seen-Address"], got["X-Seen-Secure"]) == ("198.51.100.7", "yes")


def test_a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_hop() -> None:
    networks = parse_networks(["127.0.0.1", "10.0.0.0/24", "::1"])
    chain = "203.0.113.1, 198.51.100.7, 10.0.0.5, 10.0.0.6"
    assert client_address("127.0.0.1", chain, networks) == "198.51.100.7"
    assert client_address("::ffff:127.0.0.1", "198.51.100.7", networks) == "198.51.100.7"
    assert client_address("::1", "2001:db8::5", networks) == "2001:db8::5"
    # All trusted: the request came from a proxy itself.
    assert client_address("127.0.0.1", "10.0.0.5", networks) == "10.0.0.5"
    assert client_address("127.0.0.1", "", networks) == "127.0.0.1"
    # Garbage behind a trusted hop: the walk stops at that hop, garbage is never an address.
    assert client_address("127.0.0.1", "198.51.100.7, nonsense, 10.0.0.5", networks) == "10.0.0.5"
    assert client_address("192.0.2.1", chain, networks) is None


def test_a_forwarded_scheme_other_than_http_or_https_is_ignored(settings: Any) -> None:
    got = _through(settings, ["127.0.0.1"], "127.0.0.1", HTTP_X_FORWARDED_PROTO="gopher")
    assert got["X-Seen-Secure"] == "no"


def test_a_bad_trusted_proxy_entry_is_named() -> None:
    with pytest.raises(ImproperlyConfigured, match="'nginx' is not an IP address or network"):
        parse_networks(["127.0.0.1", "nginx"])


# ---- the data directory ------------------------------------------------------------------

CONNECT = """
import django
django.setup()
from django.core.management import call_command
from django.db import connection
if {migrate}:
    call_command("migrate", interactive=False, verbosity=0)
connection.ensure_connection()
connection.cursor().execute("SELECT 1")
"""


def _run_site(data_dir: Path, *, migrate: bool) -> None:
    env = {**environment_without(), "TELLERS_DATA_DIR": str(data_dir),
           "DJANGO_SETTINGS_MODULE": "tellers.web.settings"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", CONNECT.format(migrate=migrate)],
        env=env, capture_output=True, text=True, preexec_fn=lambda: os.umask(0o022),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_directory_is_0700_and_the_database_0600(tmp_path: Path) -> None:
    data = tmp_path / "fresh" / "tellers"
    _run_site(data, migrate=True)  # under umask 022, which would give 0755 and 0644
    assert _mode(data) == 0o700
    assert _mode(data / "secret-key") == 0o600
    database = data / "tellers.sqlite3"
    assert _mode(database) == 0o600
    for extra in data.glob("tellers.sqlite3-*"):  # WAL and shared memory, while open
        assert _mode(extra) == 0o600, extra


def test_a_data_directory_left_open_by_an_older_version_is_tightened(tmp_path: Path) -> None:
    data = tmp_path / "tellers"
    data.mkdir(mode=0o755)
    database = data / "tellers.sqlite3"
    database.touch(mode=0o644)
    data.chmod(0o755)
    database.chmod(0o644)
    _run_site(data, migrate=False)
    assert (_mode(data), _mode(database)) == (0o700, 0o600)


# ---- sessions ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_round_of_housekeeping_deletes_expired_sessions_only() -> None:
    def stored(expiry: timedelta) -> str:
        session = SessionStore()
        session["x"] = 1
        session.set_expiry(expiry)
        session.create()
        assert session.session_key is not None
        return session.session_key

    live = stored(timedelta(minutes=30))
    expired = stored(timedelta(minutes=30))
    Session.objects.filter(session_key=expired).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    housekeeping.clear_expired()
    assert set(Session.objects.values_list("session_key", flat=True)) == {live}


# ---- production mode refuses what would be unsafe ---------------------------------------


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"TELLERS_ALLOWED_HOSTS": "vote.example.org"}, "TELLERS_SECRET_KEY must be set"),
        ({"TELLERS_SECRET_KEY": "k"}, "TELLERS_ALLOWED_HOSTS must be set"),
        ({"TELLERS_SECRET_KEY": "k", "TELLERS_ALLOWED_HOSTS": "h", "TELLERS_DEBUG": "1"},
         "unset it in production"),
        ({"TELLERS_SECRET_KEY": "k", "TELLERS_ALLOWED_HOSTS": "h", "TELLERS_HTTPS": "1"},
         "TELLERS_HTTPS=1 needs TELLERS_TRUSTED_PROXIES"),
        ({"TELLERS_SECRET_KEY": "k", "TELLERS_ALLOWED_HOSTS": "h", "TELLERS_HTTPS": "1",
          "TELLERS_TRUSTED_PROXIES": "127.0.0.1,localhost"}, "'localhost' is not an IP address"),
    ],
)  # fmt: skip
def test_production_mode_refuses_to_start_unsafely(
    tmp_path: Path, env: dict[str, str], said: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tellers.cli", "serve", "--production", "--port", "1"],
        env={**environment_without(), "TELLERS_DATA_DIR": str(tmp_path / "data"), **env},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert said in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "data" / "secret-key").exists()


# ---- building the browser bundle ----------------------------------------------------------


def _js_sources(tree: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    for name in ("build.mjs", "package.json", "package-lock.json"):
        (tree / "js").mkdir(parents=True, exist_ok=True)
        (tree / "js" / name).write_bytes((repo / "js" / name).read_bytes())
    (tree / "js" / "src").mkdir()
    (tree / "js" / "src" / "index.js").write_text("export {};\n")


def test_building_without_node_says_what_to_install(tmp_path: Path, monkeypatch: Any) -> None:
    setup = runpy.run_path(str(Path(__file__).resolve().parents[2] / "setup.py"))
    tree = tmp_path / "tree"
    _js_sources(tree)
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))
    with pytest.raises(setup["BundleError"], match=r"needs node .*apt-get install nodejs npm"):
        setup["build_bundle"](tree)
    # A bundle newer than every source needs no Node at all.
    bundle = tree / "src/tellers/web/static/tellers/tellers.js"
    bundle.parent.mkdir(parents=True)
    bundle.write_text("built\n")
    assert setup["build_bundle"](tree) == bundle
    # ... until a source changes.
    later = bundle.stat().st_mtime + 10
    os.utime(tree / "js" / "src" / "index.js", (later, later))
    with pytest.raises(setup["BundleError"], match="needs node"):
        setup["build_bundle"](tree)
