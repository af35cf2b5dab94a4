"""The scrutineer's statements for one election (reports.md §3)."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tellers.reports.statements import Statements, parse_statements
from tellers.web.store.models import Election

__all__ = ["ScrutineerStatements"]


class ScrutineerStatements(models.Model):
    """The three s.52(2) statements, the register (s.52(2A)) and the appointed persons, as the
    scrutineer last saved them; ``document`` is a ``tellers-statements/v1`` object."""

    election = models.OneToOneField(Election, on_delete=models.CASCADE, related_name="s52")
    document = models.JSONField(_("statements"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_at = models.DateTimeField()

    def statements(self) -> Statements:
        """The document, read by the same parser as ``tellers report --statements``."""
        return parse_statements(json.dumps(self.document, indent=1), "statements")
