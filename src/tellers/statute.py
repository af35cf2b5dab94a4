"""The UK statutory rules in force by date (REQUIREMENTS.md 1, 13, 16; record.md §3.6).

One table, ``RULES``, in code: each rule is a value with the first day it is in
force, the last day after which it no longer is (``in_force_until``, exclusive: the
day the change takes effect), and the Act and section it comes from.
``rules_in_force(on)`` gives the rules that govern a ballot opened on ``on``.
Industrial-action rules attach to the ballot's opening date: under the Trade Union
Act 2016 s.6(2) a ballot is "opened" on the first day a voting paper is sent, and
the Employment Rights Act 2025 changes apply to ballots opened on or after 18
February 2026 (the transitional regulations made under it).

Sources, and how each fact was checked:

- 1 March 2017 commencement of the Trade Union Act 2016 ss.2, 3, 8 and 9:
  the Trade Union Act 2016 (Commencement No. 3 and Transitional) Regulations 2017
  (SI 2017/139) reg. 2(a), (b), (f), (g), read on legislation.gov.uk.
- The 50% turnout rule (TULRCA s.226(2)(a)(iia), TUA 2016 s.2) and the 40% rule
  (TUA 2016 s.3): SI 2017/139 reg. 2 names both; TUA 2016 s.6 (the s.231 result
  notice) refers to the 40% rule as "where section 226(2B) applies". The
  sub-paragraph references "(2)(a)(iii) and (2A)-(2F)" rest on the issue text.
- 18 February 2026, and 14 to 10 days' notice, 6 to 12 months' mandate, repeal of
  the 40% rule, the 50% turnout rule staying for now: published commentaries on
  the Employment Rights Act 2025 (c. 36) agree (DLA Piper, Freshfields, ECA);
  Freshfields names ERA 2025 s.69 (the 40% rule) and s.72 (the mandate). The
  section of ERA 2025 that shortens the notice rests on the issue text only, so
  its source names the amended TULRCA section instead.
- The 50% turnout rule has no end date here: DLA Piper's note of February 2026 says
  it stays "for now", to be reviewed with electronic balloting; one trade body's note
  (ECA) says it falls away once electronic balloting starts. No commencement of such
  a repeal was found, so the table follows the issue text; a later repeal is a new
  ``Rule`` span, and until then an override with its reason.
- The five-year term (TULRCA s.46(1)(b)): read on legislation.gov.uk; the Act's
  commencement on 16 October 1992 (s.302) from legislation.gov.uk's annotations
  ("repealed (16.10.1992) by ... 1992 (c. 52), ss. 300(1), 302").

The table starts where the modern rules do: a ballot opened before 1 March 2017
has no notice or mandate rule here (the law then counted the mandate in weeks), and
asking for one raises ``ManifestError``; a manifest can still state its rules as
overrides (record.md §3.6).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Final

from tellers.errors import ManifestError

__all__ = [
    "ERA_2025",
    "RULES",
    "RULE_NAMES",
    "TUA_2016",
    "Rule",
    "StatuteRules",
    "check_override",
    "rules_in_force",
]

TUA_2016: Final = date(2017, 3, 1)
"""Commencement of the Trade Union Act 2016's ballot provisions (SI 2017/139 reg. 2)."""
ERA_2025: Final = date(2026, 2, 18)
"""Commencement of the Employment Rights Act 2025's industrial-action changes."""
_TULRCA: Final = date(1992, 10, 16)


@dataclass(frozen=True, slots=True)
class Rule:
    """One statutory rule's value over one span of dates."""

    name: str
    """The ``StatuteRules`` field it sets (``turnout_percent``, ``notice_days`` ...)."""
    value: int | None
    """The rule's figure; None where the span records that no such rule applies."""
    in_force_from: date
    """First day on which a ballot opened is governed by this value."""
    in_force_until: date | None
    """First day on which it no longer is (the day its replacement starts); None if current."""
    source: str
    """The Act and section, and what inserted or amended it."""

    def in_force(self, on: date) -> bool:
        return self.in_force_from <= on and (
            self.in_force_until is None or on < self.in_force_until
        )


