"""The roll's check report as the officer's and the scrutineer's pages show it.

Each check's id (``roll_checks.BLOCKING``, ``WARNINGS``) and each exclusion
ground gets its title in the reader's language; the counts and examples are
the report's own.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tellers.election.roll_checks import JOINED_LATE
from tellers.web.rollcheck.importer import report_of, rules_from_json
from tellers.web.rollcheck.models import RollImport

__all__ = ["CHECK_TITLES", "GROUND_TITLES", "report_context"]

CHECK_TITLES: dict[str, Any] = {
    "duplicate-number": _("The same membership number on two lines"),
    "no-constituency": _("Members in no constituency the manifest declares"),
    "unknown-ground": _("Exclusions on a ground s.50(2) does not allow"),
    "ground-not-in-rules": _("Exclusions on a ground the union's rules (as entered) do not set"),
    "bad-joined-date": _("Dates of joining that are not dates"),
    "duplicate-name-dob": _("The same name and date of birth under two membership numbers"),
    "duplicate-name-address": _("The same name and address under two membership numbers"),
    "shared-address": _("Addresses with more members than the limit"),
    "workplace-email": _("Workplace email addresses where a personal one is required"),
    "no-contact": _("Members with neither an email, a phone nor a postal address"),
    "missing-address": _("Members with no postal address"),
    "no-postcode": _("UK addresses without a postcode"),
    "bad-postcode": _("Postcodes that are not UK postcodes"),
    "bad-date-of-birth": _("Dates of birth that are not dates"),
}
GROUND_TITLES: dict[str, Any] = {
    "not-in-employment": _("Not in employment (s.50(2)(a))"),
    "arrears": _("In arrears (s.50(2)(b))"),
    "apprentice": _("Apprentices (s.50(2)(c))"),
    "trainee": _("Trainees (s.50(2)(c))"),
    "student": _("Students (s.50(2)(c))"),
    "new-member": _("New members (s.50(2)(c))"),
    JOINED_LATE: _("Joined after the relevant date (s.49(8))"),
}


def report_context(row: RollImport | None) -> dict[str, Any] | None:
    """What the report template needs of one upload, or None when there is none."""
    if row is None:
        return None
    report = report_of(row)
    findings = []
    for f in report.findings if report else ():
        findings.append(
            {
                "check": f.check,
                "title": CHECK_TITLES.get(f.check, f.check),
                "count": f.count,
                "blocking": f.blocking,
                "examples": [
                    {"lines": ", ".join(str(n) for n in e.lines), "value": e.value}
                    for e in f.examples
                ],
            }
        )
    rules = rules_from_json(row.rules)
    return {
        "row": row,
        "report": report,
        "limit": rules.address_limit,
        "employer_domains": ", ".join(sorted(rules.employer_domains)),
        "grounds": [GROUND_TITLES.get(g, g) for g in sorted(rules.grounds)],
        "findings": findings,
        "warnings": [f for f in findings if not f["blocking"]],
        "exclusions": [
            (GROUND_TITLES.get(g, g), n) for g, n in (report.exclusions if report else ())
        ],
        "excluded": sum(n for _, n in report.exclusions) if report else 0,
        "errors": list(report.errors) if report else [],
        "needs_acknowledging": bool(
            row.phase == RollImport.Phase.IMPORTED
            and row.acknowledged_at is None
            and report is not None
            and report.warnings
        ),
    }
