"""Returned papers: the opening house's signed return, and its checks (postal.md §5.4).

A return names the paper and, per contest, the pre-encrypted vectors of the
marks made (with their short codes), every vector hash of the contest,
sorted (which reproduces the paper's confirmation code and hides which
vector is which mark), and proofs that the sum of the marked vectors is a
valid vote: a 0/1 proof per slot and a total proof in [1, K] — the proofs
of an online ballot's contest (record.md §4.1), with ``paper_context(p)``
in place of the credential. The opening house derives the proofs from the
paper's seed; the sum is what the tally adds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tellers import canonical
from tellers.ballot import (
    Ballot,
    ContestBallot,
    EncryptedSelection,
    check_contest_proofs,
    contest_total,
    proof_context,
)
from tellers.crypto.elgamal import Ciphertext
from tellers.crypto.group import Point, Scalar
from tellers.crypto.hashing import hash_fields
from tellers.crypto.proofs import prove_bit, prove_range
from tellers.election.manifest import Manifest
from tellers.errors import EncodingError, InvalidProof, InvalidSignature, ManifestError
from tellers.parties import SigningKey, check_signed, sign_object
from tellers.postal.messages import RETURN, RETURN_STATUS, PaperEntry
from tellers.postal.preencrypt import (
    PreencryptedPaper,
    confirmation,
    contest_hash,
    paper_context,
    selection_hash,
    short_code,
)
from tellers.record.v2 import (
    bytes_from_hex,
    ciphertext_from_json,
    ciphertext_to_json,
    range_proof_from_json,
    range_proof_to_json,
)

__all__ = [
    "ReturnCheck",
    "check_return",
    "make_return",
    "return_ballot",
    "return_sums",
    "return_tracker",
]

Rand = Callable[[], Scalar]


def make_return(
    manifest: Manifest,
    fingerprint: bytes,
    key: Point,
    paper: PreencryptedPaper,
    received: str,
    marks: Mapping[str, Sequence[int]] | None,
    opening_house: SigningKey,
    *,
    status: str = "marked",
    rand: Rand = Scalar.random,
) -> dict[str, Any]:
    """The opening house's signed return of ``paper``: ``marks`` maps each of its contests to
    the marks made (choice indices; the blank's index, ``len(choices)``, for a blank contest).
    ``status`` ``spoilt`` or ``audit`` records the paper with no marks (``marks`` None)."""
    if status not in RETURN_STATUS:
        raise ValueError(f"status: expected one of {RETURN_STATUS}, found {status!r}")
    contests: list[Any] = []
    if status == "marked":
        if marks is None or set(marks) != {c.contest_id for c in paper.contests}:
            raise ManifestError(f"paper {paper.number}: marks must name each of its contests")
        for pc in paper.contests:
            contest = manifest.contests[pc.index]
            chosen = list(marks[pc.contest_id])
            if len(set(chosen)) != len(chosen) or not chosen:
                raise ManifestError(f"paper {paper.number}, {contest.id}: marks {chosen}")
            slots = len(pc.vectors[0])
            combined = [Ciphertext.sum([pc.vectors[m][s] for m in chosen]) for s in range(slots)]
            rs = [Scalar(sum(pc.randomness[m][s].value for m in chosen)) for s in range(slots)]
            values = [sum(1 for m in chosen if m == s) for s in range(slots)]
            owner = paper_context(paper.number)
            proofs = [
                prove_bit(
                    fingerprint, key, c, v, r,
                    context=proof_context(owner, pc.index, s), rand=rand,
                )
                for s, (c, v, r) in enumerate(zip(combined, values, rs, strict=True))
            ]  # fmt: skip
            total, total_r = contest_total(contest, combined, rs)
            n, k = len(contest.choices), contest.max_selections
            total_m = sum(values[:n]) + (k * values[n] if contest.allow_blank else 0)
            total_proof = prove_range(
                fingerprint, key, total, total_m, total_r, 1, k,
                context=proof_context(owner, pc.index, 0xFFFFFFFF), rand=rand,
            )  # fmt: skip
            contests.append(
                {
                    "id": pc.contest_id,
                    "hashes": sorted(h.hex() for h in pc.hashes),
                    "marked": [[ciphertext_to_json(c) for c in pc.vectors[m]] for m in chosen],
                    "codes": [pc.codes[m] for m in chosen],
                    "selections": [range_proof_to_json(p) for p in proofs],
                    "total": range_proof_to_json(total_proof),
                }
            )
    body = {
        "format": RETURN,
        "election": fingerprint.hex(),
        "number": paper.number,
        "received": received,
        "status": status,
        "contests": contests,
    }
    return sign_object(opening_house, body)


def return_tracker(obj: Any) -> bytes:
    """A return's tracker: H("tellers/v1/paper-tracker"; its canonical JSON)."""
    return hash_fields("tellers/v1/paper-tracker", [canonical.dumps(obj)])


@dataclass(frozen=True, slots=True)
class ReturnCheck:
    """What the checks that need no board state found of one return."""

    reason: str | None
    """The first of malformed, wrong-election, bad-signature, unknown-paper, not-entitled,
    bad-vector, bad-proof that applies, or None."""
    detail: str
    number: int | None
    status: str | None
    tracker: bytes | None
    contests: tuple[ContestBallot, ...]
    """The sums of the marked vectors, with their proofs: what the tally adds."""
    codes: tuple[tuple[str, ...], ...]


_KEYS = {"format", "election", "number", "received", "status", "contests", "signature"}
_CONTEST_KEYS = {"id", "hashes", "marked", "codes", "selections", "total"}


def _shape(obj: Any) -> None:
    if not isinstance(obj, dict) or set(obj) != _KEYS:
        raise EncodingError("return", f"expected exactly the fields {sorted(_KEYS)}")
    if obj["format"] != RETURN:
        raise EncodingError("return.format", f"expected {RETURN!r}")
    if type(obj["number"]) is not int or obj["number"] < 1:
        raise EncodingError("return.number", "expected a paper number (an integer from 1)")
    if obj["status"] not in RETURN_STATUS:
        raise EncodingError("return.status", f"expected one of {RETURN_STATUS}")
    if not isinstance(obj["received"], str) or not isinstance(obj["contests"], list):
        raise EncodingError("return", "received must be a time, contests a list")
    if obj["status"] != "marked" and obj["contests"]:
        raise EncodingError("return.contests", f"a {obj['status']} paper records no marks")
    bytes_from_hex(obj["election"], 32, "return.election")
    bytes_from_hex(obj["signature"], 64, "return.signature")
    for i, c in enumerate(obj["contests"]):
        where = f"return.contests[{i}]"
        if not isinstance(c, dict) or set(c) != _CONTEST_KEYS:
            raise EncodingError(where, f"expected exactly the fields {sorted(_CONTEST_KEYS)}")
        for key in ("hashes", "marked", "codes", "selections"):
            if not isinstance(c[key], list):
                raise EncodingError(f"{where}.{key}", "expected a list")
        if not isinstance(c["id"], str) or len(c["codes"]) != len(c["marked"]):
            raise EncodingError(where, "expected a contest id and one code per marked vector")


def _contest_from_json(
    manifest: Manifest, c: dict[str, Any], where: str
) -> tuple[int, list[bytes], list[tuple[Ciphertext, ...]], list[str], ContestBallot]:
    index = next((i for i, x in enumerate(manifest.contests) if x.id == c["id"]), -1)
    if index < 0:
        raise EncodingError(f"{where}.id", f"no contest {c['id']!r} in the manifest")
    contest = manifest.contests[index]
    slots = len(contest.choices) + int(contest.allow_blank)
    hashes = [bytes_from_hex(h, 32, f"{where}.hashes[{j}]") for j, h in enumerate(c["hashes"])]
    marked = []
    for j, vector in enumerate(c["marked"]):
        if not isinstance(vector, list) or len(vector) != slots:
            raise EncodingError(f"{where}.marked[{j}]", f"expected {slots} ciphertexts")
        marked.append(
            tuple(
                ciphertext_from_json(x, f"{where}.marked[{j}][{s}]") for s, x in enumerate(vector)
            )
        )
    if len(c["selections"]) != slots:
        raise EncodingError(f"{where}.selections", f"expected {slots} proofs")
    proofs = [
        range_proof_from_json(p, f"{where}.selections[{s}]") for s, p in enumerate(c["selections"])
    ]
    total = range_proof_from_json(c["total"], f"{where}.total")
    if not marked:
        raise EncodingError(f"{where}.marked", "a marked paper's contest has marked vectors")
    sums = [Ciphertext.sum([v[s] for v in marked]) for s in range(slots)]
    selections = [EncryptedSelection(x, p) for x, p in zip(sums, proofs, strict=True)]
    n = len(contest.choices)
    ballot = ContestBallot(
        contest.id, tuple(selections[:n]), selections[n] if contest.allow_blank else None, total
    )
    return index, hashes, marked, list(c["codes"]), ballot


def check_return(
    manifest: Manifest,
    fingerprint: bytes,
    key: Point,
    obj: Any,
    paper: PaperEntry | None,
    constituency: str | None,
    opening_house: bytes,
) -> ReturnCheck:
    """Check one return against the paper it names (``paper``, None if no such paper was
    issued) and its holder's ``constituency``; never raises for bad input."""
    try:
        _shape(obj)
        read = [
            _contest_from_json(manifest, c, f"return.contests[{i}]")
            for i, c in enumerate(obj["contests"])
        ]
    except (EncodingError, ValueError, TypeError, RecursionError) as exc:
        return ReturnCheck("malformed", str(exc)[:500], None, None, None, (), ())
    number, status = obj["number"], obj["status"]
    trk = return_tracker(obj)
    sums = tuple(r[4] for r in read)
    codes = tuple(tuple(r[3]) for r in read)

    def verdict(reason: str | None, detail: str = "") -> ReturnCheck:
        return ReturnCheck(reason, detail, number, status, trk, sums, codes)

    if obj["election"] != fingerprint.hex():
        return verdict("wrong-election", "the return names another election fingerprint")
    try:
        check_signed(obj, opening_house, "return")
    except InvalidSignature as exc:
        return verdict("bad-signature", str(exc))
    if paper is None or constituency is None:
        return verdict("unknown-paper", f"no paper {number} was issued")
    if status != "marked":
        return verdict(None)
    entitled = [manifest.contests[i].id for i in manifest.contests_for(constituency)]
    if [r[4].contest_id for r in read] != entitled:
        return verdict("not-entitled", f"expected contests {entitled} for this paper")
    problem = _vectors_problem(number, read, paper, fingerprint)
    if problem is not None:
        return verdict("bad-vector", problem)
    owner = paper_context(number)
    for index, _, _, _, ballot in read:
        try:
            check_contest_proofs(manifest.contests[index], index, ballot, fingerprint, key, owner)
        except (InvalidProof, ManifestError, EncodingError) as exc:
            return verdict("bad-proof", str(exc))
    return verdict(None)


def _vectors_problem(
    number: int,
    read: list[tuple[int, list[bytes], list[tuple[Ciphertext, ...]], list[str], ContestBallot]],
    paper: PaperEntry,
    fingerprint: bytes,
) -> str | None:
    contest_hashes = []
    for index, hashes, marked, codes, ballot in read:
        if hashes != sorted(set(hashes)):
            return f"contest {ballot.contest_id}: the vector hashes are not sorted and distinct"
        seen = set()
        for j, vector in enumerate(marked):
            digest = selection_hash(number, index, vector)
            if digest not in hashes:
                return f"contest {ballot.contest_id}: marked vector {j} is not one of the paper's"
            if digest in seen:
                return f"contest {ballot.contest_id}: vector {j} is marked twice"
            seen.add(digest)
            if codes[j] != short_code(digest):
                return f"contest {ballot.contest_id}: code {codes[j]!r} is not vector {j}'s"
        contest_hashes.append(contest_hash(number, index, hashes))
    if confirmation(fingerprint, number, paper.credential, contest_hashes) != paper.confirmation:
        return "the vector hashes do not make the paper's confirmation code"
    return None


def return_ballot(fingerprint: bytes, number: int, contests: tuple[ContestBallot, ...]) -> Ballot:
    """A returned paper's sums as a ``Ballot`` the tally's ``Aggregator`` adds."""
    return Ballot(fingerprint, paper_context(number), contests, b"")


def return_sums(manifest: Manifest, obj: Any) -> tuple[ContestBallot, ...]:
    """The sums of a board-accepted return's marked vectors, contest by contest (read, not
    checked: the board checked them)."""
    return tuple(
        _contest_from_json(manifest, c, f"return.contests[{i}]")[4]
        for i, c in enumerate(obj["contests"])
    )
