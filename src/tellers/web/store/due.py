"""What the officer must do next, in plain words (the officer's and scrutineer's pages)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from tellers.web.rollcheck.importer import needs_acknowledging as roll_needs_acknowledging
from tellers.web.store import mixing, steps
from tellers.web.store.ceremony import complaints
from tellers.web.store.models import Election
from tellers.web.store.steps import S

__all__ = ["Due", "due_step"]


@dataclass(frozen=True, slots=True)
class Due:
    step: str
    """A stable code: roll, roll-checks, trustees, ceremony, complaint, credentials, open, voting,
    close, tally, shuffle, decryption, sign-off, publish, published."""
    text: str


def due_step(election: Election) -> Due:
    """The officer's next step, in plain words."""
    if election.status == S.DRAFT:
        if not election.members.exists():
            return Due("roll", _("Import the roll."))
        if roll_needs_acknowledging(election):
            return Due("roll-checks", _("Read the roll's check report and acknowledge it."))
        if not election.trustees.exists():
            return Due("trustees", _("Name the trustees and send them their links."))
        if any(c.loser is None for c in complaints(election)) and not election.election_key:
            return Due("complaint", _("A trustee complained about a share: see below."))
        if not election.election_key:
            return Due("ceremony", _("Waiting for the trustees to complete the key ceremony."))
        if not election.credentials.exists():
            return Due(
                "credentials",
                _("Waiting for the credential authority's list (the scrutineer uploads it)."),
            )
        return Due("open", _("Open the election."))
    if election.status == S.OPEN:
        if election.closes_at and steps.now() >= election.closes_at:
            return Due("close", _("Voting time is over: close the election."))
        return Due("voting", _("Voting is open."))
    if election.status == S.CLOSED:
        return Due("tally", _("Start the tally."))
    if election.status == S.TALLYING:
        if not mixing.mixing_done(election):
            return Due(
                "shuffle",
                _(
                    "Waiting for the trustees to shuffle the ranked contests' ballots, each in "
                    "turn; once a quorum has, you may go on without the rest."
                ),
            )
        if election.result is None:
            return Due("decryption", _("Waiting for a quorum of trustees to decrypt the tally."))
        if election.signed_off_at is None:
            return Due("sign-off", _("Waiting for the scrutineer to sign the result off."))
        return Due("publish", _("Publish the result."))
    return Due("published", _("The result is published."))
