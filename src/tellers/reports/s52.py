"""The scrutineer's report under s.52 TULRCA, as a ``Document`` (reports.md §5).

Every figure is the verifier's (``VerifiedFigures``); the statements, the
register and the appointed persons are the scrutineer's own
(``Statements``); who stored, distributed and counted comes from the roles
logged doing it (``Logs``) and from the parties who signed the record. A
statement not satisfied is shown first, before any figure, and again in its
place; a report without statements says, first, that it is a draft.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tellers.election.manifest import Contest
from tellers.errors import StatementsFileError
from tellers.reports.document import Block, Chart, Document, Heading, Notice, Para, Table, number
from tellers.reports.figures import VerifiedFigures, label, reason_text, turnout_groups
from tellers.reports.logs import Logs
from tellers.reports.statements import DUTIES, Statements

__all__ = [
    "check_for_record",
    "contest_blocks",
    "nominations_blocks",
    "s52_report",
    "threshold_rows",
]

_DUTY = {"store": "Stored", "distribute": "Distributed", "count": "Counted"}
_INVALID = {
    "officer": "the officer's ruling (reason in the log)",
    "unknown-body": "from a body not on the list of nominating bodies",
    "body-kind": "from a body of a kind the rules do not count",
    "outside-period": "received outside the nomination period",
    "withdrawn": "for a candidate who had withdrawn",
    "duplicate": "from a body that had already nominated",
}
"""Each invalid ruling's code (nominations.md §5.2, §5.3) as the report reads it."""


def _when(iso: str) -> str:
    """A manifest time as a reader writes it: ``2 March 2026, 09:00 UTC``."""
    at = datetime.fromisoformat(iso).astimezone(UTC)
    return f"{at.day} {at:%B %Y, %H:%M} UTC"


def check_for_record(
    found: VerifiedFigures, statements: Statements | None, logs: Logs | None
) -> None:
    """Refuse statements or logs made for another election (``StatementsFileError``)."""
    election = found.manifest.election_id
    for what, given in (("statements", statements), ("logs", logs)):
        if given is not None and given.election_id != election:
            raise StatementsFileError(
                what,
                0,
                f"election_id: expected {election!r} (the record's), found {given.election_id!r}",
            )


def s52_report(
    found: VerifiedFigures, statements: Statements | None = None, logs: Logs | None = None
) -> Document:
    check_for_record(found, statements, logs)
    m, f = found.manifest, found.figures
    blocks: list[Block] = []
    if statements is None:
        blocks.append(
            Notice(
                "DRAFT: the scrutineer has not yet made the statements",
                (
                    "This is not the scrutineer's report until the three statements of s.52(2) "
                    "are made.",
                ),
            )
        )
    else:
        for s in statements.not_satisfied:
            blocks.append(
                Notice(
                    "The scrutineer is NOT satisfied",
                    (s.text, f"The scrutineer's reasons: {s.reasons}"),
                )
            )
    blocks.append(
        Para(
            f"{m.organisation}: {m.title}. Scrutineer: {m.scrutineer}. Voting opened "
            f"{_when(m.opens)} and closed {_when(m.closes)}."
            + ("" if statements is None else f" Report made on {statements.made_on}.")
        )
    )
    blocks += _papers(found)
    blocks += nominations_blocks(found)
    blocks.append(Heading(2, "Votes cast (s.52(1)(c), (d))"))
    for contest in f["contests"]:
        blocks += contest_blocks(m.contest(contest["id"]), contest)
    blocks += _refusals(found)
    blocks += _charts(found)
    blocks += _persons(found, statements, logs)
    blocks += _statements(statements)
    blocks += _register(statements)
    if logs is not None and logs.delivery:
        blocks.append(Heading(2, "Delivery of credentials and papers"))
        blocks.append(
            Table(
                "Delivery, as the mail house and credential authority logged it",
                ("What", "Number"),
                tuple((label(k), number(n)) for k, n in logs.delivery.items()),
                numeric=(1,),
            )
        )
    blocks.append(Heading(2, "The election record"))
    blocks.append(
        Para(
            "Every figure in this report is recomputed from the published election record by "
            f"tellers verify, which passed {number(found.checks)} checks. Anyone can re-check "
            "it: tellers verify RECORD --json."
        )
    )
    blocks.append(
        Table(
            "The record this report is made from",
            ("", ""),
            (
                ("Record root (SHA-256 of index.json)", found.root),
                ("Election fingerprint", str(f.get("fingerprint", ""))),
            ),
        )
    )
    return Document(
        "Scrutineer's report",
        f"{m.organisation} — {m.title} (s.52 Trade Union and Labour Relations "
        "(Consolidation) Act 1992)",
        tuple(blocks),
        footer=f"Record root {found.root}",
    )


