"""The result sheet a returning officer reads aloud: stage by stage.

Each stage shows what was done, every candidate's transfer and new total,
the non-transferable votes, the quota, and who was elected or excluded.
Figures are printed at the rule's own precision (never rounded up).
"""

from __future__ import annotations

from fractions import Fraction

from tellers.counting.arithmetic import format_value
from tellers.counting.result import Result

__all__ = ["format_result"]

_LABEL = {
    "plurality": "Plurality",
    "approval": "Approval",
    "irv": "Instant-runoff",
    "stv-ers97": "STV, ERS97 rules",
    "stv-meek": "STV, Meek's method",
    "stv-scottish": "STV, Scottish Local Government Elections Order 2007",
    "schulze": "Schulze (Condorcet)",
}


def format_result(result: Result, title: str = "") -> str:
    """``result`` as a plain-text, stage-by-stage result sheet."""
    places = result.arithmetic.places if result.arithmetic.kind == "fixed" else 0
    width = max(len(c) for c in result.candidates) if result.candidates else 10
    width = max(width, len("Non-transferable"))

    def fig(v: Fraction) -> str:
        return format_value(v, places)

    def signed(v: Fraction) -> str:
        if v == 0:
            return ""
        return ("+" if v > 0 else "-") + format_value(abs(v), places)

    lines: list[str] = []
    if title:
        lines += [title, "=" * len(title)]
    lines.append(f"Method:      {_LABEL.get(result.method, result.method)}")
    lines.append(f"Arithmetic:  {result.arithmetic.describe()}")
    lines.append(f"Seats:       {result.seats}")
    lines.append(f"Valid votes: {fig(result.valid_votes)}")
    if result.quota is not None:
        lines.append(f"Quota:       {fig(result.quota)}")
    previous: tuple[Fraction, ...] | None = None
    prev_nt = Fraction(0)
    for rnd in result.rounds:
        lines.append("")
        head = f"Stage {rnd.number}: {rnd.action}"
        lines += [head, "-" * len(head)]
        lines.append(f"  {'Candidate':<{width}}  {'Transfer':>14}  {'Total':>14}")
        for i, name in enumerate(result.candidates):
            status = rnd.status[i] if rnd.status else ""
            if status == "withdrawn":
                continue
            change = rnd.votes[i] - previous[i] if previous is not None else Fraction(0)
            mark = {"elected": "  elected", "excluded": "  excluded"}.get(status, "")
            if status == "excluded" and rnd.votes[i] == 0 and change == 0:
                lines.append(f"  {name:<{width}}  {'':>14}  {'-':>14}{mark}")
                continue
            lines.append(f"  {name:<{width}}  {signed(change):>14}  {fig(rnd.votes[i]):>14}{mark}")
        nt = rnd.exhausted + rnd.lost
        lines.append(f"  {'Non-transferable':<{width}}  {signed(nt - prev_nt):>14}  {fig(nt):>14}")
        total = sum(rnd.votes, Fraction(0)) + nt
        lines.append(f"  {'Total':<{width}}  {'':>14}  {fig(total):>14}")
        if rnd.quota is not None and result.method != "irv":
            lines.append(f"  Quota {fig(rnd.quota)}")
        elif rnd.quota is not None:
            lines.append(f"  Votes needed to win {fig(rnd.quota)}")
        for e in result.events:
            if e.stage == rnd.number and e.kind in ("elected", "excluded", "tie", "deferred"):
                who = ", ".join(e.candidates)
                extra = f" ({e.detail})" if e.detail else ""
                word = {
                    "elected": "Elected",
                    "excluded": "Excluded",
                    "tie": "Tie between",
                    "deferred": "Surplus deferred",
                }[e.kind]
                lines.append(f"  {word}: {who}{extra}")
        previous = rnd.votes
        prev_nt = nt
    lines.append("")
    if result.ranking and result.method in ("schulze",):
        lines.append("Ranking: " + " > ".join(" = ".join(t) for t in result.ranking))
    lines.append("Elected, in order: " + (", ".join(result.winners) or "none"))
    return "\n".join(lines) + "\n"
