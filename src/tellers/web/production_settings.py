"""Django settings for the site on the internet: ``tellers.web.settings`` plus what serving
it for real needs (``tellers serve --production``, docs/deploy.md).

Refuses to load, with a message naming the variable, unless ``TELLERS_SECRET_KEY`` and
``TELLERS_ALLOWED_HOSTS`` are set and ``TELLERS_DEBUG`` is off; ``TELLERS_HTTPS=1`` needs
``TELLERS_TRUSTED_PROXIES`` (the server speaks plain HTTP to the proxy that ends TLS, so
without it every request would look insecure and be redirected again and again).

Static files are served by WhiteNoise from ``STATIC_ROOT`` (``collectstatic`` at start):
each file's name carries a hash of its content, so it is sent compressed with a
ten-year ``Cache-Control: immutable``, and a new release changes the names.
Database connections are kept open between requests (``TELLERS_DB_CONN_MAX_AGE``
seconds, default 60), checked before each request reuses one. Mail goes through the
SMTP relay named by ``TELLERS_SMTP_*``, with a timeout.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

for _name in ("TELLERS_SECRET_KEY", "TELLERS_ALLOWED_HOSTS"):
    if not os.environ.get(_name, "").strip():
        raise ImproperlyConfigured(
            f"{_name} must be set to serve the site in production (see docs/deploy.md)"
        )
if os.environ.get("TELLERS_DEBUG") == "1":
    raise ImproperlyConfigured(
        "TELLERS_DEBUG=1 shows tracebacks and settings to anyone: unset it in production"
    )
if os.environ.get("TELLERS_HTTPS") == "1" and not os.environ.get("TELLERS_TRUSTED_PROXIES"):
    raise ImproperlyConfigured(
        "TELLERS_HTTPS=1 needs TELLERS_TRUSTED_PROXIES, the address the TLS proxy connects "
        "from (e.g. 127.0.0.1): without it every request looks like plain HTTP and is "
        "redirected to HTTPS again and again"
    )

from tellers.web.proxy import parse_networks  # noqa: E402
from tellers.web.settings import *  # noqa: E402, F403
from tellers.web.settings import DATABASES, MIDDLEWARE, TELLERS_TRUSTED_PROXIES  # noqa: E402

# No __all__: Django reads every upper-case name.

parse_networks(TELLERS_TRUSTED_PROXIES)  # a bad entry stops the start here, named

DEBUG = False
MIDDLEWARE = [
    *MIDDLEWARE[: MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1],
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1 :],
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Mail (trustees' links, staff notices) through an SMTP relay: TELLERS_SMTP_HOST and _PORT
# (tellers.web.settings), with these for a relay that wants a login over TLS.
EMAIL_HOST_USER = os.environ.get("TELLERS_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("TELLERS_SMTP_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("TELLERS_SMTP_STARTTLS") == "1"  # port 587
EMAIL_USE_SSL = os.environ.get("TELLERS_SMTP_SSL") == "1"  # port 465
EMAIL_TIMEOUT = 20  # a relay that hangs must not hold a worker
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("set one of TELLERS_SMTP_STARTTLS and TELLERS_SMTP_SSL, not both")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("TELLERS_DB_CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