def _papers(found: VerifiedFigures) -> list[Block]:
    """s.52(1)(a), (b): papers sent out and returned, per channel as the figures hold them."""
    f = found.figures
    rows = [("Entitled to vote", number(f["electorate"]))]
    channels = found.channels
    if "channels" not in f:  # an online-only ballot: each entitled member is sent a credential
        rows.append(("Credentials sent out (online)", number(f["electorate"])))
    rows.append(("Ballots counted", number(f["ballots_counted"])))
    rows.append(("Turnout", f"{f['turnout']['percent']}%"))
    out: list[Block] = [
        Heading(2, "Voting papers sent out and returned (s.52(1)(a), (b))"),
        Table("Summary", ("Figure", "Number"), tuple(rows), numeric=(1,)),
    ]
    for channel, figures in channels.items():
        out.append(
            Table(
                f"{label(channel)}",
                ("Figure", "Number"),
                tuple(
                    (label(key), number(value))
                    for key, value in figures.items()
                    if isinstance(value, int)
                )
                + tuple(
                    (f"{label(key)}: {reason_text(reason)}", number(n))
                    for key, value in figures.items()
                    if isinstance(value, dict)
                    for reason, n in value.items()
                ),
                numeric=(1,),
            )
        )
    return out


def nominations_blocks(found: VerifiedFigures) -> list[Block]:
    """Each contest's nominations (s.47), as the verifier counted them from the log it
    replayed against the contest's candidates (record.md §9.2, ``nominations``); nothing for
    a ballot whose contests did not come from nominations."""
    logs = found.figures.get("nominations") or []
    if not logs:
        return []
    out: list[Block] = [Heading(2, "Nominations (s.47)")]
    for log in logs:
        contest = found.contest(log["contest"])
        rows: list[tuple[str, str]] = [
            ("Candidates registered", number(log["candidates"])),
            ("Nominations received", number(log["received"])),
            ("Valid", number(log["valid"])),
        ]
        rows += [
            (f"Invalid: {_INVALID.get(code, code.replace('-', ' '))}", number(n))
            for code, n in log["invalid"].items()
            if n
        ]
        rows.append(("Candidates withdrawn", number(log["withdrawn"])))
        rows.append(("Candidates standing", number(log["standing"])))
        out.append(Heading(3, contest.title))
        out.append(
            Table(f"Nominations: {contest.title}", ("Figure", "Number"), tuple(rows), numeric=(1,))
        )
        out.append(
            Para(
                "The standing candidates are the contest's choices, in ballot order, as the "
                f"verifier re-derived them from the nominations log (head {log['head']})."
            )
        )
    return out


def threshold_rows(contest: dict[str, Any]) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (
            label(t["name"]),
            number(t["required"]),
            number(t["achieved"]),
            "met" if t["met"] else "NOT MET",
        )
        for t in contest["thresholds"]
    )


def contest_blocks(contest: Contest, found: dict[str, Any]) -> list[Block]:
    rows = [
        (choice.name, number(found["counts"][choice.id]))
        for choice in sorted(contest.choices, key=lambda c: -found["counts"][c.id])
    ]
    rows.append(("Blank or spoilt (no valid choice)", number(found["blank"])))
    rows.append(("Ballots", number(found["ballots"])))
    rows.append(("Entitled to vote", number(found["electorate"])))
    rows.append(("Turnout", f"{found['turnout']['percent']}%"))
    if contest.method != "yes-no":
        names = {c.id: c.name for c in contest.choices}
        elected = ", ".join(names[w] for w in found["winners"]) or "none"
        rows.append(("Elected", elected))
    out: list[Block] = [
        Heading(3, contest.title),
        Table(f"Votes: {contest.title}", ("Choice", "Votes"), tuple(rows), numeric=(1,)),
    ]
    if found["thresholds"]:
        out.append(
            Table(
                f"Thresholds: {contest.title}",
                ("Threshold", "Required", "Achieved", "Met"),
                threshold_rows(found),
                numeric=(1, 2),
            )
        )
    return out


def _refusals(found: VerifiedFigures) -> list[Block]:
    """Duplicates and refusals by reason, and superseded ballots, from every channel."""
    rows: list[tuple[str, ...]] = []
    for channel, figures in found.channels.items():
        for key, value in figures.items():
            if isinstance(value, dict):
                rows += [(label(channel), reason_text(r), number(n)) for r, n in value.items()]
            elif key == "superseded":
                rows.append((label(channel), label(key), number(value)))
    if not rows:
        return [
            Heading(2, "Ballots not counted"),
            Para("No ballot or paper was refused or superseded."),
        ]
    return [
        Heading(2, "Duplicates, refusals and replacements"),
        Table(
            "Ballots and papers not counted, by channel and reason",
            ("Channel", "Reason", "Number"),
            tuple(rows),
            numeric=(2,),
        ),
    ]


