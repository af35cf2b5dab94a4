"""``count(election, rules)``: the one entry point, a pure function."""

from __future__ import annotations

from tellers.counting.ballots import Election
from tellers.counting.result import Result
from tellers.counting.rules import Rules, default_ballot_options
from tellers.errors import CountingError

__all__ = ["count"]


def count(election: Election, rules: Rules) -> Result:
    """Count ``election`` under ``rules``; never prints, never prompts.

    Raises :class:`~tellers.errors.CountingError` when the count cannot
    proceed (no candidates, more seats than candidates where the rule cannot
    cope, or a tie the rule and the tie policy leave undecided).
    """
    seats = rules.seats or election.seats
    if seats < 1:
        raise CountingError(f"need at least one seat, found {seats}")
    if not election.candidates:
        raise CountingError("no candidates")
    options = rules.ballots or default_ballot_options(rules.method)
    method = rules.method
    if method in ("plurality", "approval"):
        from tellers.counting.plurality import count_plurality

        return count_plurality(election, rules)
    if method == "irv":
        from tellers.counting.irv import count_irv

        return count_irv(election, rules, options)
    if method == "stv-scottish":
        from tellers.counting.stv_scottish import count_scottish

        return count_scottish(election, rules, options)
    if method == "stv-ers97":
        from tellers.counting.stv_ers97 import count_ers97

        return count_ers97(election, rules, options)
    if method == "stv-meek":
        from tellers.counting.stv_meek import count_meek

        return count_meek(election, rules, options)
    if method == "schulze":
        from tellers.counting.schulze import count_schulze

        return count_schulze(election, rules)
    raise CountingError(f"unknown method {method!r}")
