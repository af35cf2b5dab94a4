"""Django settings for the Tellers site, read from the environment.

``DATABASE_URL`` selects the database (PostgreSQL in production, see
``dburl``); without it the site runs on embedded SQLite in
``TELLERS_DATA_DIR`` (default ``~/.local/share/tellers``). ``TELLERS_DEBUG=1``
turns on debug pages; ``TELLERS_SECRET_KEY`` is required when it is off,
except for the local ``tellers serve`` which makes one per data directory.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from tellers.web.datadir import private_dir
from tellers.web.dburl import database_from_url, sqlite_database

# No __all__: Django reads every upper-case name, and test settings star-import them.

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(
    os.environ.get("TELLERS_DATA_DIR")
    or Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "tellers"
)


def _secret_key() -> str:
    given = os.environ.get("TELLERS_SECRET_KEY")
    if given:
        return given
    # Local use only: one random key kept beside the SQLite database, in a 0700 directory.
    path = private_dir(DATA_DIR) / "secret-key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


DEBUG = os.environ.get("TELLERS_DEBUG") == "1"
SECRET_KEY = _secret_key()
# Keys the binding of each credential to its member's second factor (store.context): kept
# with the site's secrets, never in its database. TELLERS_FACTOR_KEY sets it apart from the
# secret key (hex); by default it is derived from it.
TELLERS_FACTOR_KEY = (
    bytes.fromhex(os.environ["TELLERS_FACTOR_KEY"])
    if os.environ.get("TELLERS_FACTOR_KEY")
    else hmac.new(SECRET_KEY.encode(), b"tellers second factor", hashlib.sha256).digest()
)
# Trustees' personal links go by email; the site's address and where links point.
DEFAULT_FROM_EMAIL = os.environ.get("TELLERS_FROM_EMAIL", "tellers@localhost")
EMAIL_HOST = os.environ.get("TELLERS_SMTP_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("TELLERS_SMTP_PORT", "25"))
TELLERS_SITE_URL = os.environ.get("TELLERS_SITE_URL", "")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("TELLERS_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Staff sign-in: django-axes throttles passwords; django-otp checks authenticator codes.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "tellers.web.store",
    "tellers.web.public",
    "tellers.web.voter",
    "tellers.web.officer",
    "tellers.web.scrutiny",
    "tellers.web.trustee",
    "tellers.web.staff",
    "tellers.web.delivery",  # what became of each member's code (bounces, returned post)
    "tellers.web.retention",  # legal holds and the retention purge
    "tellers.web.rollcheck",  # the roll's uploads and check reports
    "tellers.web.nominations",  # nominations: the officer's steps and the published log
    "tellers.web.reports",  # the scrutineer's s.52 statements and the statutory documents
]

MIDDLEWARE = [
    # First: the real client address and scheme behind a trusted proxy (tellers.web.proxy).
    "tellers.web.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "tellers.web.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tellers.web.sessions.SessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A view's database error becomes a 503 "try again in a minute" (tellers.web.unavailable).
    "tellers.web.unavailable.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tellers.web.urls"
WSGI_APPLICATION = "tellers.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_url = os.environ.get("DATABASE_URL")
DATABASES: dict[str, dict[str, Any]] = {
    "default": database_from_url(_url) if _url else sqlite_database(DATA_DIR / "tellers.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
# Staff land on the page of their role, after the authenticator code (tellers.web.staff).
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "public:home"

# Internationalisation: every user-facing string goes through gettext; Welsh and Polish are
# shipped beside English (locale/, docs/translating.md). Each language is named in itself, as
# the language chooser shows it (templates/tellers/language.html).
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg"), ("pl", "Polski")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/London"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]  # site.css and the browser bundle (built from js/)
STATIC_ROOT = DATA_DIR / "static"

# ---- security ---------------------------------------------------------------------
SESSION_COOKIE_AGE = 30 * 60  # a voting or officer session lapses after 30 idle minutes
# ... counted from the last request: tellers.web.sessions refreshes the expiry at most once a
# minute rather than writing the session on every request (SESSION_SAVE_EVERY_REQUEST).
SESSION_SAVE_EVERY_REQUEST = False
# Django's database sessions, each ended in one statement (tellers.web.sessions).
SESSION_ENGINE = "tellers.web.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_FAILURE_VIEW = "tellers.web.public.views.csrf_failure"
_https = os.environ.get("TELLERS_HTTPS") == "1"
# Addresses or networks (comma-separated) of the reverse proxies in front of the site: only
# for a request from one of them are X-Forwarded-For and X-Forwarded-Proto believed
# (tellers.web.proxy, docs/deploy.md). Empty: every request is taken as it arrives.
TELLERS_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("TELLERS_TRUSTED_PROXIES", "").split(",") if p.strip()
]
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
# The language chooser's choice (Django's set_language): a cookie, never a session row; kept a
# year so that a member who chose Cymraeg is not asked again when the letter comes next time.
LANGUAGE_COOKIE_SECURE = _https
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
SECURE_SSL_REDIRECT = _https
SECURE_HSTS_SECONDS = 31536000 if _https else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A ballot with a few contests is some tens of kB; a trustee file a few hundred.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# ---- staff sign-in (tellers.web.staff, docs/security.md §3.7) ------------------------
# django-axes checks the lock first, then Django checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords lock the account, and the address they came from, separately: a lock
# on one never stops another account signing in from another address.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=15)  # from the last wrong password
# Tries while locked neither count nor extend the lock, so the wait shown is the wait.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The client address is REMOTE_ADDR, which the trusted-proxy setting makes the real one;
# axes never reads X-Forwarded-For itself.
AXES_CLIENT_IP_CALLABLE = "tellers.web.staff.throttle.client_address"
AXES_LOCKOUT_CALLABLE = "tellers.web.staff.throttle.locked_out"
# Addresses never locked out (the union office's, say), so that an attacker who keeps a
# staff account locked cannot keep its owner out: the authenticator code is still asked.
AXES_IP_WHITELIST = [
    a.strip() for a in os.environ.get("TELLERS_STAFF_NEVER_LOCKED", "").split(",") if a.strip()
]
AXES_NEVER_LOCKOUT_WHITELIST = bool(AXES_IP_WHITELIST)
# Authenticator apps name the account "Tellers: <username>".
OTP_TOTP_ISSUER = "Tellers"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TELLERS_LOG_LEVEL", "WARNING")},
}
