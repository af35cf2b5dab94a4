"""Nominations (TULRCA s.47–s.48; docs/spec/nominations.md).

The nominating bodies (``bodies``), the period and the eligibility rules
(``rules``), the hash-chained log of every step and its replay
(``log``, ``ledger``), what the close decides (``outcome``), the
standing candidates as the contest's choices (``contest``), election
addresses checked (``addresses``) and laid out once for the site and the
postal pack (``render``).
"""

from __future__ import annotations

from tellers.nominations.bodies import NominatingBody, read_bodies_csv
from tellers.nominations.contest import contest_choices
from tellers.nominations.ledger import NominationsLog, check_log
from tellers.nominations.outcome import Outcome
from tellers.nominations.rules import Period, Rules

__all__ = [
    "NominatingBody",
    "NominationsLog",
    "Outcome",
    "Period",
    "Rules",
    "check_log",
    "contest_choices",
    "read_bodies_csv",
]