def _charts(found: VerifiedFigures) -> list[Block]:
    groups = turnout_groups(found)
    out: list[Block] = [Heading(2, "Turnout and returns")]
    out.append(
        Chart(
            "Turnout by constituency or workplace",
            "Turnout of those entitled: "
            + "; ".join(f"{g.name} {g.turnout_percent}%" for g in groups)
            + ".",
            tuple(g.name for g in groups),
            (("Turnout", tuple(float(g.turnout_percent) for g in groups)),),
            "%",
            100.0,
        )
    )
    returns = found.returns
    if returns.counts:
        series = tuple(
            (label(channel), tuple(float(n) for n in counts))
            for channel, counts in returns.counts.items()
        )
        busiest = {
            label(ch): returns.buckets[max(range(len(c)), key=lambda i: c[i])]
            for ch, c in returns.counts.items()
        }
        out.append(
            Chart(
                f"Returns by {returns.unit} and channel",
                f"Ballots and papers received each {returns.unit} of the voting period: "
                + "; ".join(
                    f"{label(ch)} {number(returns.total(ch))} in all, most on {busiest[label(ch)]}"
                    for ch in returns.counts
                )
                + ".",
                returns.buckets,
                series,
                "ballots",
            )
        )
    return out


def _persons(
    found: VerifiedFigures, statements: Statements | None, logs: Logs | None
) -> list[Block]:
    out: list[Block] = [Heading(2, "Persons who stored, distributed and counted (s.52(1)(e))")]
    if statements is not None:
        if statements.persons:
            out.append(
                Table(
                    "Independent persons appointed under s.51A",
                    ("Name", "Appointed to"),
                    tuple((p.name, ", ".join(p.duties)) for p in statements.persons),
                )
            )
        else:
            out.append(Para("No independent person was appointed under s.51A."))
    if logs is not None:
        rows = [
            (_DUTY[duty], person, role, number(n))
            for duty in DUTIES
            for person, role, n in logs.doers(duty)
        ]
        if rows:
            out.append(
                Table(
                    "Who did it, from the log of actions",
                    ("Duty", "Person", "Role", "Actions logged"),
                    tuple(rows),
                    numeric=(3,),
                )
            )
        appointed = {p.name for p in statements.persons} if statements is not None else set()
        strangers = sorted({r[1] for r in rows} - appointed - {found.manifest.scrutineer})
        if statements is not None and strangers:
            out.append(
                Notice(
                    "Logged doing a duty, but not appointed",
                    (
                        ", ".join(strangers) + " stored, distributed or counted papers by the log "
                        "but is not among the persons the scrutineer names as appointed.",
                    ),
                )
            )
    parties = found.figures.get("parties") or []
    if parties:
        out.append(
            Table(
                "Signed in the election record (credentials distributed; votes counted by the "
                "trustees' joint decryption)",
                ("Role", "Name", "Key fingerprint"),
                tuple((p["role"], p["name"], p["fingerprint"]) for p in parties),
            )
        )
    return out


def _statements(statements: Statements | None) -> list[Block]:
    out: list[Block] = [Heading(2, "The scrutineer's statements (s.52(2))")]
    if statements is None:
        out.append(Para("Not yet made."))
        return out
    for s in statements.statements:
        if s.satisfied:
            out.append(Para(f"Satisfied: {s.text}" + (f" {s.reasons}" if s.reasons else "")))
        else:
            out.append(
                Notice(
                    "NOT satisfied",
                    (s.text, f"The scrutineer's reasons: {s.reasons}"),
                )
            )
    out.append(Para(f"Made by {statements.scrutineer} on {statements.made_on}."))
    return out


def _register(statements: Statements | None) -> list[Block]:
    out: list[Block] = [Heading(2, "The register of members (s.52(2A))")]
    if statements is None:
        out.append(Para("Not yet stated."))
        return out
    g = statements.register
    if not g.inspected:
        out.append(Para("The scrutineer did not inspect the register or examine the copy of it."))
    else:
        out.append(
            Para(
                f"The register, or the copy supplied as at the relevant date, was inspected by "
                f"{g.inspected_by}: {number(g.on_request)} time(s) on a member's or candidate's "
                f"request and {number(g.own_instance)} time(s) on the scrutineer's own instance."
            )
        )
    out.append(Para(f"Requests to inspect the register declined: {number(g.requests_declined)}."))
    out.append(
        Para("Matters to draw to the union's attention: " + (g.matters if g.matters else "none."))
    )
    return out
