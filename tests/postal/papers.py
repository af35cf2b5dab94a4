"""Papers for the postal tests: a general-secretary election and a strike ballot.

Both are fictional but shaped as a union's are: three candidates with an
election address of about a hundred words each (names with Welsh and Polish
letters), and the two statutory questions of an industrial-action ballot.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TypeVar

from tellers.postal.content import PaperChoice, PaperContent, PaperContest

GS_ELECTION = "unite-gs-2026"
STRIKE_ELECTION = "unite-ia-2026-017"

_ADDRESSES = {
    "Siân Llewellyn": (
        "I have been a shop steward at the Port Talbot works for nineteen years and a member of "
        "the Executive Council since 2019. Members told me the same thing in every workplace I "
        "visited: pay has fallen behind prices, and the union must be in the workplace, not in "
        "the office. As General Secretary I will put organisers back on the ground, back every "
        "lawful dispute with the strike fund, publish every negotiated deal in full before the "
        "vote on it, and open the union's accounts to any member who asks. I will take the "
        "average wage of the members I represent, and not a penny more."
    ),
    "Marek Wiśniewski": (
        "I came to Britain in 2006 and joined the union on my first day at the Coventry bus "
        "depot. Since then I have negotiated three pay deals as branch secretary and led the "
        "2022 dispute that won sick pay from the first day. One in six of our members was born "
        "abroad; too many of them never hear from their union in a language they read. I will "
        "translate every ballot notice and guide, train a thousand new workplace reps in two "
        "years, and fight the anti-union laws in Parliament and in the courts. A union is only "
        "as strong as its reps: I will give them the time, the training and the support."
    ),
    "Dennis Okoro": (
        "For twenty-five years I have worked in the NHS as a porter, then as a regional officer "
        "for health, where we won the 2023 agreement on safe staffing in eleven trusts. Our "
        "union's strength is its members' unity across every sector, from aerospace to "
        "hospitality. As General Secretary I will keep the union's money working for members: "
        "legal help within a week for anyone disciplined at work, an independent review of "
        "every office's spending, and a members' conference every year where the policy is "
        "decided by delegates, not by officials. I ask for your vote so that we can win again."
    ),
}


def _content(
    election_id: str, title: str, number: int, contests: tuple[PaperContest, ...], **kw: object
) -> PaperContent:
    fields: dict[str, object] = {
        "election_id": election_id,
        "title": title,
        "organisation": "Unite the Union",
        "scrutineer": "Civica Election Services Ltd",
        "return_address": "Civica Election Services, The Election Centre,\n"
        "33 Clarendon Road, London N8 0NW",
        "closes": "2026-04-23T12:00:00+01:00",
        "number": number,
        "confirmation": "K7Q4-M2XD-93FA",
        "lookup_url": "https://vote.example.org/check",
        "credential_code": None,
        "contests": contests,
    }
    fields.update(kw)
    return PaperContent(**fields)  # type: ignore[arg-type]


def general_secretary(number: int = 1234, **kw: object) -> PaperContent:
    """The general-secretary paper: one contest, three candidates, each with an address."""
    codes = ("4K7", "9TQ", "2MF")
    choices = tuple(
        PaperChoice(f"cand-{i}", name, codes[i], address)
        for i, (name, address) in enumerate(_ADDRESSES.items())
    )
    contest = PaperContest(
        "general-secretary", "General Secretary", "Vote for one candidate only.", 1, choices
    )
    kw.setdefault("credential_code", "HV7K-3QPD-XM2R-9TFA")
    return _content(GS_ELECTION, "General Secretary 2026", number, (contest,), **kw)


def strike_ballot(number: int = 5678, **kw: object) -> PaperContent:
    """A strike ballot: two yes/no questions, as TULRCA s.229(2) asks them."""
    questions = (
        "Are you prepared to take part in industrial action consisting of a strike?",
        "Are you prepared to take part in industrial action short of a strike?",
    )
    contests = tuple(
        PaperContest(
            f"question-{n}",
            f"Question {n}",
            text,
            1,
            (
                PaperChoice("yes", "Yes", f"Y{n}H", ""),
                PaperChoice("no", "No", f"N{n}J", ""),
            ),
        )
        for n, text in enumerate(questions, start=1)
    )
    return _content(
        STRIKE_ELECTION,
        "Industrial action ballot: Metroline London bus drivers, pay 2026",
        number,
        contests,
        closes="2026-11-19T17:00:00+00:00",
        **kw,
    )


def lookup_of(*contents: PaperContent) -> Callable[[int], PaperContent]:
    """The print authority's file of ``contents``, as the reader's look-up."""
    by_number = {c.number: c for c in contents}
    return by_number.__getitem__


_Value = TypeVar("_Value", PaperContent, PaperContest)


def replaced(value: _Value, **changes: object) -> _Value:
    """``value`` with ``changes`` to its fields."""
    return dataclasses.replace(value, **changes)  # type: ignore[arg-type]
