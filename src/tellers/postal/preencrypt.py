"""Pre-encrypted voting papers: vectors, selection hashes, short codes, confirmation codes.

For each paper and each contest the paper's member is entitled to, the
print authority encrypts one complete **selection vector** per possible
mark — one per choice, and one for a blank where the contest allows it —
each a one-hot vector over the contest's slots (choices, then the blank
slot), exactly the shape of an online ballot's contest (record.md §4.1).
Everything is derived from the paper's **seed** (postal.md §3):

    seed_p   = H("tellers/v1/paper-seed"; master secret, u32(p))
    r        = 1 + (int(H("tellers/v1/paper-nonce"; seed_p, u32(i), u32(a), u32(m), u32(s)))
                    mod (n - 1))
    h_{i,m}  = H("tellers/v1/paper-vector"; u32(p), u32(i), enc(alpha_0) ‖ enc(beta_0), ...)
    code     = the first 20 bits of h_{i,m} as 4 characters of the credential alphabet
    c_i      = H("tellers/v1/paper-contest"; u32(p), u32(i), the h_{i,m} sorted)
    conf_p   = H("tellers/v1/paper"; fingerprint, u32(p), credential, c_i for each contest)

(p the paper number, i the contest's manifest index, m the mark, s the
slot, a the first attempt — from 0 — whose codes in contest i are all
different). Publishing ``seed_p`` opens paper p and no other, so the
unused papers can be audited after the close (§6) without touching a
returned one. Sorting the hashes hides which vector is which mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tellers.crypto.credentials import ALPHABET
from tellers.crypto.elgamal import Ciphertext, encrypt
from tellers.crypto.group import GROUP_ORDER, Point, Scalar
from tellers.crypto.hashing import hash_fields
from tellers.election.manifest import Contest, Manifest

__all__ = [
    "MAX_ATTEMPTS",
    "PaperContest",
    "PreencryptedPaper",
    "confirmation",
    "contest_hash",
    "mark_values",
    "marks_of",
    "paper_context",
    "paper_seed",
    "preencrypt_paper",
    "selection_hash",
    "short_code",
    "u32",
]

MAX_ATTEMPTS = 64
"""Attempts at a contest's vectors before giving up on distinct codes (never reached in
practice: 65 marks collide in 20 bits with probability under 0.2%)."""


def u32(value: int) -> bytes:
    return value.to_bytes(4, "big")


def paper_seed(master: bytes, number: int) -> bytes:
    """The paper's own seed: published for an unused paper, it opens that paper only."""
    return hash_fields("tellers/v1/paper-seed", [master, u32(number)])


def _nonce(seed: bytes, index: int, attempt: int, mark: int, slot: int) -> Scalar:
    digest = hash_fields(
        "tellers/v1/paper-nonce", [seed, u32(index), u32(attempt), u32(mark), u32(slot)]
    )
    return Scalar(1 + int.from_bytes(digest, "big") % (GROUP_ORDER - 1))


def mark_values(contest: Contest) -> list[tuple[int, ...]]:
    """The plaintext vector of each mark, in mark order: one-hot on choice m (m < choices),
    then, where a blank is allowed, one-hot on the blank slot."""
    slots = len(contest.choices) + int(contest.allow_blank)
    return [tuple(int(s == m) for s in range(slots)) for m in range(slots)]


def marks_of(contest: Contest) -> int:
    return len(contest.choices) + int(contest.allow_blank)


def selection_hash(number: int, index: int, vector: Sequence[Ciphertext]) -> bytes:
    return hash_fields(
        "tellers/v1/paper-vector", [u32(number), u32(index), *(c.to_bytes() for c in vector)]
    )


def short_code(digest: bytes) -> str:
    """The 4-character code printed beside a box: the first 20 bits of its vector's hash."""
    bits = int.from_bytes(digest[:3], "big") >> 4
    return "".join(ALPHABET[(bits >> (5 * (3 - k))) & 31] for k in range(4))


def contest_hash(number: int, index: int, hashes: Sequence[bytes]) -> bytes:
    return hash_fields("tellers/v1/paper-contest", [u32(number), u32(index), *sorted(hashes)])


def confirmation(
    fingerprint: bytes, number: int, credential: bytes, contest_hashes: Sequence[bytes]
) -> bytes:
    return hash_fields("tellers/v1/paper", [fingerprint, u32(number), credential, *contest_hashes])


def paper_context(number: int) -> bytes:
    """What stands for the credential in a returned paper's proof contexts (record.md §4.3):
    H("tellers/v1/paper-context"; u32(p)), so no proof moves between papers or ballots."""
    return hash_fields("tellers/v1/paper-context", [u32(number)])


@dataclass(frozen=True, slots=True)
class PaperContest:
    """One contest of a pre-encrypted paper, its vectors in mark order."""

    index: int
    """The contest's position in the manifest."""
    contest_id: str
    attempt: int
    vectors: tuple[tuple[Ciphertext, ...], ...]
    randomness: tuple[tuple[Scalar, ...], ...]
    hashes: tuple[bytes, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(short_code(h) for h in self.hashes)


@dataclass(frozen=True, slots=True)
class PreencryptedPaper:
    number: int
    credential: bytes
    contests: tuple[PaperContest, ...]
    confirmation: bytes

    def contest_hashes(self) -> list[bytes]:
        return [contest_hash(self.number, c.index, c.hashes) for c in self.contests]


def _contest(contest: Contest, index: int, number: int, seed: bytes, key: Point) -> PaperContest:
    plaintexts = mark_values(contest)
    for attempt in range(MAX_ATTEMPTS):
        vectors, randomness, hashes = [], [], []
        for mark, values in enumerate(plaintexts):
            rs = tuple(_nonce(seed, index, attempt, mark, s) for s in range(len(values)))
            vector = tuple(encrypt(key, m, r) for m, r in zip(values, rs, strict=True))
            vectors.append(vector)
            randomness.append(rs)
            hashes.append(selection_hash(number, index, vector))
        if len({short_code(h) for h in hashes}) == len(hashes):
            return PaperContest(
                index, contest.id, attempt, tuple(vectors), tuple(randomness), tuple(hashes)
            )
    raise RuntimeError(f"paper {number}, contest {contest.id}: no distinct codes found")


def preencrypt_paper(
    manifest: Manifest,
    fingerprint: bytes,
    key: Point,
    seed: bytes,
    number: int,
    credential: bytes,
    constituency: str,
) -> PreencryptedPaper:
    """Paper ``number`` for the member holding ``credential``, from its ``seed``."""
    contests = tuple(
        _contest(manifest.contests[i], i, number, seed, key)
        for i in manifest.contests_for(constituency)
    )
    hashes = [contest_hash(number, c.index, c.hashes) for c in contests]
    return PreencryptedPaper(
        number, credential, contests, confirmation(fingerprint, number, credential, hashes)
    )
