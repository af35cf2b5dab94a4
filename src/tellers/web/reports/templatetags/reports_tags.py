"""``{% not_satisfied election as found %}``: the statements the scrutineer is not satisfied of,
for the officer's publish step and the public result page."""

from __future__ import annotations

from django import template

from tellers.web.reports.service import Unsatisfied, not_satisfied
from tellers.web.store.models import Election

__all__ = ["not_satisfied_statements"]

register = template.Library()


@register.simple_tag(name="not_satisfied")
def not_satisfied_statements(election: Election) -> list[Unsatisfied]:
    return not_satisfied(election)
