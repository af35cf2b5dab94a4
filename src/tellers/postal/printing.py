"""What the print authority gives the mail house for one paper: its ``PaperContent``.

The codes beside the boxes are the short codes of the paper's vectors in mark order
(postal.md §3.3): one per choice. A contest's blank vector has no box: a paper with
no valid mark in a contest that allows a blank is recorded with it (postal.md §5.4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tellers.election.manifest import Manifest
from tellers.parties import short_text
from tellers.postal.content import PaperChoice, PaperContent, PaperContest
from tellers.postal.preencrypt import PreencryptedPaper

__all__ = ["DEFAULT_LOOKUP", "content", "paper_content"]

DEFAULT_LOOKUP = "the election's page on the voting site, under 'Check a paper'"


def content(
    manifest: Manifest,
    number: int,
    codes: Mapping[str, Sequence[str]],
    confirmation: str,
    *,
    lookup_url: str = DEFAULT_LOOKUP,
    credential_code: str | None = None,
    replaces: int | None = None,
) -> PaperContent:
    """The printed paper ``number``: every statutory item from the manifest, and for each
    contest of ``codes`` (contest id -> the code of each choice, then the blank's if any,
    in mark order) each choice with its code; ``confirmation`` for the stub."""
    if manifest.postal is None:
        raise ValueError("the manifest has no postal channel")
    contests = []
    for contest in manifest.contests:
        if contest.id not in codes:
            continue
        marks = codes[contest.id]
        contests.append(
            PaperContest(
                contest.id,
                contest.title,
                contest.statement,
                contest.max_selections,
                tuple(
                    PaperChoice(c.id, c.name, marks[i], c.address)
                    for i, c in enumerate(contest.choices)
                ),
            )
        )
    return PaperContent(
        election_id=manifest.election_id,
        title=manifest.title,
        organisation=manifest.organisation,
        scrutineer=manifest.scrutineer,
        return_address=manifest.postal.return_address,
        closes=manifest.closes,
        number=number,
        confirmation=confirmation,
        lookup_url=lookup_url,
        credential_code=credential_code,
        contests=tuple(contests),
        replaces=replaces,
    )


def paper_content(
    manifest: Manifest,
    paper: PreencryptedPaper,
    *,
    lookup_url: str = DEFAULT_LOOKUP,
    credential_code: str | None = None,
    replaces: int | None = None,
) -> PaperContent:
    """The printed paper of a pre-encryption: its codes, its confirmation code's short text."""
    return content(
        manifest,
        paper.number,
        {pc.contest_id: pc.codes for pc in paper.contests},
        short_text(paper.confirmation),
        lookup_url=lookup_url,
        credential_code=credential_code,
        replaces=replaces,
    )
