"""The tally: homomorphic sums, threshold decryption, and the declared result (record.md §6).

``aggregate`` adds the counted ballots' ciphertexts slot by slot (each
choice, then the blank indicator); the trustees decrypt only these sums.
``declare`` turns the decrypted counts into the result: per contest the
votes per choice, blank (spoilt) contests, winners under the contest's rule,
turnout and the statutory thresholds. ``tally``/``check_tally`` and
``declare``/``check`` pairs are what the verifier re-runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from tellers.ballot import Ballot
from tellers.counting.thresholds import ThresholdResult, check_thresholds
from tellers.crypto.ceremony_messages import DecryptionShare
from tellers.crypto.dlog import discrete_log
from tellers.crypto.elgamal import Ciphertext
from tellers.crypto.threshold import combine_shares
from tellers.election.manifest import Contest, Manifest
from tellers.election.statutory import contest_thresholds
from tellers.errors import ManifestError

__all__ = [
    "Aggregator",
    "ContestResult",
    "ContestTally",
    "Result",
    "bounds",
    "count_ballots",
    "declare",
    "decrypt_and_declare",
    "decrypt_totals",
    "flatten",
    "unflatten",
]


@dataclass(frozen=True, slots=True)
class ContestTally:
    """The encrypted totals of one contest."""

    contest_id: str
    ballots: int
    """Counted ballots that include this contest."""
    choices: tuple[Ciphertext, ...]
    blank: Ciphertext | None


class Aggregator:
    """Adds ballots into per-slot sums in chunks, so memory stays flat."""

    CHUNK = 2048

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self._index = {c.id: i for i, c in enumerate(manifest.contests)}
        self._ballots = [0] * len(manifest.contests)
        self._sums: list[list[Ciphertext]] = [
            [Ciphertext.zero()] * _slots(c) for c in manifest.contests
        ]
        self._pending: list[list[list[Ciphertext]]] = [
            [[] for _ in range(_slots(c))] for c in manifest.contests
        ]
        self._held = 0

    def add(self, ballot: Ballot) -> None:
        for contest_ballot in ballot.contests:
            i = self._index[contest_ballot.contest_id]
            self._ballots[i] += 1
            slots = list(contest_ballot.selections)
            if contest_ballot.blank is not None:
                slots.append(contest_ballot.blank)
            for pending, selection in zip(self._pending[i], slots, strict=True):
                pending.append(selection.ciphertext)
        self._held += 1
        if self._held >= self.CHUNK:
            self._fold()

    def add_partial(self, other: Sequence[ContestTally]) -> None:
        """Merge sums made elsewhere (e.g. by a worker process)."""
        for t in other:
            i = self._index[t.contest_id]
            self._ballots[i] += t.ballots
            slots = list(t.choices) + ([t.blank] if t.blank is not None else [])
            for pending, c in zip(self._pending[i], slots, strict=True):
                pending.append(c)

    def _fold(self) -> None:
        for sums, pendings in zip(self._sums, self._pending, strict=True):
            for k, pending in enumerate(pendings):
                if pending:
                    sums[k] = Ciphertext.sum([sums[k], *pending])
                    pending.clear()
        self._held = 0

    def result(self) -> tuple[ContestTally, ...]:
        self._fold()
        out = []
        for contest, n, sums in zip(self.manifest.contests, self._ballots, self._sums, strict=True):
            if contest.ranked:  # counted after the mix, not added up (ranked.md)
                out.append(ContestTally(contest.id, n, (), None))
                continue
            k = len(contest.choices)
            out.append(
                ContestTally(
                    contest.id, n, tuple(sums[:k]), sums[k] if contest.allow_blank else None
                )
            )
        return tuple(out)


def _slots(contest: Contest) -> int:
    return 0 if contest.ranked else len(contest.choices) + int(contest.allow_blank)


def flatten(tallies: Sequence[ContestTally]) -> list[Ciphertext]:
    """The order trustees decrypt in: each contest's choices, then its blank."""
    out: list[Ciphertext] = []
    for t in tallies:
        out.extend(t.choices)
        if t.blank is not None:
            out.append(t.blank)
    return out


def unflatten(
    tallies: Sequence[ContestTally], values: Sequence[int]
) -> list[tuple[list[int], int]]:
    """Split decrypted values back into (choice counts, blank) per contest."""
    out = []
    at = 0
    for t in tallies:
        k = len(t.choices)
        counts = list(values[at : at + k])
        at += k
        blank = 0
        if t.blank is not None:
            blank = values[at]
            at += 1
        out.append((counts, blank))
    return out


@dataclass(frozen=True, slots=True)
class ContestResult:
    contest_id: str
    counts: dict[str, int]
    """Votes per choice id."""
    blank: int
    """Blank (spoilt) contests."""
    ballots: int
    """Counted ballots that include this contest: its turnout."""
    electorate: int
    winners: tuple[str, ...]
    tied: tuple[str, ...]
    """Choices tied for the last seat(s); empty when the count decides."""
    thresholds: tuple[ThresholdResult, ...]
    count: dict[str, Any] | None = None
    """A ranked contest's count, stage by stage (``tellers.counting.Result.to_json``)."""
    sheet: str | None = None
    """A ranked contest's stage-by-stage sheet, as ``tellers count`` prints it."""

    @property
    def thresholds_met(self) -> bool:
        return all(t.met for t in self.thresholds)


