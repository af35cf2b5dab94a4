"""The standing candidates as the contest's choices (nominations.md §6).

Each choice takes the candidate's registered id and name, in the order the
close decided, and the text of their election address (the manifest's
``Choice.address``); the photograph, where there is one, stays with the
published nominations log and the addresses it renders.
"""

from __future__ import annotations

from tellers.election.manifest import Choice
from tellers.errors import NominationError
from tellers.nominations.outcome import Outcome

__all__ = ["contest_choices"]


def contest_choices(outcome: Outcome) -> tuple[Choice, ...]:
    """The ``Contest.choices`` for ``outcome``'s contest, in ballot order with addresses.

    ``NominationError`` when fewer than two candidates stand: one is returned unopposed
    (TULRCA s.53) and none means nominations must be held again; neither needs a ballot.
    """
    if len(outcome.candidates) < 2:
        names = ", ".join(s.name for s in outcome.candidates) or "no candidate"
        raise NominationError(
            f"contest {outcome.contest}: expected at least 2 standing candidates for a ballot, "
            f"found {len(outcome.candidates)} ({names})"
        )
    return tuple(
        Choice(s.id, s.name, "" if s.address is None else s.address.text)
        for s in outcome.candidates
    )
