"""The statutory rules applied to one ballot (record.md §3.6; REQUIREMENTS.md 1, 13, 16).

A ballot takes the rules in force on its opening day (``tellers.statute``), with the
manifest's ``rules`` overrides in their place. In an industrial-action ballot a
yes/no question whose manifest states no thresholds gets them from those rules: the
turnout rule, Yes over No, and the important-public-services rule where any
constituency entitled to the question is flagged and the rule is in force. A
manifest of format v2 or v3 (``kind`` None) and an election keep exactly the
thresholds they state.

Warnings are what the officer must acknowledge (by code, in ``acknowledged``)
before an election is built from the manifest: a term over the statutory limit,
and an industrial-action question whose stated thresholds are weaker than the
rules'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tellers.election.manifest import Contest, Manifest, Thresholds
from tellers.errors import ManifestError
from tellers.statute import RULE_NAMES, Rule, StatuteRules, rules_in_force

__all__ = [
    "ManifestWarning",
    "ballot_rules",
    "contest_thresholds",
    "manifest_warnings",
    "require_acknowledged",
    "rules_figures",
    "unacknowledged_warnings",
]


@dataclass(frozen=True, slots=True)
class ManifestWarning:
    """Something lawful only if the officer means it; ``code`` is what they acknowledge."""

    code: str
    """One of ``tellers.election.manifest.WARNING_CODES``."""
    field: str
    """Where in the manifest, as in error messages (``term_years``, ``contests[0] (x)``)."""
    message: str


def ballot_rules(manifest: Manifest) -> StatuteRules:
    """The rules in force on the opening day, with the manifest's overrides applied."""
    return rules_in_force(manifest.opening_date, manifest.rule_overrides())


def contest_thresholds(manifest: Manifest, contest: Contest) -> Thresholds | None:
    """The thresholds the count applies to ``contest`` (the verifier's too)."""
    if contest.thresholds is not None or manifest.kind != "industrial-action":
        return contest.thresholds
    return _from_rules(manifest, contest, ballot_rules(manifest))


def _from_rules(manifest: Manifest, contest: Contest, rules: StatuteRules) -> Thresholds:
    entitled = contest.constituencies or manifest.constituencies
    flagged = any(k in manifest.important_public_services for k in entitled)
    return Thresholds(
        turnout_percent=rules.turnout_percent,
        yes_majority=True,
        yes_percent_of_entitled=rules.important_services_yes_percent if flagged else None,
    )


def manifest_warnings(manifest: Manifest) -> tuple[ManifestWarning, ...]:
    """Every warning the manifest raises, acknowledged or not, in manifest order."""
    if manifest.kind is None:
        return ()
    out: list[ManifestWarning] = []
    # The statutory limit, not an override of it: overriding term_years does not hide this.
    limit = rules_in_force(manifest.opening_date, _all_but_term(manifest)).term_years
    if manifest.term_years is not None and manifest.term_years > limit:
        out.append(
            ManifestWarning(
                "term-over-limit",
                "term_years",
                f"a term of {manifest.term_years} years is over the {limit} years of "
                f"TULRCA s.46(1)(b): no one may hold the post longer without re-election",
            )
        )
    if manifest.kind == "industrial-action":
        rules = ballot_rules(manifest)
        for i, contest in enumerate(manifest.contests):
            stated = contest.thresholds
            if stated is not None and _weaker(stated, _from_rules(manifest, contest, rules)):
                out.append(
                    ManifestWarning(
                        "thresholds-below-rules",
                        f"contests[{i}] ({contest.id}).thresholds",
                        "the stated thresholds are lower than the rules in force on "
                        f"{rules.on.isoformat()} would set",
                    )
                )
    return tuple(out)


def unacknowledged_warnings(manifest: Manifest) -> tuple[ManifestWarning, ...]:
    """The warnings whose code the manifest's ``acknowledged`` does not list."""
    return tuple(w for w in manifest_warnings(manifest) if w.code not in manifest.acknowledged)


def require_acknowledged(manifest: Manifest) -> None:
    """``ManifestError`` listing each warning not acknowledged: an election is not built
    from a manifest whose officer has not said they mean it (record.md §3.6)."""
    pending = unacknowledged_warnings(manifest)
    if pending:
        listed = "; ".join(f"{w.field}: {w.message} [{w.code}]" for w in pending)
        codes = ", ".join(sorted({w.code for w in pending}))
        raise ManifestError(
            f"acknowledged: expected the warning code(s) {codes}, found "
            f"{list(manifest.acknowledged)}: {listed}"
        )


def _all_but_term(manifest: Manifest) -> tuple[Rule, ...]:
    return tuple(r for r in manifest.rule_overrides() if r.name != "term_years")


def _weaker(stated: Thresholds, rules: Thresholds) -> bool:
    def lower(mine: int | None, theirs: int | None) -> bool:
        return theirs is not None and (mine is None or mine < theirs)

    return (
        lower(stated.turnout_percent, rules.turnout_percent)
        or lower(stated.yes_percent_of_entitled, rules.yes_percent_of_entitled)
        or (rules.yes_majority and not stated.yes_majority)
    )


def rules_figures(manifest: Manifest) -> dict[str, Any]:
    """The ballot's rules for ``tellers verify --json``: the opening day, then each rule's
    value and source (an override's source is its recorded reason)."""
    rules = ballot_rules(manifest)
    out: dict[str, Any] = {"on": rules.on.isoformat(), "kind": manifest.kind}
    for name in RULE_NAMES:
        rule = rules.rule(name)
        out[name] = {
            "value": getattr(rules, name),
            "source": rule.source,
            "overridden": rule in rules.overridden,
        }
    return out
