"""The standing candidates as the contest's choices (nominations.md §6).

Each choice takes the candidate's registered id and name, in the order the
close decided, and the text of their election address (the manifest's
``Choice.address``); the photograph, where there is one, stays with the
published nominations log and the addresses it renders.
"""

from __future__ import annotations

from tellers.election.manifest import Choice, Contest
from tellers.errors import NominationError
from tellers.nominations.outcome import Outcome

__all__ = ["check_choices", "contest_choices"]


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


def check_choices(contest: Contest, outcome: Outcome) -> None:
    """That ``contest`` offers exactly the candidates ``outcome`` declared: the same ids and
    names, in the same order, with the same addresses (nominations.md §6.3). For a verifier
    given the election's manifest and its published nominations log; ``NominationError``
    naming the first difference."""
    if contest.id != outcome.contest:
        raise NominationError(
            f"contest: the nominations were for {outcome.contest!r}, found {contest.id!r}"
        )
    want = contest_choices(outcome)
    if len(contest.choices) != len(want):
        raise NominationError(
            f"contest {contest.id}: expected {len(want)} choices (the standing candidates), "
            f"found {len(contest.choices)}"
        )
    for i, (found, expected) in enumerate(zip(contest.choices, want, strict=True)):
        for field in ("id", "name", "address"):
            if getattr(found, field) != getattr(expected, field):
                raise NominationError(
                    f"contest {contest.id}.choices[{i}].{field}: the nominations log gives "
                    f"{getattr(expected, field)!r}, the manifest {getattr(found, field)!r}"
                )
