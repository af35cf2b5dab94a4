"""``tellers serve --production``: the site under gunicorn, as it runs on the internet.

Loads ``tellers.web.production_settings`` (which refuses a missing secret key or
host list, or debug pages), creates the data directory 0700, runs the
migrations, collects the static files into ``STATIC_ROOT`` and starts gunicorn:

- ``workers`` synchronous worker processes (default ``2 × cores + 1``), each
  handling one request at a time, in front of which a buffering reverse proxy
  (nginx, docs/deploy.md) holds slow clients, so that a half-sent request never
  occupies a worker;
- ``timeout``: a worker silent for that long is killed and replaced (default
  300 s: a staff step at a million members, such as importing the roll, may
  take minutes; members' requests take milliseconds);
- gunicorn believes no forwarded header itself: ``tellers.web.proxy`` alone
  decides, from ``TELLERS_TRUSTED_PROXIES``;
- no access log (an address and a time beside a cast would link a ballot on the
  board to where it came from); errors go to standard error;
- beside the workers, ``tellers.web.housekeeping`` clears expired sessions
  every ``clear_sessions_every`` seconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_CLEAR_SESSIONS_EVERY",
    "DEFAULT_TIMEOUT",
    "SETTINGS_MODULE",
    "default_workers",
    "gunicorn_options",
    "prepare",
    "serve_production",
]

SETTINGS_MODULE = "tellers.web.production_settings"
DEFAULT_TIMEOUT = 300
DEFAULT_CLEAR_SESSIONS_EVERY = 3600.0


def default_workers() -> int:
    """gunicorn's rule of thumb: two workers per core, plus one."""
    return 2 * (os.cpu_count() or 1) + 1


def prepare() -> None:
    """Set Django up on the production settings, make the data directory private, migrate
    and collect the static files; closes its database connections before workers fork."""
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from tellers.web.datadir import private_dir

    django.setup()
    private_dir(Path(settings.DATA_DIR))
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    connections.close_all()


def _housekeeper(every: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tellers.web.housekeeping", "--every", str(every),
         "--parent", str(os.getpid())],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE},
    )  # fmt: skip


def gunicorn_options(
    host: str, port: int, *, workers: int, timeout: int, clear_sessions_every: float
) -> dict[str, Any]:
    """gunicorn's settings for the site (hooks included), by gunicorn's setting names."""
    helpers: list[subprocess.Popen[bytes]] = []

    def when_ready(server: Any) -> None:
        helpers.append(_housekeeper(clear_sessions_every))

    def on_exit(server: Any) -> None:
        for helper in helpers:
            helper.terminate()
            try:
                helper.wait(timeout=10)
            except subprocess.TimeoutExpired:
                helper.kill()

    return {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": workers,
        "worker_class": "sync",
        "timeout": timeout,
        "graceful_timeout": 30,
        "preload_app": True,  # Django is loaded once, in the arbiter, before the fork
        "forwarded_allow_ips": "",  # tellers.web.proxy decides; gunicorn believes nothing
        "secure_scheme_headers": {},
        "accesslog": None,
        "errorlog": "-",
        "loglevel": os.environ.get("TELLERS_LOG_LEVEL", "info").lower(),
        "proc_name": "tellers",
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
        "control_socket_disable": True,  # gunicorn 25+: no control socket in $HOME
        "when_ready": when_ready,
        "on_exit": on_exit,
    }


def _application(options: dict[str, Any]) -> Any:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings and value is not None:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            from tellers.web.wsgi import application

            return application

    return Server(prog="tellers serve --production")


def serve_production(
    host: str,
    port: int,
    *,
    workers: int | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    clear_sessions_every: float = DEFAULT_CLEAR_SESSIONS_EVERY,
) -> int:
    """Prepare, then serve under gunicorn until stopped (SIGTERM or SIGINT: graceful)."""
    prepare()
    count = workers or default_workers()
    options = gunicorn_options(
        host, port, workers=count, timeout=timeout, clear_sessions_every=clear_sessions_every
    )
    print(
        f"Tellers is serving in production mode on http://{host}:{port}/ with {count} "
        f"workers (timeout {timeout} s); put a TLS proxy in front (docs/deploy.md)",
        flush=True,
    )
    _application(options).run()
    return 0
