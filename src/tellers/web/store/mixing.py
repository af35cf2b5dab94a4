"""Ranked contests on the site: the trustees' shuffles in turn, then their decryptions of
the last shuffled rows (ranked.md §4–§5; record.md §6.4).

After the tally, each ranked contest with ballots is shuffled by the qualified trustees
one after another: a trustee downloads the record so far, runs ``tellers trustee
shuffle`` on its own machine (which verifies the record and the shuffles before its own)
and uploads one ``shuffle-<contest>.json`` per contest. The site checks each as the
verifier will (``conduct.check_mix``) as the next step of the contest's chain and puts
it on the board as signed; the record so far is written again for the next trustee.

The turn: any qualified trustee who has not shuffled may take it, and keeps it until it
has shuffled every ranked contest; a shuffle made from rows another trustee's shuffle
has since replaced is refused (it would not verify), and the trustee shuffles again from
the new record. Decryption waits for every qualified trustee's shuffle, so that one
honest shuffler keeps the ballots secret; the officer may go on once a quorum of
trustees has shuffled every contest (``close_shuffles``, logged). The verifier needs one.

Then each decrypting trustee uploads its ``decryption.json`` and one
``mix-decryption-<contest>.json`` per contest, each checked as the verifier will
(``verify.mix.check_mix_decryptions``); with a quorum of each, ``count.maybe_declare``
declares through ``conduct.declare_ranked``.

The shuffles and their decryptions are large: they are kept once, on the board; the
trustee's ``TrusteeFile`` row (kind ``mix-K`` or ``mix-decryption-K``, K the contest's
place in the manifest) holds only where they stand (``{"contest", "seq"}``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tellers.crypto.packed import PackedRows, Row
from tellers.election.conduct import check_mix, declare_ranked
from tellers.errors import InvalidProof
from tellers.record.v2_mix import MIX, MIX_DECRYPTION, mix_from_json
from tellers.tally import ContestResult
from tellers.verify.mix import MixChain, check_mix_decryptions
from tellers.verify.report import Report
from tellers.web.store import count, records, steps
from tellers.web.store.board import append_event, counted_ballots
from tellers.web.store.models import BoardEvent, BoardHead, Election, TrusteeFile
from tellers.web.store.steps import S, locked, log, manifest_of, refuse

__all__ = [
    "FORMATS",
    "accept",
    "close_shuffles",
    "decryption_kinds",
    "kind_for",
    "mixing_done",
    "ranked_results",
    "ranked_sheets",
    "ranked_with_ballots",
    "shuffle_step",
    "shuffles",
]

FORMATS = (MIX, MIX_DECRYPTION)


def ranked_with_ballots(election: Election) -> dict[str, int]:
    """Ranked contest id → its place in the manifest, for those the tally counts ballots of
    (a ranked contest's tally entry has its ballots and no sums, record.md §6.2). Empty
    before the tally."""
    manifest = manifest_of(election)
    found = count.tallies_of(election)
    if found is None:
        return {}
    places = {c.id: i for i, c in enumerate(manifest.contests) if c.ranked}
    return {
        t.contest_id: places[t.contest_id] for t in found if t.contest_id in places and t.ballots
    }


def kind_for(election: Election, fmt: str, contest: object) -> str:
    """The ``TrusteeFile`` kind of a shuffle or mix decryption of ``contest``; refused if it
    is not a ranked contest with ballots."""
    place = ranked_with_ballots(election).get(contest) if isinstance(contest, str) else None
    if place is None:
        raise refuse(
            _("This file is for contest %(contest)s, which has no ranked ballots to count.")
            % {"contest": contest}
        )
    return f"mix-{place}" if fmt == MIX else f"mix-decryption-{place}"


def _qualified(election: Election) -> list[int]:
    return [c["trustee"] for c in (election.ceremony or {}).get("confirmations", [])]


def _index_rows(election: Election, prefix: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(trustee, {"contest", "seq"}) of the kept shuffles (or mix decryptions), in board order."""
    rows = TrusteeFile.objects.filter(trustee__election=election, kind__startswith=prefix)
    found = []
    for index, kind, body in rows.values_list("trustee__index", "kind", "body"):
        if prefix == "mix-" and kind.startswith("mix-decryption-"):
            continue
        found.append((index, json.loads(body)))
    yield from sorted(found, key=lambda row: row[1]["seq"])


def shuffles(election: Election) -> dict[str, list[int]]:
    """Each ranked contest with ballots → the trustees who have shuffled it, in turn."""
    out: dict[str, list[int]] = {c: [] for c in ranked_with_ballots(election)}
    for trustee, where in _index_rows(election, "mix-"):
        out.setdefault(where["contest"], []).append(trustee)
    return out


def _short_of_quorum(election: Election, done: dict[str, list[int]]) -> list[str]:
    quorum = manifest_of(election).quorum
    return [c for c, by in done.items() if len(by) < quorum]


def mixing_done(election: Election) -> bool:
    """Whether the shuffling is over: every qualified trustee has shuffled every ranked
    contest with ballots, or the officer went on after a quorum's (no ranked ballots: over)."""
    done = shuffles(election)
    if not done or election.shuffles_closed_at is not None:
        return True
    qualified = set(_qualified(election))
    return all(qualified <= set(by) for by in done.values())


def shuffle_step(election: Election, trustee: int) -> str:
    """A qualified trustee's step while the shuffling goes on: shuffle, wait-shuffle (another
    trustee has begun its shuffles and not finished) or shuffled."""
    done = shuffles(election)
    if all(trustee in by for by in done.values()):
        return "shuffled"
    if _holder(done, trustee) is not None:
        return "wait-shuffle"
    return "shuffle"


def _holder(done: dict[str, list[int]], trustee: int) -> int | None:
    """Another trustee who has shuffled some ranked contests and not all: it has the turn."""
    started = {t for by in done.values() for t in by}
    for other in sorted(started - {trustee}):
        if not all(other in by for by in done.values()):
            return other
    return None


def decryption_kinds(election: Election) -> list[str]:
    """The kinds a decrypting trustee sends: its decryption, and one mix decryption for each
    ranked contest with ballots."""
    return ["decryption", *(f"mix-decryption-{k}" for k in ranked_with_ballots(election).values())]


# ---- the chains ---------------------------------------------------------------------------


def _board_rows(election: Election, contests: set[str]) -> dict[str, list[Row]]:
    """The rows of the counted ballots for ``contests``, in board order (``ranked.board``)."""
    rows: dict[str, list[Row]] = {c: [] for c in contests}
    for ballot in counted_ballots(election):
        for contest in ballot.contests:
            if contest.contest_id in rows:
                rows[contest.contest_id].append(tuple(p.ciphertext for p in contest.preferences))
    return rows


def _chains(election: Election) -> dict[str, MixChain]:
    """Each ranked contest's chain as the site accepted it: the last shuffle's rows and line
    (each was checked when it was put on the board), or the board's rows after the tally."""
    tally_hash = count.verified_tally(election).tally_hash
    done: dict[str, list[tuple[int, int]]] = {c: [] for c in ranked_with_ballots(election)}
    for trustee, where in _index_rows(election, "mix-"):
        done[where["contest"]].append((trustee, where["seq"]))
    out: dict[str, MixChain] = {}
    fresh = {c for c, by in done.items() if not by}
    if fresh:
        for contest, rows in _board_rows(election, fresh).items():
            out[contest] = MixChain(PackedRows.from_rows(rows), tally_hash, 0)
    for contest, by in done.items():
        if not by:
            continue
        event = BoardEvent.objects.only("body", "hash").get(election=election, seq=by[-1][1])
        step = mix_from_json(json.loads(event.body)).step
        trustees = frozenset(t for t, _seq in by)
        out[contest] = MixChain(step.rows, bytes.fromhex(event.hash), len(by), trustees)
    return out


def _next_line(election: Election) -> int:
    head = BoardHead.objects.filter(election_id=election.pk).first()
    return (head.length if head is not None else 0) + 1


# ---- taking a file ---------------------------------------------------------------------------


def accept(election: Election, trustee: int, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    """Check a shuffle or a mix decryption as the verifier will and put it on the board as
    signed; return what the trustee's file row keeps (where it stands). Under the
    election's lock (``ceremony.accept_trustee_file``)."""
    contest = str(obj["contest"])
    chains = _chains(election)
    chain = chains[contest]
    manifest = manifest_of(election)
    verified = count.verified_tally(election)
    if kind.startswith("mix-decryption-"):
        report = Report()
        lines = [(_next_line(election), obj)]
        check_mix_decryptions(report, manifest, verified, chains, lines, complete=False)
        if report.failures:
            failure = report.failures[0]
            raise InvalidProof(f"{failure.where}: {failure.detail}")
        event = append_event(election, "mix-decryption", obj)
        return {"contest": contest, "seq": event.seq}
    done = shuffles(election)
    if trustee in done[contest]:
        raise refuse(_("You have already shuffled the rows of contest %(c)s.") % {"c": contest})
    holder = _holder(done, trustee)
    if holder is not None:
        raise refuse(
            _(
                "It is not your turn: trustee %(other)d is shuffling and has not sent all its "
                "shuffles yet. Wait until it has, then download the record so far again."
            )
            % {"other": holder}
        )
    if obj.get("input") != chain.head.hex() or obj.get("position") != chain.shuffles + 1:
        raise refuse(
            _(
                "This shuffle was made from rows that are no longer the last of contest "
                "%(c)s (%(n)d shuffles are in now): download the record so far again and run "
                "tellers trustee shuffle on it."
            )
            % {"c": contest, "n": chain.shuffles}
        )
    check_mix(manifest, verified, chains, _next_line(election), obj)
    event = append_event(election, "mix", obj)
    records.write_archive_for(election, "tally")  # the record so far, for the next trustee
    return {"contest": contest, "seq": event.seq}


def close_shuffles(election: Election, actor: Any) -> None:
    """Go on to the decryption with the shuffles in, once a quorum of trustees has shuffled
    every ranked contest: those who have not are passed over, in the log."""
    with transaction.atomic():
        e = locked(election)
        if e.status != S.TALLYING or mixing_done(e):
            raise refuse(_("No ranked contest is waiting for the trustees' shuffles."))
        done = shuffles(e)
        if short := _short_of_quorum(e, done):
            raise refuse(
                _(
                    "Contest %(c)s has the shuffles of fewer trustees than the quorum "
                    "(%(q)d): wait for them."
                )
                % {"c": ", ".join(short), "q": manifest_of(e).quorum}
            )
        e.shuffles_closed_at = steps.now()
        e.save(update_fields=["shuffles_closed_at"])
        passed = sorted({t for t in _qualified(e) if any(t not in by for by in done.values())})
        log(e, actor, "shuffles-closed", shuffled=done, passed_over=passed)


def ranked_results(election: Election) -> dict[str, ContestResult] | None:
    """The ranked contests' results, once a quorum has decrypted each contest with ballots
    (None before); through ``conduct.declare_ranked``, as the election on files declares."""
    manifest = manifest_of(election)
    if not any(c.ranked for c in manifest.contests):
        return {}
    by_contest: dict[str, list[int]] = {c: [] for c in ranked_with_ballots(election)}
    for _trustee, where in _index_rows(election, "mix-decryption-"):
        by_contest[where["contest"]].append(where["seq"])
    if any(len(seqs) < manifest.quorum for seqs in by_contest.values()):
        return None
    seqs = sorted(s for found in by_contest.values() for s in found)
    events = BoardEvent.objects.filter(election=election, seq__in=seqs).order_by("seq")
    lines = [(e.seq + 1, json.loads(e.body)) for e in events.only("seq", "body")]
    constituencies = election.credentials.values_list("constituency", flat=True)
    return declare_ranked(
        manifest, count.verified_tally(election), _chains(election), lines, constituencies
    )


def ranked_sheets(election: Election) -> list[dict[str, Any]]:
    """Each ranked contest of the declared result: its id, title, the elected candidates'
    names in the order elected, and the stage-by-stage sheet ``tellers count`` prints
    (record.md §7). Empty before the declaration."""
    if not election.result:
        return []
    manifest = manifest_of(election)
    out = []
    for item in election.result.get("contests", []):
        if "sheet" not in item:
            continue
        contest = manifest.contest(item["id"])
        names = {c.id: c.name for c in contest.choices}
        out.append(
            {
                "id": contest.id,
                "title": contest.title,
                "elected": [names.get(w, w) for w in item.get("winners", [])],
                "sheet": item["sheet"],
            }
        )
    return out
