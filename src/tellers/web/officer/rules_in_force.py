"""The statutory rules in force on a ballot's opening day, as the election form shows them.

The figures are ``tellers.election.statutory.rules_figures``: the rules the manifest's
validation checks (``tellers.statute.rules_in_force`` on the opening day, with the
manifest's overrides) and ``tellers verify --json`` prints; here they are only put in
words, with whether each governs a ballot of the manifest's kind, the question's
thresholds as the count will apply them (``statutory.contest_thresholds``), and, for a
ranked contest, how the count decides a tie its rule leaves open (its ``tie_order``, else
by lot: record.md §3.9).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from tellers.election.manifest import Contest, Manifest
from tellers.election.statutory import contest_thresholds, rules_figures
from tellers.statute import RULE_NAMES

__all__ = ["ShownRule", "ShownRules", "rules_shown"]


@dataclass(frozen=True, slots=True)
class ShownRule:
    """One statutory rule as the form shows it for the ballot's opening day."""

    name: str
    what: str
    value: str
    source: str
    applies: bool
    """Whether the rule governs a ballot of this kind."""
    overridden: bool


@dataclass(frozen=True, slots=True)
class ShownRules:
    on: str
    kind: str | None
    rules: tuple[ShownRule, ...]
    thresholds: str
    """The question's thresholds as the count will apply them, in words; empty if none."""
    ties: str
    """How the count decides a tie a ranked contest's rule leaves open, in words; empty for a
    contest that is not ranked."""


_APPLIES = {
    "election": ("term_years",),
    "industrial-action": (
        "turnout_percent",
        "important_services_yes_percent",
        "notice_days",
        "mandate_months",
    ),
}


def rules_shown(manifest: Manifest) -> ShownRules:
    """The rules in force on the opening day, from ``statutory.rules_figures`` — the ones the
    manifest's validation checks and ``tellers verify --json`` prints — in words."""
    figures = rules_figures(manifest)
    words = {
        "turnout_percent": (_("Turnout required"), _("%(n)s%% of those entitled")),
        "important_services_yes_percent": (
            _("Yes votes required where members provide important public services"),
            _("%(n)s%% of those entitled"),
        ),
        "notice_days": (_("Notice of action to the employer"), _("%(n)s days")),
        "mandate_months": (_("The mandate lasts"), _("%(n)s months")),
        "term_years": (_("Longest term without re-election"), _("%(n)s years")),
    }
    shown = []
    for name in RULE_NAMES:
        what, unit = words[name]
        value = figures[name]["value"]
        shown.append(
            ShownRule(
                name,
                what,
                _("none in force") if value is None else unit % {"n": value},
                figures[name]["source"],
                name in _APPLIES.get(manifest.kind or "", ()),
                figures[name]["overridden"],
            )
        )
    thresholds = ""
    found = contest_thresholds(manifest, manifest.contests[0])
    if found is not None:
        parts = []
        if found.turnout_percent is not None:
            parts.append(_("turnout at least %(n)s%%") % {"n": found.turnout_percent})
        if found.yes_majority:
            parts.append(_("more Yes than No"))
        if found.yes_percent_of_entitled is not None:
            parts.append(
                _("Yes from at least %(n)s%% of those entitled")
                % {"n": found.yes_percent_of_entitled}
            )
        thresholds = "; ".join(parts)
    return ShownRules(
        str(figures["on"]), manifest.kind, tuple(shown), thresholds, _ties(manifest.contests[0])
    )


def _ties(contest: Contest) -> str:
    if not contest.ranked:
        return ""
    if contest.tie_order is None:
        return _(
            "A tie the counting rule leaves open is drawn by lot from the election fingerprint."
        )
    names = {c.id: c.name for c in contest.choices}
    return _(
        "A tie the counting rule leaves open is decided by the tie order, %(order)s: the "
        "candidate listed earlier wins, and the one listed later is excluded first."
    ) % {"order": ", ".join(names[i] for i in contest.tie_order)}
