"""A small hybrid election, run end to end, for the postal verifier tests.

Twenty-four members, one three-candidate contest with blanks; every member has a paper and
an online credential. The plan exercises every postal event: papers counted, a paper voided
and replaced before its holder votes on the replacement, the voided original coming back
(refused), a member who posts a paper and then votes online (the paper stops counting under
precedence ``online``), one who votes online and then posts (refused), and after the close
the audit of every paper whose marks are not on the board.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from recordtools import SIGNERS

from tellers.crypto.group import bip340_public_key
from tellers.election.manifest import Choice, Contest, Manifest, Postal
from tellers.election.roll import Member
from tellers.simulate import DemoOutcome, Scenario, Vote, run_scenario
from tellers.simulate_hybrid import RETURN_ADDRESS, HybridPlan, PostalVote

__all__ = ["HYBRID_FIGURES", "hybrid_manifest", "hybrid_scenario", "run_hybrid"]

HYBRID_FIGURES = {"ada": 7, "bea": 5, "cyd": 2, "blank": 1}
"""What the small hybrid election declares."""


def hybrid_manifest(precedence: str = "online") -> Manifest:
    return Manifest(
        election_id="hybrid-2026",
        title="Small hybrid election",
        organisation="Test Workers' Union",
        scrutineer="Independent Scrutineer Ltd",
        opens="2026-03-02T09:00:00+00:00",
        closes="2026-03-23T12:00:00+00:00",
        revote="last",
        trustees=3,
        quorum=2,
        constituencies=("all",),
        contests=(
            Contest(
                "president",
                "President",
                "plurality",
                (Choice("ada", "Ada"), Choice("bea", "Bea"), Choice("cyd", "Cyd")),
            ),
        ),
        postal=Postal("hybrid", precedence, "2026-03-16T17:00:00+00:00", RETURN_ADDRESS),  # type: ignore[arg-type]
    )


def _pick(name: str) -> dict[str, list[str]]:
    return {"president": [] if name == "blank" else [name]}


def hybrid_scenario(precedence: str = "online") -> Scenario:
    """Members 0-5 vote online only; 6-11 by post; 12 posts then votes online (ada online,
    bea on paper); 13 votes online then posts (refused); 14 is sent a replacement and votes
    on it, and its original comes back too (refused as voided)."""
    manifest = hybrid_manifest(precedence)
    members = [Member(f"H{i:04d}", "all") for i in range(24)]
    online_votes = ["ada", "ada", "bea", "cyd", "blank", "bea"]
    postal_votes = ["ada", "ada", "bea", "cyd", "ada", "bea"]
    votes = [Vote(i, _pick(v)) for i, v in enumerate(online_votes)]
    votes += [Vote(12, _pick("ada")), Vote(13, _pick("bea"))]
    plan = HybridPlan(
        early_papers=[PostalVote(12, _pick("bea"))],
        papers=[
            PostalVote(6 + i, _pick(v), scanned=i in (0, 3)) for i, v in enumerate(postal_votes)
        ]
        + [PostalVote(13, _pick("ada")), PostalVote(14, _pick("ada"))],
        replaced=[14],
        late_originals=[PostalVote(14, _pick("cyd"))],
    )
    return Scenario("hybrid-test", manifest, members, votes, {"president": HYBRID_FIGURES}, plan)


def run_hybrid(out: Path, precedence: str = "online") -> DemoOutcome:
    """The small hybrid election; its trustees' keys are registered so that ``write_board``
    re-signs their decryptions over a tampered board."""
    outcome = run_scenario(hybrid_scenario(precedence), out)
    for one in outcome.trustees:
        SIGNERS[bip340_public_key(one.signing_key)] = one.signing_key
    return outcome


def with_precedence(scenario: Scenario, precedence: str) -> Scenario:
    return replace(scenario, manifest=hybrid_manifest(precedence))


def authority_of(outcome: DemoOutcome) -> Any:
    return outcome.postal["authority"]
