"""The rules a count runs under: one frozen value, passed in whole.

Every option the real data needs is explicit here, with each rule's own
default filled in by :func:`default_ballot_options`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from tellers.counting.ballots import BallotOptions
from tellers.counting.ties import TiePolicy

__all__ = ["METHODS", "IrvMode", "Method", "Rules", "default_ballot_options"]

Method = Literal["plurality", "approval", "irv", "stv-ers97", "stv-meek", "stv-scottish", "schulze"]
METHODS: tuple[Method, ...] = (
    "plurality",
    "approval",
    "irv",
    "stv-ers97",
    "stv-meek",
    "stv-scottish",
    "schulze",
)
IrvMode = Literal[
    "single", "sequential", "bottoms-up", "multi-winner", "multi-winner-one-per-round"
]


@dataclass(frozen=True)
class Rules:
    """How to count.

    ``seats`` of ``None`` takes the number from the ballot file. ``ballots``
    of ``None`` takes the rule's default handling of marks.

    IRV options follow RCTab's (the rules of the US cities whose results
    the test cases reproduce): ``batch_elimination`` excludes together all
    the lowest candidates whose combined votes are below the next one's;
    ``continue_until_two`` keeps excluding after a majority until two remain;
    ``stop_after_round`` ends the count early; ``write_in`` names a
    pseudo-candidate (undeclared write-ins) excluded first and never elected;
    ``irv_mode`` elects several seats by repeated IRV (``"sequential"``), by
    excluding until the seats remain (``"bottoms-up"``), optionally until
    every remaining candidate has more than ``bottoms_up_threshold`` of the
    vote (fixed at the first round's figure if ``threshold_from_first_round``;
    with ``cutoff_elimination`` every candidate not above it goes at once),
    or by RCTab's multi-winner count with fractional surplus transfers
    (``"multi-winner"``, or ``"multi-winner-one-per-round"``), whose
    threshold is the Droop quota, or the Hare quota with ``hare_quota``, in
    whole votes unless ``fractional_threshold``, and whose surplus
    arithmetic keeps ``vote_places`` decimals (see ``irv_multi``).

    Meek counts at ``meek_places`` decimals and iterates until surpluses are
    below ``10**-meek_omega_places``. Schulze puts unranked candidates below
    ranked ones when ``unranked_last`` (Debian constitution A.6).
    """

    method: Method
    seats: int | None = None
    ballots: BallotOptions | None = None
    ties: TiePolicy = field(default_factory=TiePolicy)
    batch_elimination: bool = False
    continue_until_two: bool = False
    stop_after_round: int | None = None
    write_in: str | None = "Undeclared Write-ins"
    irv_mode: IrvMode = "single"
    bottoms_up_threshold: Fraction | None = None
    threshold_from_first_round: bool = False
    cutoff_elimination: bool = False
    hare_quota: bool = False
    fractional_threshold: bool = False
    vote_places: int = 4
    meek_places: int = 9
    meek_omega_places: int = 6
    unranked_last: bool = True


def default_ballot_options(method: Method) -> BallotOptions:
    """Each rule's own reading of marks.

    Paper STV (ERS97 6.10, SSI 2007/42 r.46): a preference that is uncertain
    (two candidates at one rank, a gap, a repeated candidate) ends the paper.
    IRV passes over repeats and blank ranks. Schulze and Meek accept equal
    rankings.
    """
    if method in ("stv-ers97", "stv-scottish"):
        return BallotOptions(overvote="exhaust", max_skipped=0, duplicate="exhaust")
    if method == "stv-meek":
        return BallotOptions(overvote="equal", max_skipped=0, duplicate="exhaust")
    if method == "schulze":
        return BallotOptions(overvote="equal")
    return BallotOptions(overvote="exhaust", duplicate="skip")
