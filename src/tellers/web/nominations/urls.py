"""Nominations: the officer's pages under /officer/nominations/, the published ones under
/e/<election>/nominations/<contest>/."""

from __future__ import annotations

from django.urls import path

from tellers.web.nominations import officer_views as o
from tellers.web.nominations import public_views as p

__all__ = ["app_name", "urlpatterns"]

app_name = "nominations"
_PUBLIC = "e/<slug:election>/nominations/<slug:contest>/"
urlpatterns = [
    path("officer/nominations/", o.periods, name="periods"),
    path("officer/nominations/new/", o.start, name="start"),
    path("officer/nominations/<int:pk>/", o.contest, name="contest"),
    path("officer/nominations/<int:pk>/candidate/", o.candidate, name="candidate"),
    path("officer/nominations/<int:pk>/nomination/", o.nomination, name="nomination"),
    path("officer/nominations/<int:pk>/rule/<int:number>/", o.ruling, name="rule"),
    path("officer/nominations/<int:pk>/address/", o.address, name="address"),
    path("officer/nominations/<int:pk>/withdraw/", o.withdraw, name="withdraw"),
    path("officer/nominations/<int:pk>/close/", o.close, name="close"),
    path("officer/nominations/<int:pk>/choices.json", o.choices, name="choices"),
    path("nominations/", p.index, name="index"),
    path(_PUBLIC, p.published, name="published"),
    path(_PUBLIC + "log.jsonl", p.log_file, name="log"),
    path(_PUBLIC + "addresses/", p.addresses, name="addresses"),
    path(_PUBLIC + "addresses.pdf", p.addresses_pdf, name="addresses_pdf"),
    path(_PUBLIC + "photo/<str:sha256>", p.photo, name="photo"),
]
