"""Reading a cast ballot straight from its canonical bytes, when it has the election's shape.

The verifier hands each ballot to its workers as canonical JSON (record.md §9.3).
Almost every one is well formed and of the election's shape, and its canonical
form is then fixed down to the byte but for its hex fields: ``{"contests":[`` then,
per contest in manifest order, ``{"blank":…,"id":…,"selections":[…],"total":…}``
with exactly one selection per choice, a blank selection exactly where the contest
allows one, two branches to each 0/1 proof and K to the total's range proof — or, for a
ranked contest, ``{"id":…,"preferences":[…]}`` with exactly its W preferences, each
``{"alpha":…,"beta":…,"proof":{"c":…,"s":…}}`` — then
``],"credential":…,"election":…,"signature":…}``. ``BallotReader`` matches that
form with one regular expression per contest and builds the ``Ballot`` from the
captured hex, decoding each point once (its curve check) and each scalar once.

It reads nothing the general path would read otherwise: bytes that match are
canonical JSON (the patterns are the canonical form, keys in order, no white space,
the contest ids in their canonical encoding), a ballot ``ballot_from_json`` reads
well formed and ``check_shape`` passes, and the ``Ballot`` is the one that path
builds. Anything else — another shape, a point off the curve, a
scalar not below n, bytes not canonical — gives None, and the caller takes the
general path, which accepts, refuses and names the fault exactly as before.
"""

from __future__ import annotations

import re
from binascii import unhexlify
from collections.abc import Callable
from functools import partial
from typing import Final

from tellers import canonical
from tellers.ballot import Ballot, ContestBallot, EncryptedSelection
from tellers.crypto.elgamal import Ciphertext
from tellers.crypto.group import points_from_encodings, scalars_from_hex_bytes
from tellers.crypto.proofs import RangeProof, SchnorrProof
from tellers.election.manifest import Contest, Manifest
from tellers.ranked.ballot import EncryptedPreference

__all__ = ["BallotReader", "reader_for"]

# Each hex field is captured as so many bytes of any kind, which the regular-expression
# engine skips over without looking at them; ``_all_hex`` then checks every captured byte
# of the ballot in one pass. (A ``[0-9a-f]{64}`` class costs a test a character.)
_HEX: Final = rb'"((?s:.){64})"'
_POINT: Final = rb'"(0[23](?s:.){64})"'
_HEX_DIGITS: Final = b"0123456789abcdef"
_SELECTION: Final = (
    rb'\{"alpha":' + _POINT + rb',"beta":' + _POINT + rb',"proof":\{"c":\[' + _HEX + b","
    + _HEX + rb'\],"s":\[' + _HEX + b"," + _HEX + rb"\]\}\}"
)  # fmt: skip
_SELECTION_FIELDS: Final = 6
_OPEN: Final = b'{"contests":['
_CLOSE: Final = re.compile(
    rb'\],"credential":"((?s:.){64})","election":"((?s:.){64})",'
    rb'"signature":"((?s:.){128})"\}'
)


def _range_pattern(width: int) -> bytes:
    many = b",".join([_HEX] * width)
    return rb'\{"c":\[' + many + rb'\],"s":\[' + many + rb"\]\}"


def _contest_pattern(contest: Contest) -> re.Pattern[bytes]:
    """The canonical form of one contest of choices, its hex fields captured in order: the
    blank's six, each selection's six, then the total's K challenges and K responses."""
    blank = _SELECTION if contest.allow_blank else b"null"
    selections = b",".join([_SELECTION] * len(contest.choices))
    return re.compile(
        rb'\{"blank":' + blank + rb',"id":' + re.escape(canonical.dumps(contest.id))
        + rb',"selections":\[' + selections + rb'\],"total":'
        + _range_pattern(contest.max_selections) + rb"\}"
    )  # fmt: skip


def _ranked_pattern(contest: Contest) -> re.Pattern[bytes]:
    """The canonical form of one ranked contest: its W preferences, each one's α, β and its
    proof's challenge and response captured in order."""
    preference = (
        rb'\{"alpha":' + _POINT + rb',"beta":' + _POINT + rb',"proof":\{"c":' + _HEX
        + rb',"s":' + _HEX + rb"\}\}"
    )  # fmt: skip
    return re.compile(
        rb'\{"id":' + re.escape(canonical.dumps(contest.id)) + rb',"preferences":\['
        + b",".join([preference] * contest.width) + rb"\]\}"
    )  # fmt: skip


