"""The scrutineer's s.52 statements on the web, and the statutory documents to download.

The statements are kept in the ``tellers-statements/v1`` format (reports.md §3)
and checked by the core's parser; the documents are made by ``tellers.reports``
from the published record, which they verify first.
"""
