"""The postal channel on the site's board: the rules of ``tellers.board.Board``, one vote across
channels, and an exported hybrid record that ``tellers verify`` passes.

On SQLite and on PostgreSQL (where ``cast`` takes ``board_sql``'s two round trips, which
read the counted ballot's channel too), a hybrid election is run through ``store.postal``
and the online ``board.cast``: papers counted, a paper voided and replaced (its original
refused when it turns up), a paper then an online ballot (precedence online: the ballot
counts), an online ballot then a paper (refused), a return sent twice, a line that is not
a return; after the close the unused papers are audited, the tally decrypted and the
record exported and verified.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from postal_fixtures import (
    build_hybrid_election,
    close_audit_and_publish,
    paper_return,
    void_and_replace,
)
from voter_fixtures import BuiltElection, make_ballot
from webtesting import postgres_param

from tellers import canonical
from tellers.errors import BallotRejected
from tellers.postal.authority import void_message
from tellers.verify import verify_record
from tellers.web.store import board, postal
from tellers.web.store.models import BoardEvent, Election
from tellers.web.voter.models import CountedBallot

__all__: list[str] = []

DATABASES = ["default", "pg"]
ALIASES = [pytest.param("default", id="sqlite"), postgres_param()]


def _line(obj: object) -> bytes:
    return canonical.dumps(obj) + b"\n"


def _ballot(b: BuiltElection, index: int, pick: str) -> bytes:
    """Voter ``index``'s online ballot for ``pick`` (and what else they are entitled to)."""
    voter = b.voters[index]
    choices = {"general-secretary": [pick], "strike": ["no"]}
    if voter.constituency == "north":
        choices["executive-north"] = ["ali"]
    return make_ballot(b, voter, choices)[0]


def test_reasons_have_words_for_every_postal_reason() -> None:
    from tellers.postal.ledger import POSTAL_REASONS

    assert set(postal.REASON_TEXT) == set(POSTAL_REASONS)


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("use_db", ALIASES, indirect=True)
def test_a_hybrid_election_on_the_sites_board_verifies(use_db: str, tmp_path: Path) -> None:
    hybrid = build_hybrid_election("postal-board", members=6)
    e, b = hybrid.election, hybrid.built
    kinds = list(
        BoardEvent.objects.filter(election=e).order_by("seq").values_list("type", flat=True)
    )
    assert kinds == ["election-opened", "papers-issued"]

    old, new = void_and_replace(hybrid, 1)
    assert new == 7
    twice = void_message(hybrid.authority, b.fingerprint, old, "lost", "ID-2: by telephone")
    with pytest.raises(BallotRejected) as again:  # a paper is voided once
        postal.void_paper(e, twice)
    assert again.value.reason == "voided"
    assert e.board.count() == 4
    first = paper_return(hybrid, hybrid.papers[0], {"general-secretary": ["patel"]})
    returns = b"".join(
        [
            _line(first),
            _line(paper_return(hybrid, old)),  # the voided original turns up
            _line(paper_return(hybrid, new, {"general-secretary": ["jones"]})),
            _line(paper_return(hybrid, hybrid.papers[2], {"general-secretary": ["jones"]})),
            _line(first),  # sent twice
            b"not a return\n",
            b"\n",
        ]
    )
    summary = postal.record_returns(e, returns, None)
    assert (summary.recorded, summary.counted) == (6, 3)
    assert summary.refused == {"voided": 1, "replay": 1, "malformed": 1}
    assert summary.stopped is None

    # Precedence online: voter 2's ballot supersedes their paper; voter 3 votes online first,
    # and their paper is then refused.
    got = board.cast(e, _ballot(b, 2, "okafor"))
    assert got.accepted and got.supersedes is not None
    board.cast(e, _ballot(b, 3, "okafor"))
    late = postal.return_paper(e, canonical.dumps(paper_return(hybrid, hybrid.papers[3])))
    assert (late.accepted, late.reason) == (False, "online-counts")
    channels = dict(CountedBallot.objects.filter(election=e).values_list("credential", "channel"))
    assert channels[b.voters[0].credential.hex()] == "postal"
    assert channels[b.voters[2].credential.hex()] == "online"
    assert len(channels) == 4

    with pytest.raises(ValidationError):  # not before the close
        postal.audit_papers(e, [], None)
    close_audit_and_publish(hybrid)
    e = Election.objects.get(pk=e.pk)
    counts = {c["id"]: c["counts"] for c in e.result["contests"]}
    # Counted: voter 0's paper (patel), voter 1's replacement (jones), voter 2 online
    # (okafor), voter 3 online (okafor).
    assert counts["general-secretary"] == {"okafor": 2, "patel": 1, "jones": 1}
    assert e.result["ballots_counted"] == 4

    root = board.export_record(e, tmp_path / "record")
    assert (tmp_path / "record" / "papers.jsonl").exists()
    report = verify_record(tmp_path / "record")
    assert report.valid, [f.to_json() for f in report.failures]
    assert report.root == root.hex()


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("use_db", ALIASES, indirect=True)
def test_precedence_postal_and_a_second_list(use_db: str) -> None:
    hybrid = build_hybrid_election("postal-first", members=2, precedence="postal")
    e, b = hybrid.election, hybrid.built
    assert board.cast(e, _ballot(b, 0, "okafor")).accepted
    paper = postal.return_paper(e, canonical.dumps(paper_return(hybrid, hybrid.papers[0])))
    assert paper.accepted and paper.supersedes is not None  # the paper counts instead
    again = board.cast(e, _ballot(b, 0, "jones"))
    assert (again.accepted, again.reason) == (False, "postal-counts")
    with translation.override("en"), pytest.raises(ValidationError, match="only once"):
        postal.accept_paper_list(e, b"{}", Path("/dev/null"), None)  # no second list
