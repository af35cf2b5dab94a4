"""The board's postal rules (postal.md §5): the paper series, voids, replacements, returns, and
which of a member's ballots counts across channels.

``PaperLedger`` is what a board (``tellers.board``) and the verifier
(``tellers.verify``) both keep of the papers: who holds each, which are
voided, which came back. Its ``decide_*`` methods return the event a message
becomes and raise ``BallotRejected`` for what is written nowhere (a void of a
paper that cannot be voided, a replacement out of turn), exactly as the
verifier re-derives them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from tellers.election.manifest import Manifest
from tellers.errors import BallotRejected, InvalidSignature
from tellers.parties import check_signed
from tellers.postal.messages import (
    AUDIT,
    LIST,
    REPLACEMENT,
    VOID,
    PaperEntry,
    message_problem,
)

__all__ = [
    "GENUINE",
    "POSTAL_REASONS",
    "Found",
    "PaperLedger",
    "cross_channel",
]

POSTAL_REASONS = {
    "malformed": "the return could not be read, or does not have a return's shape",
    "wrong-election": "the return is for another election",
    "bad-signature": "the opening house's signature does not verify",
    "unknown-paper": "no paper with this number was issued",
    "not-entitled": "the return's contests are not the paper's",
    "bad-vector": "a marked vector is not one the paper committed to",
    "bad-proof": "a proof in the return does not verify",
    "voided": "the paper was voided (replaced, lost or spoilt) before it came back",
    "replay": "this paper has already come back",
    "spoilt": "the paper came back spoilt: no valid mark",
    "audit": "the member sent the paper back unused, to be audited",
    "online-counts": "the member's online ballot counts (the manifest's precedence: online)",
    "first-counts": "the member's first ballot counts (the manifest's precedence: first)",
}
GENUINE = ("voided", "spoilt", "audit", "online-counts", "first-counts")
"""Refusals of a real return of a real paper: after one, the paper has come back."""


def cross_channel(manifest: Manifest, new: str, counted: str | None) -> str | None:
    """Across channels (postal.md §5.5): None if a ballot of channel ``new`` counts when the
    member's counted ballot is of channel ``counted`` (superseding it), else the refusal
    reason. Two online ballots follow the manifest's ``revote`` instead (record.md §5.3)."""
    if counted is None or manifest.postal is None:
        return None
    precedence = manifest.postal.precedence
    if new == counted:  # a second paper of one member: never both counted
        return "first-counts"
    if precedence == "first":
        return "first-counts"
    if precedence == new:
        return None
    return "online-counts" if counted == "online" else "postal-counts"


class Found(Protocol):
    """What the content checks found of a return (``returns.ReturnCheck``, or the verifier's
    finding): its first content reason, the paper and its status."""

    @property
    def reason(self) -> str | None: ...
    @property
    def detail(self) -> str: ...
    @property
    def number(self) -> int | None: ...
    @property
    def status(self) -> str | None: ...


