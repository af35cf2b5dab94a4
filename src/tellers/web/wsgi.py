"""WSGI entry point: ``tellers.web.wsgi:application``."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

__all__ = ["application"]

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tellers.web.settings")
application = get_wsgi_application()
