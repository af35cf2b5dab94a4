"""Delivering members' codes, and what came back undelivered (REQUIREMENTS.md 18, 22).

The credential authority's side, run on its own machine after ``tellers
credentials issue`` (credentials.md §8): each member's code goes by email
over SMTP (``mail``), by SMS through a provider (``sms``) or in a letter the
mail house prints (``dispatch``); what was sent, and what came back —
bounces, refused numbers, returned post — are files of one small format
(``files``) that the scrutineer uploads to the site, which keeps them
against the member and reports counts by channel and reason (``files.counts``).
No file the authority hands on holds a code.
"""

from __future__ import annotations

__all__: list[str] = []
