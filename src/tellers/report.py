"""The declaration of result, as text a returning officer can read out (REQUIREMENTS.md 10, 14).

Built from the verifier's recomputed figures (``Report.figures``), never
from the record's own claims, so what is declared is what was checked.
"""

from __future__ import annotations

from typing import Any

from tellers.election.manifest import Manifest

__all__ = ["channels", "declaration", "nominations", "parties", "rules", "summary"]


def declaration(manifest: Manifest, figures: dict[str, Any], root: str) -> str:
    lines = [
        f"{manifest.organisation} — {manifest.title}",
        f"Scrutineer: {manifest.scrutineer}. Voting opened {manifest.opens}, "
        f"closed {manifest.closes}.",
        f"Entitled to vote: {figures['electorate']:,}.  Ballots counted: "
        f"{figures['ballots_counted']:,}.  Turnout: {figures['turnout']['percent']}%.",
        "",
    ]
    for contest, found in zip(manifest.contests, figures.get("contests", []), strict=False):
        lines += _contest(manifest, contest.id, found)
        lines.append("")
    if figures.get("channels"):
        lines += channels(figures["channels"])
        lines.append("")
    if figures.get("fingerprint"):
        lines.append(f"Election fingerprint: {figures['fingerprint']}")
    lines.append(f"Election record root: {root}")
    return "\n".join(lines)


def _reasons(refused: dict[str, int]) -> str:
    if not refused:
        return "none"
    return ", ".join(f"{n:,} {reason}" for reason, n in sorted(refused.items()))


def channels(found: dict[str, Any]) -> list[str]:
    """The postal and online channels' figures (postal.md §7.2), as declared."""
    p, o = found["postal"], found["online"]
    return [
        "By channel:",
        f"  Papers issued: {p['papers_issued']:,}, and {p['replacements']:,} replacements "
        f"({p['voided']:,} papers voided).",
        f"  Papers returned: {p['returned']:,}; counted {p['counted']:,}; "
        f"superseded by an online ballot {p['superseded']:,}; not counted: "
        f"{_reasons(p['refused'])}.",
        f"  Online ballots accepted: {o['accepted']:,}; counted {o['counted']:,}; "
        f"superseded {o['superseded']:,}; refused: {_reasons(o['refused'])}.",
        f"  Unused papers opened and checked after the close: {p['audited']:,}.",
    ]


def parties(figures: dict[str, Any]) -> str:
    """Who signed what, with the key fingerprints each party confirms out of band."""
    found = figures.get("parties") or []
    if not found:
        return ""
    lines = ["Signed by (compare each fingerprint with what the party gave you):"]
    width = max(len(party["name"]) for party in found) + 2
    for party in found:
        note = "" if party.get("qualified", True) else "   (disqualified)"
        lines.append(f"  {party['role']:<22}{party['name']:<{width}}{party['fingerprint']}{note}")
    return "\n".join(lines)


def rules(figures: dict[str, Any]) -> str:
    """The statutory rules the ballot ran on (record.md §3.6), each with its source; an
    override is marked and its source is the reason the manifest records."""
    found = figures.get("rules")
    if not found:
        return ""
    lines = [f"Rules in force on the opening day, {found['on']} ({found['kind']}):"]
    for name, rule in found.items():
        if isinstance(rule, dict):
            value = "none" if rule["value"] is None else rule["value"]
            mark = "  OVERRIDDEN" if rule["overridden"] else ""
            lines.append(f"  {name} = {value}{mark}: {rule['source']}")
    return "\n".join(lines)


def nominations(figures: dict[str, Any]) -> str:
    """Each contest's nominations as the verifier replayed its log (record.md §9.2): who
    stood came from the log whose head the manifest declares."""
    lines = []
    for log in figures.get("nominations") or ():
        invalid = ", ".join(f"{code} {n}" for code, n in log["invalid"].items() if n) or "none"
        lines.append(f"Nominations for {log['contest']} (log head {log['head'][:16]}...):")
        lines.append(
            f"  {log['received']} received, {log['valid']} valid, invalid: {invalid}; "
            f"{log['candidates']} candidates, {log['withdrawn']} withdrew, "
            f"{log['standing']} standing"
        )
    return "\n".join(lines)


def _contest(manifest: Manifest, contest_id: str, found: dict[str, Any]) -> list[str]:
    contest = manifest.contest(contest_id)
    seats = "1 to elect" if contest.seats == 1 else f"{contest.seats} to elect"
    method = {
        "plurality": f"first past the post, {seats}",
        "approval": f"approval, {seats}",
        "yes-no": "yes or no",
        "irv": "alternative vote (IRV)",
        "stv-ers97": f"STV, ERS97 rules, {seats}",
        "stv-meek": f"STV, Meek's method, {seats}",
        "stv-scottish": f"STV, Scottish rules, {seats}",
        "schulze": "Schulze (Condorcet)",
    }[contest.method]
    lines = [f"{contest.title} ({method})"]
    lines.append(f"  {'Entitled to vote':<32}{found['electorate']:>10,}")
    lines.append(
        f"  {'Ballots (incl. blank/spoilt)':<32}{found['ballots']:>10,}"
        f"   turnout {found['turnout']['percent']}%"
    )
    width = max(len(c.name) for c in contest.choices)
    for choice in sorted(contest.choices, key=lambda c: -found["counts"][c.id]):
        mark = ""
        if contest.method != "yes-no" and choice.id in found["winners"]:
            mark = "   ELECTED"
        elif choice.id in found["tied"]:
            mark = "   TIED"
        lines.append(f"  {choice.name:<{max(width, 30)}}  {found['counts'][choice.id]:>10,}{mark}")
    if contest.ranked:
        lines.insert(3, "  First preferences:")
        lines.append(f"  {'No usable first preference':<{max(width, 30)}}  {found['blank']:>10,}")
        if found.get("sheet"):
            lines += ["", *("  " + row if row else "" for row in found["sheet"].splitlines())]
        return lines
    if contest.allow_blank:
        lines.append(f"  {'Blank or spoilt':<{max(width, 30)}}  {found['blank']:>10,}")
    for t in found["thresholds"]:
        label = {
            "turnout": "Turnout of those entitled",
            "majority": "Yes votes (majority)",
            "yes of entitled": "Yes votes of those entitled",
        }.get(t["name"], t["name"])
        verdict = "met" if t["met"] else "NOT MET"
        lines.append(
            f"  {label}: required {t['required']:,}, achieved {t['achieved']:,} — {verdict}"
        )
    if contest.method == "yes-no":
        if found["thresholds_met"] and found["winners"] == ["yes"]:
            lines.append("  Result: YES — the question is carried and every threshold is met.")
        elif found["winners"] == ["yes"]:
            lines.append(
                "  Result: a majority voted Yes, but the statutory thresholds are "
                "NOT met: no mandate."
            )
        else:
            lines.append("  Result: NOT carried.")
    return lines


def summary(report_json: dict[str, Any]) -> str:
    """A short verdict: valid, or each failure by check and place."""
    checks = sum(report_json.get("checks", {}).values())
    if report_json["valid"]:
        return f"The election record is VALID: {checks:,} checks passed."
    lines = [f"The election record is NOT VALID: {len(report_json['failures'])} failure(s)."]
    for failure in report_json["failures"][:50]:
        lines.append(f"  [{failure['check']}] {failure['where']}: {failure['detail']}")
    if len(report_json["failures"]) > 50:
        lines.append(f"  ... and {len(report_json['failures']) - 50} more (use --json)")
    return "\n".join(lines)