@dataclass(frozen=True, slots=True)
class Result:
    electorate: int
    """Members entitled to vote in at least one contest."""
    ballots_counted: int
    contests: tuple[ContestResult, ...]

    @property
    def turnout(self) -> Fraction:
        return Fraction(self.ballots_counted, self.electorate) if self.electorate else Fraction(0)


def declare(
    manifest: Manifest,
    tallies: Sequence[ContestTally],
    decrypted: Sequence[int],
    electorate: Mapping[str, int],
    total_electorate: int,
    ballots_counted: int,
    ranked: Mapping[str, ContestResult] | None = None,
) -> Result:
    """The result from decrypted totals, under each contest's rule; a ranked contest's is
    ``ranked[id]``, counted from its mixed and decrypted rows (``tellers.ranked.outcome``)."""
    missing = [c.id for c in manifest.contests if c.ranked and c.id not in (ranked or {})]
    if missing:
        raise ManifestError(f"contests {missing} are ranked: their results come from the mix")
    contests = []
    for contest, tally, (counts, blank) in zip(
        manifest.contests, tallies, unflatten(tallies, decrypted), strict=True
    ):
        if contest.ranked:
            assert ranked is not None
            contests.append(ranked[contest.id])
            continue
        by_id = {c.id: n for c, n in zip(contest.choices, counts, strict=True)}
        winners, tied = _winners(contest, by_id)
        thresholds: tuple[ThresholdResult, ...] = ()
        # Stated, or for an industrial-action ballot from the rules in force (record.md §3.6).
        t = contest_thresholds(manifest, contest)
        if t is not None:
            thresholds = check_thresholds(
                entitled=electorate[contest.id],
                turnout=tally.ballots,
                yes=by_id["yes"],
                no=by_id["no"],
                min_turnout=Fraction(t.turnout_percent or 0, 100),
                min_yes_of_entitled=None
                if t.yes_percent_of_entitled is None
                else Fraction(t.yes_percent_of_entitled, 100),
            )
            if not t.yes_majority:
                thresholds = tuple(x for x in thresholds if x.name != "majority")
        contests.append(
            ContestResult(
                contest.id,
                by_id,
                blank,
                tally.ballots,
                electorate[contest.id],
                winners,
                tied,
                thresholds,
            )
        )
    return Result(total_electorate, ballots_counted, tuple(contests))


def _winners(
    contest: Contest, counts: Mapping[str, int]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ``seats`` choices with most votes (plurality, approval, yes/no alike).

    A tie across the last seat is not broken here: the tied choices are
    reported and only the seats the count decides are filled. Ties are
    resolved by the union's rules, outside the count.
    """
    order = sorted(contest.choices, key=lambda c: -counts[c.id])
    if len(order) <= contest.seats:
        return tuple(c.id for c in order), ()
    cutoff = counts[order[contest.seats - 1].id]
    above = tuple(c.id for c in order if counts[c.id] > cutoff)
    at = tuple(c.id for c in order if counts[c.id] == cutoff)
    if len(above) + len(at) <= contest.seats:
        return above + at, ()
    return above, at


def bounds(tallies: Sequence[ContestTally]) -> list[int]:
    """The search bound of each total, in the flattened order: its contest's ballots (§6.3)."""
    out: list[int] = []
    for t in tallies:
        out.extend([t.ballots] * (len(t.choices) + (t.blank is not None)))
    return out


def decrypt_totals(
    tallies: Sequence[ContestTally], shares: Sequence[Sequence[DecryptionShare]]
) -> list[int]:
    """Each total, from a quorum's checked shares: m in [0, its contest's ballots] (§6.3).

    ``DecryptionError`` when a total is outside its bound: no set of valid
    ballots could give it.
    """
    points = combine_shares(flatten(tallies), shares)
    return [discrete_log(p, bound) for p, bound in zip(points, bounds(tallies), strict=True)]


def decrypt_and_declare(
    manifest: Manifest,
    tallies: Sequence[ContestTally],
    shares: Sequence[Sequence[DecryptionShare]],
    constituencies: Iterable[str],
    ballots_counted: int,
    ranked: Mapping[str, ContestResult] | None = None,
) -> Result:
    """Combine checked decryption shares (one batch per trustee, at least the quorum), find
    each total and declare; ``constituencies`` has one entry per published credential;
    ``ranked`` holds the ranked contests' results (``declare``)."""
    values = decrypt_totals(tallies, shares)
    per_contest, total = manifest.electorate(constituencies)
    return declare(manifest, tallies, values, per_contest, total, ballots_counted, ranked)


def count_ballots(manifest: Manifest, ballots: Iterable[Ballot]) -> tuple[ContestTally, ...]:
    """Aggregate an iterable of counted ballots (single process)."""
    agg = Aggregator(manifest)
    for ballot in ballots:
        agg.add(ballot)
    return agg.result()
