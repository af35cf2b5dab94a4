"""Counting rules: pure functions from ballots to a result, exact arithmetic.

``count(election, rules) -> Result`` runs plurality, block vote, approval,
IRV, STV (ERS97, Meek, Scottish) or Schulze over an :class:`Election` read
from a ``.blt`` or JSON-lines file (or built from decrypted ballots). The
result carries every stage's figures and an event log; ties go through the
:class:`TiePolicy` passed in. Nothing here prints, prompts or uses floats.
"""

from __future__ import annotations

from tellers.counting.arithmetic import Arithmetic
from tellers.counting.ballots import OVERVOTE, Ballot, BallotOptions, Election
from tellers.counting.blt import parse_blt, read_blt, write_blt
from tellers.counting.dispatch import count
from tellers.counting.jsonl import parse_jsonl, read_jsonl
from tellers.counting.report import format_result
from tellers.counting.result import Event, Result, Round
from tellers.counting.rules import METHODS, Method, Rules, default_ballot_options
from tellers.counting.thresholds import ThresholdResult, check_thresholds
from tellers.counting.ties import TiePolicy

__all__ = [
    "METHODS",
    "OVERVOTE",
    "Arithmetic",
    "Ballot",
    "BallotOptions",
    "Election",
    "Event",
    "Method",
    "Result",
    "Round",
    "Rules",
    "ThresholdResult",
    "TiePolicy",
    "check_thresholds",
    "count",
    "default_ballot_options",
    "format_result",
    "parse_blt",
    "parse_jsonl",
    "read_blt",
    "read_jsonl",
    "write_blt",
]