RULES: Final[tuple[Rule, ...]] = (
    Rule(
        "turnout_percent",
        50,
        TUA_2016,
        None,
        "TULRCA 1992 s.226(2)(a)(iia), inserted by the Trade Union Act 2016 s.2 "
        "(in force 1 March 2017, SI 2017/139 reg. 2(a))",
    ),
    Rule(
        "important_services_yes_percent",
        40,
        TUA_2016,
        ERA_2025,
        "TULRCA 1992 s.226(2)(a)(iii) and (2A)-(2F), inserted by the Trade Union Act 2016 "
        "s.3 (in force 1 March 2017, SI 2017/139 reg. 2(b))",
    ),
    Rule(
        "important_services_yes_percent",
        None,
        ERA_2025,
        None,
        "TULRCA 1992 s.226(2A)-(2F) repealed by the Employment Rights Act 2025 s.69 "
        "(ballots opened on or after 18 February 2026)",
    ),
    Rule(
        "notice_days",
        14,
        TUA_2016,
        ERA_2025,
        "TULRCA 1992 s.234A(4)(b), amended by the Trade Union Act 2016 s.8 "
        "(in force 1 March 2017, SI 2017/139 reg. 2(f))",
    ),
    Rule(
        "notice_days",
        10,
        ERA_2025,
        None,
        "TULRCA 1992 s.234A(4)(b), amended by the Employment Rights Act 2025 "
        "(ballots opened on or after 18 February 2026)",
    ),
    Rule(
        "mandate_months",
        6,
        TUA_2016,
        ERA_2025,
        "TULRCA 1992 s.234(1), substituted by the Trade Union Act 2016 s.9 "
        "(in force 1 March 2017, SI 2017/139 reg. 2(g))",
    ),
    Rule(
        "mandate_months",
        12,
        ERA_2025,
        None,
        "TULRCA 1992 s.234(1), amended by the Employment Rights Act 2025 s.72 "
        "(ballots opened on or after 18 February 2026)",
    ),
    Rule(
        "term_years",
        5,
        _TULRCA,
        None,
        "TULRCA 1992 s.46(1)(b): no one holds an executive, president or general-secretary "
        "position for more than five years without re-election",
    ),
)


@dataclass(frozen=True, slots=True)
class StatuteRules:
    """The rules that govern a ballot opened on ``on``, each traced to its ``Rule``."""

    on: date
    turnout_percent: int | None
    """Industrial action: votes cast must be at least this % of those entitled."""
    important_services_yes_percent: int | None
    """Yes must be at least this % of those entitled in important public services;
    None when no such rule is in force."""
    notice_days: int
    """Days of notice of action to the employer."""
    mandate_months: int
    """How long the ballot's mandate lasts."""
    term_years: int
    """Most years between elections for a post."""
    overridden: tuple[Rule, ...] = ()
    """The manifest's overrides (record.md §3.6), each a ``Rule`` whose source is its reason."""

    def rule(self, name: str) -> Rule:
        """The ``Rule`` that set field ``name`` on this date: an override, else the table's."""
        if name not in RULE_NAMES:
            raise ManifestError(f"rules: expected one of {RULE_NAMES}, found {name!r}")
        for rule in self.overridden:
            if rule.name == name:
                return rule
        return _rule_on(name, self.on)

    def source(self, name: str) -> str:
        """The Act and section behind field ``name`` (or the override's recorded reason)."""
        return self.rule(name).source


RULE_NAMES: Final[tuple[str, ...]] = tuple(
    f.name for f in fields(StatuteRules) if f.name not in ("on", "overridden")
)
"""The rule names a manifest may override (record.md §3.6)."""


def _rule_on(name: str, on: date) -> Rule:
    found = [r for r in RULES if r.name == name and r.in_force(on)]
    if not found:
        first = min(r.in_force_from for r in RULES if r.name == name)
        raise ManifestError(
            f"rules.{name}: no statutory rule is in force on {on.isoformat()}; the table "
            f"starts on {first.isoformat()} (state the rule in the manifest's rules, with a "
            f"reason)"
        )
    # Spans of one rule never overlap (checked by tests), so there is exactly one.
    return found[0]


def rules_in_force(on: date, overrides: Sequence[Rule] = ()) -> StatuteRules:
    """The rules for a ballot opened on ``on``; ``ManifestError`` if the table has a gap there.

    ``overrides`` replace the table's rule of the same name (a rule the table lacks on
    ``on`` may be supplied this way); each is checked by ``check_override``.
    """
    by_name = {}
    for rule in overrides:
        check_override(rule.name, rule.value, f"rules.{rule.name}")
        if rule.name in by_name:
            raise ManifestError(f"rules.{rule.name}: overridden twice")
        by_name[rule.name] = rule

    def value(name: str) -> int | None:
        return by_name[name].value if name in by_name else _rule_on(name, on).value

    def required(name: str) -> int:
        found = value(name)
        if found is None:
            raise ManifestError(f"rules.{name}: a value is required, found null")
        return found

    return StatuteRules(
        on=on,
        turnout_percent=value("turnout_percent"),
        important_services_yes_percent=value("important_services_yes_percent"),
        notice_days=required("notice_days"),
        mandate_months=required("mandate_months"),
        term_years=required("term_years"),
        overridden=tuple(by_name[n] for n in RULE_NAMES if n in by_name),
    )


_PERCENTS: Final = ("turnout_percent", "important_services_yes_percent")


def check_override(name: str, value: object, where: str) -> None:
    """A rule name and a value it may take: a percentage 0..100 or null, else a whole
    number of at least 1; ``ManifestError`` naming ``where`` otherwise."""
    if name not in RULE_NAMES:
        raise ManifestError(f"{where}: expected a rule name, one of {RULE_NAMES}")
    if name in _PERCENTS:
        ok = value is None or (type(value) is int and 0 <= value <= 100)
        expected = "a whole percentage 0..100 or null"
    else:
        ok = type(value) is int and value >= 1
        expected = "a whole number of at least 1"
    if not ok:
        raise ManifestError(f"{where}: expected {expected}, found {value!r}")
