"""The result notices of s.231 (to members) and s.231A (to employers), as ``Document``s.

One notice per workplace where the ballot is per workplace (s.228: the
contests are restricted by constituency), one for an aggregated ballot
(s.228A): number entitled, votes cast, Yes and No per question, spoilt
papers, whether each threshold was met (reports.md §6). For an
industrial-action ballot, the mandate's end (s.234) and the earliest day
action may begin after notice (s.234A), from the rules in force on the
ballot's opening day (``tellers.statute``), each with its source.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tellers.election.manifest import Manifest
from tellers.reports.document import Block, Document, Heading, Para, Table, number
from tellers.reports.figures import Group, VerifiedFigures, turnout_groups
from tellers.reports.s52 import threshold_rows
from tellers.reports.text import render_text
from tellers.statute import Rule, StatuteRules, rules_in_force

__all__ = [
    "ResultNotice",
    "add_months",
    "ballot_rules",
    "industrial_action",
    "mandate_ends",
    "notice_email",
    "result_notices",
]


@dataclass(frozen=True, slots=True)
class ResultNotice:
    group: Group
    slug: str
    """A file-name-safe name for the workplace (``north-depot``, ``all-members``)."""
    document: Document


def industrial_action(manifest: Manifest) -> bool:
    """Whether the ballot is for industrial action: the manifest says so (format v4), or,
    in an older manifest, its questions carry the statutory statement of s.229(4)."""
    kind = getattr(manifest, "kind", None)
    if kind is not None:
        return bool(kind == "industrial-action")
    return any(c.method == "yes-no" and c.statement for c in manifest.contests)


def ballot_rules(manifest: Manifest) -> StatuteRules:
    """The rules in force on the ballot's opening day, with the manifest's overrides."""
    overrides: tuple[Rule, ...] = ()
    if hasattr(manifest, "rule_overrides"):
        overrides = tuple(manifest.rule_overrides())
    return rules_in_force(date.fromisoformat(manifest.opens[:10]), overrides)


def add_months(day: date, months: int) -> date:
    """``day`` ``months`` calendar months on (the last day of a shorter month if need be)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def mandate_ends(last_day_of_voting: date, months: int) -> date:
    """The last day of the period of ``months`` months beginning with the ballot's date
    (s.234(1): the period begins with the date of the ballot, its last day of voting)."""
    return add_months(last_day_of_voting, months) - timedelta(days=1)


def _long(day: date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


def _question(found: VerifiedFigures, figures: dict[str, Any]) -> list[Block]:
    contest = found.contest(figures["id"])
    rows = [(c.name, number(figures["counts"][c.id])) for c in contest.choices]
    rows.append(("Spoilt or blank", number(figures["blank"])))
    rows.append(("Votes cast", number(figures["ballots"])))
    out: list[Block] = [
        Heading(3, contest.title),
        Table(f"Votes: {contest.title}", ("Answer", "Votes"), tuple(rows), numeric=(1,)),
    ]
    if figures["thresholds"]:
        out.append(
            Table(
                f"Thresholds: {contest.title}",
                ("Threshold", "Required", "Achieved", "Met"),
                threshold_rows(figures),
                numeric=(1, 2),
            )
        )
    if contest.method == "yes-no":
        yes = figures["winners"] == ["yes"]
        if yes and figures["thresholds_met"]:
            verdict = "Result: YES, and every threshold is met."
        elif yes:
            verdict = "Result: a majority voted Yes, but a threshold is NOT met: no mandate."
        else:
            verdict = "Result: NOT carried."
        out.append(Para(verdict))
    return out


def _mandate(found: VerifiedFigures, group: Group, issued: date) -> list[Block]:
    rules = ballot_rules(found.manifest)
    carried = [
        found.contest(c["id"]).title
        for c in group.contests
        if c["winners"] == ["yes"] and c["thresholds_met"]
    ]
    out: list[Block] = [Heading(2, "Industrial action: the mandate and notice")]
    if not carried:
        out.append(
            Para(
                "No question was carried with every threshold met: the ballot gives no "
                "mandate for industrial action."
            )
        )
        return out
    ends = mandate_ends(found.closed_on, rules.mandate_months)
    earliest = issued + timedelta(days=rules.notice_days)
    out.append(
        Table(
            f"Mandate and notice (rules in force on the ballot's opening day, {_long(rules.on)})",
            ("", "Date"),
            (
                ("Last day of voting", _long(found.closed_on)),
                (f"Mandate ends ({rules.mandate_months} months)", _long(ends)),
                (
                    f"Earliest day action may begin, if notice is given on {_long(issued)} "
                    f"({rules.notice_days} days' notice)",
                    _long(earliest),
                ),
            ),
        )
    )
    out.append(Para(f"The mandate's length: {rules.source('mandate_months')}."))
    out.append(Para(f"The notice period: {rules.source('notice_days')}."))
    out.append(Para("Carried: " + "; ".join(carried) + "."))
    return out


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-") or "ballot"


def result_notices(found: VerifiedFigures, issued: date | None = None) -> tuple[ResultNotice, ...]:
    """One notice per workplace (or one for an aggregated ballot); ``issued`` is the day the
    notice goes out (the last day of voting when not given)."""
    m = found.manifest
    day = issued or found.closed_on
    action = industrial_action(m)
    out = []
    for group in turnout_groups(found):
        blocks: list[Block] = [
            Para(
                f"{m.organisation}: {m.title}. Scrutineer: {m.scrutineer}. Voting closed "
                f"{_long(found.closed_on)}. This notice is given on {_long(day)}"
                + (" under s.231 (to members) and s.231A (to the employer)." if action else ".")
            ),
            Heading(2, f"Result for {group.name}"),
            Table(
                "The ballot",
                ("Figure", "Number"),
                (
                    ("Number entitled to vote", number(group.electorate)),
                    ("Votes cast", number(group.ballots)),
                    ("Turnout", f"{group.turnout_percent}%"),
                ),
                numeric=(1,),
            ),
        ]
        for figures in group.contests:
            blocks += _question(found, figures)
        if action:
            blocks += _mandate(found, group, day)
        blocks.append(
            Para(
                f"Every figure here can be re-checked from the published election record "
                f"(root {found.root}, fingerprint {found.figures.get('fingerprint', '')}) with "
                "tellers verify."
            )
        )
        title = "Result of the industrial action ballot" if action else "Result of the ballot"
        document = Document(
            title,
            f"{m.organisation} — {m.title}: {group.name}",
            tuple(blocks),
            footer=f"Record root {found.root}",
        )
        out.append(ResultNotice(group, _slug(group.name), document))
    return tuple(out)


def notice_email(notice: ResultNotice, audience: str) -> str:
    """The notice as the plain text of an email to ``members`` or to the ``employer``."""
    if audience == "members":
        opening = (
            f"To the members entitled to vote in the ballot at {notice.group.name}: the "
            "result, as s.231 requires you to be told."
        )
    elif audience == "employer":
        opening = (
            f"To the employer of the members entitled to vote at {notice.group.name}: the "
            "result of the ballot, as s.231A requires you to be told."
        )
    else:
        raise ValueError(f"audience: expected 'members' or 'employer', found {audience!r}")
    return render_text(notice.document, opening)
