"""Statutory documents from the verified record: the s.52 report, the s.231 notices (reports.md).

The core builds each document once (``document.Document``) from the
verifier's figures and the scrutineer's own statements; ``pdf``, ``html``
and ``text`` render it. Nothing here prints or knows a web framework.
"""

from tellers.reports.figures import VerifiedFigures, verified_figures
from tellers.reports.logs import Logs, parse_logs, read_logs
from tellers.reports.s52 import s52_report
from tellers.reports.statements import Statements, parse_statements, read_statements

__all__ = [
    "Logs",
    "Statements",
    "VerifiedFigures",
    "parse_logs",
    "parse_statements",
    "read_logs",
    "read_statements",
    "s52_report",
    "verified_figures",
]