@dataclass
class PaperLedger:
    manifest: Manifest
    fingerprint: bytes
    papers: dict[int, PaperEntry] = field(default_factory=dict)
    voided: set[int] = field(default_factory=set)
    replaced: set[int] = field(default_factory=set)
    returned: set[int] = field(default_factory=set)
    """Papers that came back (an accepted return, or a refusal in ``GENUINE``)."""
    exposed: set[int] = field(default_factory=set)
    """Papers whose marks are on the board (any kept return with marks): never audited."""
    print_authority: bytes | None = None
    opening_house: bytes | None = None
    statement: dict[str, Any] | None = None

    @property
    def issued(self) -> int:
        return len(self.papers)

    def holder(self, number: int) -> PaperEntry | None:
        return self.papers.get(number)

    # The list, before voting opens ---------------------------------------------

    def take_list(self, statement: Any, entries: list[PaperEntry], papers_hash: bytes) -> None:
        """The print authority's signed statement of the papers it issued; ``ValueError``
        unless it is well formed, signed, and names this election and this list."""
        problem = message_problem(statement, LIST)
        if problem is not None:
            raise ValueError(f"the paper list statement: {problem}")
        key = bytes.fromhex(statement["print_authority"]["signing_key"])
        check_signed(statement, key, "the paper list statement")
        if statement["election"] != self.fingerprint.hex():
            raise ValueError("the paper list statement names another election")
        if statement["papers"] != len(entries) or statement["papers_hash"] != papers_hash.hex():
            raise ValueError("the paper list statement does not describe papers.jsonl")
        self.statement = statement
        self.print_authority = key
        self.opening_house = bytes.fromhex(statement["opening_house"]["signing_key"])
        for entry in entries:
            self.papers[entry.number] = entry

    # Voids and replacements -------------------------------------------------------

    def _signed(self, message: Any, kind: str) -> None:
        problem = message_problem(message, kind)
        if problem is not None:
            raise BallotRejected("malformed", problem)
        if message["election"] != self.fingerprint.hex():
            raise BallotRejected("wrong-election", "the message names another election")
        assert self.print_authority is not None
        try:
            check_signed(message, self.print_authority, kind)
        except InvalidSignature as exc:
            raise BallotRejected("bad-signature", str(exc)) from None

    def void_problem(self, message: Any) -> BallotRejected | None:
        try:
            self._signed(message, VOID)
        except BallotRejected as exc:
            return exc
        number = message["number"]
        if number not in self.papers:
            return BallotRejected("unknown-paper", f"no paper {number} was issued")
        if number in self.voided:
            return BallotRejected("voided", f"paper {number} is already voided")
        if number in self.returned:
            return BallotRejected("replay", f"paper {number} has come back: it cannot be voided")
        return None

    def void(self, message: Any) -> None:
        problem = self.void_problem(message)
        if problem is not None:
            raise problem
        self.voided.add(message["number"])

    def replacement_problem(self, message: Any, at: str) -> BallotRejected | None:
        try:
            self._signed(message, REPLACEMENT)
        except BallotRejected as exc:
            return exc
        assert self.manifest.postal is not None
        cutoff = datetime.fromisoformat(self.manifest.postal.replacements_close)
        if datetime.fromisoformat(at) >= cutoff:
            return BallotRejected(
                "too-late",
                f"no replacement is issued at or after {self.manifest.postal.replacements_close}",
            )
        old = message["replaces"]
        if old not in self.voided or old in self.replaced:
            return BallotRejected(
                "not-voided", f"paper {old} is not a voided paper still to be replaced"
            )
        if message["credential"] != self.papers[old].credential.hex():
            return BallotRejected("wrong-holder", "a replacement goes to the voided paper's holder")
        if message["number"] != len(self.papers) + 1:
            return BallotRejected(
                "out-of-series", f"the next paper in the series is {len(self.papers) + 1}"
            )
        return None

    def replace(self, message: Any, at: str) -> None:
        problem = self.replacement_problem(message, at)
        if problem is not None:
            raise problem
        number = message["number"]
        self.replaced.add(message["replaces"])
        self.papers[number] = PaperEntry(
            number,
            bytes.fromhex(message["credential"]),
            bytes.fromhex(message["confirmation"]),
            message["replaces"],
        )

    # Returns ----------------------------------------------------------------------

    def board_reason(self, found: Found, counted_channel: str | None) -> tuple[str | None, str]:
        """The first reason after the content checks (postal.md §5.4): voided, replay,
        spoilt, audit, then the cross-channel rule; (None, "") when the return counts."""
        if found.reason is not None:
            return found.reason, found.detail
        assert found.number is not None
        if found.number in self.voided:
            return "voided", POSTAL_REASONS["voided"]
        if found.number in self.returned:
            return "replay", POSTAL_REASONS["replay"]
        if found.status in ("spoilt", "audit"):
            assert found.status is not None
            return found.status, POSTAL_REASONS[found.status]
        reason = cross_channel(self.manifest, "postal", counted_channel)
        if reason is not None:
            return reason, POSTAL_REASONS[reason]
        return None, ""

    def record_return(self, number: int | None, reason: str | None, marks: bool) -> None:
        """What a return event leaves in the ledger: the paper came back (if the return is
        counted or a ``GENUINE`` refusal); its marks are public (if it shows any)."""
        if number is None:
            return
        if reason is None or reason in GENUINE:
            self.returned.add(number)
        if marks and number in self.papers:
            self.exposed.add(number)

    def to_audit(self) -> list[int]:
        """The papers whose seeds the print authority publishes after the close (§6)."""
        return [n for n in sorted(self.papers) if n not in self.exposed]

    def audit_problem(self, message: Any) -> str | None:
        problem = message_problem(message, AUDIT)
        if problem is not None:
            return problem
        if message["election"] != self.fingerprint.hex():
            return "the audit names another election"
        assert self.print_authority is not None
        try:
            check_signed(message, self.print_authority, "paper audit")
        except InvalidSignature as exc:
            return str(exc)
        return None