_Build = Callable[[tuple[bytes, ...]], ContestBallot | None]


class BallotReader:
    """``read(raw)``: the ballot of canonical bytes ``raw`` if it has a shape this election's
    ballots may have (its contests, of choices or ranked, in manifest order), else None."""

    __slots__ = ("_contests", "manifest")

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self._contests: list[tuple[re.Pattern[bytes], _Build]] = [
            (_ranked_pattern(contest), partial(_ranked, contest.id))
            if contest.ranked
            else (
                _contest_pattern(contest),
                partial(_contest, contest.id, len(contest.choices), contest.allow_blank),
            )
            for contest in manifest.contests
        ]

    def read(self, raw: bytes) -> Ballot | None:
        if not raw.startswith(_OPEN):
            return None
        at, start, contests = len(_OPEN), 0, []
        while True:
            for index in range(start, len(self._contests)):
                pattern, build = self._contests[index]
                found = pattern.match(raw, at)
                if found is not None:
                    contest = build(found.groups())
                    if contest is None:
                        return None
                    contests.append(contest)
                    at, start = found.end(), index + 1
                    break
            else:
                return None
            if raw.startswith(b",", at):
                at += 1
                continue
            break
        tail = _CLOSE.fullmatch(raw, at)
        if tail is None or not _all_hex(tail.groups()):
            return None
        credential, election, signature = tail.groups()
        return Ballot(
            unhexlify(election), unhexlify(credential), tuple(contests), unhexlify(signature)
        )


def _all_hex(fields: tuple[bytes, ...]) -> bool:
    """Every captured field is lower-case hex digits only."""
    return not b"".join(fields).translate(None, _HEX_DIGITS)


def _contest(
    contest_id: str, choices: int, blank: bool, fields: tuple[bytes, ...]
) -> ContestBallot | None:
    if not _all_hex(fields):
        return None
    slots = choices + blank
    cut = _SELECTION_FIELDS * slots
    points = points_from_encodings(
        [unhexlify(fields[i + k]) for i in range(0, cut, _SELECTION_FIELDS) for k in (0, 1)]
    )
    scalars = scalars_from_hex_bytes(
        [fields[i + k] for i in range(0, cut, _SELECTION_FIELDS) for k in (2, 3, 4, 5)]
    )
    total = scalars_from_hex_bytes(fields[cut:])
    if points is None or scalars is None or total is None:
        return None
    selections = [
        EncryptedSelection(
            Ciphertext(points[2 * j], points[2 * j + 1]),
            RangeProof(scalars[4 * j : 4 * j + 2], scalars[4 * j + 2 : 4 * j + 4]),
        )
        for j in range(slots)
    ]
    width = len(total) // 2
    blank_selection = selections.pop(0) if blank else None
    return ContestBallot(
        contest_id, tuple(selections), blank_selection, RangeProof(total[:width], total[width:])
    )


def _ranked(contest_id: str, fields: tuple[bytes, ...]) -> ContestBallot | None:
    if not _all_hex(fields):
        return None
    points = points_from_encodings(
        [unhexlify(fields[i + k]) for i in range(0, len(fields), 4) for k in (0, 1)]
    )
    scalars = scalars_from_hex_bytes(
        [fields[i + k] for i in range(0, len(fields), 4) for k in (2, 3)]
    )
    if points is None or scalars is None:
        return None
    preferences = tuple(
        EncryptedPreference(
            Ciphertext(points[2 * j], points[2 * j + 1]),
            SchnorrProof(scalars[2 * j], scalars[2 * j + 1]),
        )
        for j in range(len(points) // 2)
    )
    return ContestBallot(contest_id, (), None, None, preferences)


_cached: list[BallotReader] = []


def reader_for(manifest: Manifest) -> BallotReader:
    """The reader of ``manifest``'s ballots, made once per manifest in each process."""
    if _cached and _cached[0].manifest is manifest:
        return _cached[0]
    reader = BallotReader(manifest)
    _cached[:] = [reader]
    return reader
