"""Every public reference case in ../shared/counting-cases/, one line each."""

from __future__ import annotations

import pytest
from tests.counting.cases import SHARED, list_checks, run_check

# Cases the team believes Tellers should not (or cannot yet) match; each says why.
_RCTAB_MULTI = (
    "RCTab multi-winner fractional-surplus tabulation (winnerElectionMode "
    "multiWinnerAllow*WinnersPerRound) is not implemented yet"
)
_UNSEEN = "not yet matched; cause not investigated (open item in issue #4)"
_VM12 = (
    "X, Y and Z tie for exclusion; the reference program decided it by its own "
    "draw (Droop 'Break tie by lot'), which Tellers' declared-order policy does not reproduce"
)
_STVRS = "stv-rs Meek tie-breaking and 'equalize' variants not matched yet; " + _UNSEEN
XFAIL: dict[tuple[str, str], str] = {
    ("droop-42t-explicit-tie-order", "droop:meek:o10-rational-d12"): (
        "Droop's [tie] order applied to Meek: " + _UNSEEN
    ),
    ("droop-42t-explicit-tie-order", "droop:meek:o9-guarded-p18-g9-d18"): (
        "Droop's [tie] order applied to Meek: " + _UNSEEN
    ),
    **{
        ("droop-votingmatters12", c): _VM12
        for c in (
            "openstv:ERS97STV",
            "openstv:MeekSTV",
            "openstv:ScottishSTV",
            "droop:meek-prf:o6-fixed-p9-d9",
            "droop:scotland:fixed-p5-d5",
        )
    },
    **{
        (c, "rctab"): _RCTAB_MULTI
        for c in (
            "rctab-more-winners-than-candidates",
            "rctab-mpls-2013-park",
            "rctab-mpls-2013-park-hare",
            "rctab-mpls-multiseat-threshold",
            "rctab-multiseat-uwi",
            "rctab-multiwinner-fractional-threshold",
            "rctab-multiwinner-whole-threshold",
            "rctab-one-winner-per-round",
        )
    },
    ("rctab-bottoms-up-cutoff", "rctab"): "RCTab bottoms-up percentage threshold: " + _UNSEEN,
    ("rctab-bottoms-up-static", "rctab"): "RCTab bottoms-up percentage threshold: " + _UNSEEN,
    ("rctab-tiebreak-previous-round", "rctab"): "RCTab previousRoundCountsThenRandom: " + _UNSEEN,
    ("rctab-uwi-cannot-win", "rctab"): "RCTab undeclared write-in handling: " + _UNSEEN,
    ("plurality-mpls-2017-first-choices", "tally"): "first-choice tallies differ: " + _UNSEEN,
    **{
        (c, f"droop:meek:{v}"): _STVRS
        for c, v in (
            ("stvrs-droop-crash-elect-too-many", "approx"),
            ("stvrs-droop-crash-elect-too-many", "equalize.approx"),
            ("stvrs-droop-crash-minimal", "equalize.fixed9"),
            ("stvrs-droop-crash-minimal", "fixed9"),
            ("stvrs-recursive-descent-blocked", "fixed9"),
            ("stvrs-tie-break-explicit", "equalize.fixed9"),
            ("stvrs-tie-break-explicit", "fixed9"),
            ("stvrs-tie-break-implicit", "equalize.fixed9"),
            ("stvrs-tie-break-implicit", "fixed9"),
        )
    },
}

_CHECKS = list_checks()
_PARAMS = [
    pytest.param(case, check, marks=pytest.mark.xfail(reason=XFAIL[(case, check)], strict=True))
    if (case, check) in XFAIL
    else (case, check)
    for case, check in _CHECKS
]


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared counting cases not found at {SHARED}")
@pytest.mark.parametrize(("case", "check"), _PARAMS or [("none", "none")])
def test_case(case: str, check: str) -> None:
    run_check(case, check)
