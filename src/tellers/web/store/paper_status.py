"""What the board says of one voting paper, for its holder's look-up, and the papers' figures.

A member looks a paper up with the two things printed on it: its number and
its confirmation code (``short_text`` of the paper's confirmation hash,
postal.md §3). A number with another code is answered as a number with no
paper, so that the look-up tells nobody which papers exist. What is shown
comes from the board's events that name the paper (``PaperEvent``): its
void and replacement, each return (received on, counted, superseded by an
online ballot, or refused and why, with the short codes recorded for each
question), and the audit of an unused paper after the close.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tellers import canonical
from tellers.crypto.credentials import ALPHABET
from tellers.parties import short_text
from tellers.postal.content import paper_label
from tellers.postal.ledger import GENUINE
from tellers.web.store.context import manifest as manifest_of
from tellers.web.store.models import BoardEvent, Election, Paper, PaperEvent

__all__ = [
    "PaperFigures",
    "PaperStatus",
    "ReturnSeen",
    "look_up",
    "normalise_confirmation",
    "paper_figures",
]

_FOLD = str.maketrans({"O": "0", "I": "1", "L": "1"})
CODE_LENGTH = 16


def normalise_confirmation(text: str) -> str | None:
    """A typed confirmation code as ``short_text`` writes it, or None if it cannot be one:
    case, spaces and hyphens do not matter, and O reads as 0, I and L as 1."""
    code = "".join(text.split()).replace("-", "").upper().translate(_FOLD)
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        return None
    return "-".join(code[i : i + 4] for i in range(0, CODE_LENGTH, 4))


@dataclass(frozen=True, slots=True)
class ReturnSeen:
    """One return of the paper as the board recorded it."""

    seq: int
    received: datetime | None
    """When the opening house received the paper (the return's own date)."""
    outcome: str
    """``counted``, ``superseded`` (a later online ballot counts instead) or ``refused``."""
    reason: str | None
    """The refusal's reason (``POSTAL_REASONS``)."""
    status: str
    """The return's status: marked, spoilt or audit (sent back unused)."""
    tracker: str
    codes: tuple[tuple[str, tuple[str, ...]], ...]
    """(question's title, the short codes recorded for its marks) per question."""


@dataclass(frozen=True, slots=True)
class PaperStatus:
    number: int
    label: str
    replaces: str | None
    """The label of the paper this one replaces."""
    void_reason: str | None
    """Why the paper was voided (``VOID_REASONS``), None if it was not."""
    replaced_by: str | None
    """The label of the paper issued in its place."""
    returns: tuple[ReturnSeen, ...]
    audited: bool
    """Its codes were published after the close (an unused paper, postal.md §6)."""

    @property
    def received(self) -> bool:
        return bool(self.returns)


def _paper(election: Election, number: int) -> Paper | None:
    on_board = BoardEvent.objects.filter(election=election, type="papers-issued").exists()
    if not on_board:
        return None
    return Paper.objects.filter(election=election, number=number).first()


def look_up(election: Election, number: int, code: str) -> PaperStatus | None:
    """The paper ``number`` if ``code`` is its confirmation code, else None (the same answer
    as for a number no paper has)."""
    wanted = normalise_confirmation(code)
    paper = _paper(election, number)
    if paper is None or wanted is None:
        return None
    if short_text(bytes.fromhex(paper.confirmation)) != wanted:
        return None
    from tellers.web.voter.models import CountedBallot

    counted = CountedBallot.objects.filter(election=election, credential=paper.credential).first()
    manifest = manifest_of(election)
    titles = {c.id: c.title for c in manifest.contests}
    index = PaperEvent.objects.filter(election=election, number=number).order_by("seq")
    seqs = {row.seq: row for row in index}
    events = BoardEvent.objects.filter(election=election, seq__in=list(seqs)).order_by("seq")
    void_reason = None
    returns = []
    audited = False
    for event in events.only("seq", "type", "body"):
        body = canonical.loads(event.body)
        if event.type == "paper-voided" and body["message"]["number"] == number:
            void_reason = body["message"]["reason"]
        elif event.type in ("paper-accepted", "paper-refused") and body["return"] is not None:
            returns.append(_return_seen(event.seq, event.type, body, counted, titles))
        elif event.type == "paper-audit":
            audited = True
    replacement = Paper.objects.filter(election=election, replaces=number).first()
    return PaperStatus(
        number,
        paper_label(number),
        None if paper.replaces is None else paper_label(paper.replaces),
        void_reason,
        None if replacement is None else paper_label(replacement.number),
        tuple(returns),
        audited,
    )


def _return_seen(
    seq: int, kind: str, body: dict[str, Any], counted: Any, titles: dict[str, str]
) -> ReturnSeen:
    returned = body["return"]
    try:
        received: datetime | None = datetime.fromisoformat(returned["received"])
    except (TypeError, ValueError):
        received = None
    if kind == "paper-refused":
        outcome, reason = "refused", str(body["reason"])
    elif counted is not None and counted.tracker == body["tracker"]:
        outcome, reason = "counted", None
    else:
        outcome, reason = "superseded", None
    codes = tuple((titles.get(c["id"], c["id"]), tuple(c["codes"])) for c in returned["contests"])
    return ReturnSeen(
        seq, received, outcome, reason, returned["status"], body["tracker"] or "", codes
    )


@dataclass(frozen=True, slots=True)
class PaperFigures:
    """The papers as the board has them, for the scrutineer (and, where the board is shown,
    the public)."""

    issued: int
    """Papers on the board: the list and the replacements."""
    replacements: int
    voided: int
    returned: int
    """Papers that came back (counted, or refused as a paper that did come back)."""
    counted: int
    """Members whose counted ballot is a paper, now."""
    refused: dict[str, int]
    """Refused returns by reason."""
    audited: int


def paper_figures(election: Election) -> PaperFigures | None:
    """None while no paper list is on the board."""
    if not BoardEvent.objects.filter(election=election, type="papers-issued").exists():
        return None
    from tellers.web.voter.models import CountedBallot

    index = PaperEvent.objects.filter(election=election)
    kinds = Counter(index.values_list("type", flat=True))
    refused: Counter[str] = Counter(
        index.filter(type="paper-refused").values_list("reason", flat=True)
    )
    unnumbered = (
        BoardEvent.objects.filter(election=election, type="paper-refused").count()
        - kinds["paper-refused"]
    )
    if unnumbered:
        refused["malformed"] += unnumbered
    came_back = index.filter(type="paper-accepted") | index.filter(
        type="paper-refused", reason__in=GENUINE
    )
    papers = Paper.objects.filter(election=election)
    return PaperFigures(
        issued=papers.count(),
        replacements=papers.filter(replaces__isnull=False).count(),
        voided=kinds["paper-voided"],
        returned=came_back.values("number").distinct().count(),
        counted=CountedBallot.objects.filter(election=election, channel="postal").count(),
        refused=dict(refused),
        audited=kinds["paper-audit"],
    )
