"""Encrypted ballots: ``encrypt_ballot`` and its twin ``check_ballot`` (record.md §4).

For each contest a member is entitled to, the ballot holds one ciphertext
per choice (1 if selected, else 0) with a 0/1 proof; where the contest
allows a blank, one more 0/1 ciphertext ``blank``; and a range proof that
``T = sum(selections) + K·blank`` lies in [1, K], K being the contest's
``max_selections``. So a member selects 1..K choices, or (blank = 1) none.

Every proof's context is ``credential || u32(contest index) || u32(slot)``,
slot being the choice's index, ``len(choices)`` for the blank and
0xFFFFFFFF for the total, so no proof can be lifted into another ballot or
position. The credential key signs (BIP340) the ballot message::

    C_i     = H("tellers/v1/ballot-contest"; id, S_1, ..., S_k, S_blank or "", P_total)
    message = H("tellers/v1/ballot"; fingerprint, credential, C_1, ..., C_m)
    tracker = H("tellers/v1/tracker"; message, signature)

where S = alpha || beta || c_0 || s_0 || c_1 || s_1 and P = c_lo || s_lo || ... || c_hi || s_hi.

An audited ballot (Benaloh's cast-or-audit) is published with its
``Reveal`` — the choices and every randomness — and ``check_audit`` shows
that the ballot encrypts exactly those choices. It is never counted, and it
is published as its ``AuditedBallot``: the ciphertexts alone, without the
credential, the signature or the proofs (each of which would let anyone
find the credential on the published list by trial), so nothing links the
choices revealed to a member (record.md §4.4).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from tellers.contexts import TOTAL_SLOT, proof_context
from tellers.crypto.elgamal import Ciphertext, encrypt
from tellers.crypto.group import Point, Scalar, bip340_public_key, bip340_sign, bip340_verify
from tellers.crypto.hashing import hash_fields
from tellers.crypto.proofs import RangeProof, check_bit, check_range, prove_bit, prove_range
from tellers.election.manifest import Contest, Manifest
from tellers.errors import EncodingError, InvalidProof, ManifestError
from tellers.ranked.ballot import EncryptedPreference, check_ranking, encrypt_ranking
from tellers.ranked.ranking import ranking_values

__all__ = [
    "TOTAL_SLOT",
    "AuditedBallot",
    "AuditedContest",
    "Ballot",
    "ContestBallot",
    "ContestReveal",
    "EncryptedSelection",
    "Reveal",
    "audited_form",
    "ballot_message",
    "check_audit",
    "check_ballot",
    "check_ballot_proofs",
    "check_ballot_signature",
    "check_contest_proofs",
    "check_entitlement",
    "check_reveal_shape",
    "check_shape",
    "contest_total",
    "encrypt_ballot",
    "proof_context",
    "tracker",
]


@dataclass(frozen=True, slots=True)
class EncryptedSelection:
    """One choice (or the blank indicator): an encryption of 0 or 1 with its 0/1 proof."""

    ciphertext: Ciphertext
    proof: RangeProof


@dataclass(frozen=True, slots=True)
class ContestBallot:
    contest_id: str
    selections: tuple[EncryptedSelection, ...]
    """One per choice, in the manifest's order."""
    blank: EncryptedSelection | None
    """Present exactly when the contest allows a blank."""
    total_proof: RangeProof | None
    """T = sum(selections) + K·blank lies in [1, K]; None for a ranked contest."""
    preferences: tuple[EncryptedPreference, ...] = ()
    """A ranked contest's row, one per preference position (ranked.md §3); its selections
    are empty. Empty for every other contest."""


@dataclass(frozen=True, slots=True)
class Ballot:
    fingerprint: bytes
    """The election fingerprint (record.md §3.4)."""
    credential: bytes
    """The member's public credential: a 32-byte x-only key."""
    contests: tuple[ContestBallot, ...]
    """The contests the credential is entitled to, in manifest order."""
    signature: bytes
    """BIP340 signature of ``ballot_message`` under ``credential``."""


@dataclass(frozen=True, slots=True)
class ContestReveal:
    contest_id: str
    choices: tuple[int, ...]
    """0 or 1 per choice; for a ranked contest v_1..v_W (ranked.md §2)."""
    blank: int
    randomness: tuple[Scalar, ...]
    """One per selection, then the blank's if there is one."""


@dataclass(frozen=True, slots=True)
class Reveal:
    """What an audited ballot discloses; never disclosed for a cast ballot."""

    contests: tuple[ContestReveal, ...]


@dataclass(frozen=True, slots=True)
class AuditedContest:
    contest_id: str
    selections: tuple[Ciphertext, ...]
    blank: Ciphertext | None


@dataclass(frozen=True, slots=True)
class AuditedBallot:
    """What is published of an audited ballot: its ciphertexts, nothing naming the credential."""

    contests: tuple[AuditedContest, ...]


def audited_form(ballot: Ballot) -> AuditedBallot:
    """The audited ballot as published: the ciphertexts of ``ballot``, contest by contest."""
    return AuditedBallot(
        tuple(
            AuditedContest(
                c.contest_id,
                tuple(s.ciphertext for s in c.selections + c.preferences),
                None if c.blank is None else c.blank.ciphertext,
            )
            for c in ballot.contests
        )
    )


Rand = Callable[[], Scalar]


def encrypt_ballot(
    manifest: Manifest,
    fingerprint: bytes,
    election_key: Point,
    signing_key: Scalar,
    constituency: str,
    selections: Mapping[str, Sequence[str]],
    *,
    rand: Rand = Scalar.random,
    aux_randomness: bytes | None = None,
) -> tuple[Ballot, Reveal]:
    """Encrypt a member's choices: contest id -> chosen choice ids (empty or absent = blank)."""
    credential = bip340_public_key(signing_key)
    entitled = manifest.contests_for(constituency)
    unknown = set(selections) - {manifest.contests[i].id for i in entitled}
    if unknown:
        raise ManifestError(f"selections for contests not on this ballot: {sorted(unknown)}")
    contests: list[ContestBallot] = []
    reveals: list[ContestReveal] = []
    for index in entitled:
        contest = manifest.contests[index]
        if contest.ranked:
            ballot, reveal = _encrypt_ranked(
                contest, index, selections.get(contest.id, ()), fingerprint, election_key,
                credential, rand,
            )  # fmt: skip
        else:
            chosen = _plaintext(contest, selections.get(contest.id, ()))
            ballot, reveal = _encrypt_contest(
                contest, index, chosen, fingerprint, election_key, credential, rand
            )
        contests.append(ballot)
        reveals.append(reveal)
    body = tuple(contests)
    message = ballot_message(fingerprint, credential, body)
    aux = secrets.token_bytes(32) if aux_randomness is None else aux_randomness
    signature = bip340_sign(signing_key, message, aux)
    return Ballot(fingerprint, credential, body, signature), Reveal(tuple(reveals))


def _plaintext(contest: Contest, chosen: Sequence[str]) -> tuple[int, ...]:
    picked = {contest.choice_index(c) for c in chosen}
    if len(picked) != len(chosen):
        raise ManifestError(f"contest {contest.id}: a choice is selected twice")
    if len(picked) > contest.max_selections:
        raise ManifestError(
            f"contest {contest.id}: at most {contest.max_selections} choices, found {len(picked)}"
        )
    if not picked and not contest.allow_blank:
        raise ManifestError(f"contest {contest.id}: a blank contest is not allowed")
    return tuple(int(i in picked) for i in range(len(contest.choices)))


def _encrypt_ranked(
    contest: Contest,
    index: int,
    ranking: Sequence[str],
    fingerprint: bytes,
    key: Point,
    credential: bytes,
    rand: Rand,
) -> tuple[ContestBallot, ContestReveal]:
    """The row of a ranked contest for ``ranking`` (choice ids, most preferred first)."""
    if not ranking and not contest.allow_blank:
        raise ManifestError(f"contest {contest.id}: a blank contest is not allowed")
    try:
        values = ranking_values(
            [contest.choice_index(c) for c in ranking], len(contest.choices), contest.width
        )
    except EncodingError as exc:
        raise ManifestError(f"contest {contest.id}: {exc}") from None
    row, randomness = encrypt_ranking(
        fingerprint, key, values, credential=credential, contest_index=index, rand=rand
    )
    return (
        ContestBallot(contest.id, (), None, None, row),
        ContestReveal(contest.id, values, 0, randomness),
    )


def _encrypt_contest(
    contest: Contest,
    index: int,
    chosen: tuple[int, ...],
    fingerprint: bytes,
    key: Point,
    credential: bytes,
    rand: Rand,
) -> tuple[ContestBallot, ContestReveal]:
    values = list(chosen)
    if contest.allow_blank:
        values.append(int(not any(chosen)))
    randomness = tuple(rand() for _ in values)
    encrypted = []
    for slot, (m, r) in enumerate(zip(values, randomness, strict=True)):
        ciphertext = encrypt(key, m, r)
        context = proof_context(credential, index, slot)
        proof = prove_bit(fingerprint, key, ciphertext, m, r, context=context, rand=rand)
        encrypted.append(EncryptedSelection(ciphertext, proof))
    k = contest.max_selections
    total, total_r = _total(contest, [e.ciphertext for e in encrypted], list(randomness))
    total_m = sum(chosen) + (k * values[-1] if contest.allow_blank else 0)
    context = proof_context(credential, index, TOTAL_SLOT)
    total_proof = prove_range(
        fingerprint, key, total, total_m, total_r, 1, k, context=context, rand=rand
    )
    n = len(contest.choices)
    blank = encrypted[n] if contest.allow_blank else None
    ballot = ContestBallot(contest.id, tuple(encrypted[:n]), blank, total_proof)
    reveal = ContestReveal(contest.id, chosen, values[-1] if blank else 0, randomness)
    return ballot, reveal


def _total(
    contest: Contest, ciphertexts: list[Ciphertext], randomness: list[Scalar] | None = None
) -> tuple[Ciphertext, Scalar]:
    """T = sum(selections) + K·blank, with its randomness when known."""
    k = contest.max_selections
    n = len(contest.choices)
    parts = ciphertexts[:n]
    r_total = Scalar(0)
    if randomness is not None:
        r_total = Scalar(sum(r.value for r in randomness[:n]))
    if contest.allow_blank:
        blank = ciphertexts[n]
        scaled = blank if k == 1 else Ciphertext(blank.alpha * Scalar(k), blank.beta * Scalar(k))
        parts = [*parts, scaled]
        if randomness is not None:
            r_total = r_total + randomness[n] * k
    return Ciphertext.sum(parts), r_total


def contest_total(
    contest: Contest, ciphertexts: list[Ciphertext], randomness: list[Scalar] | None = None
) -> tuple[Ciphertext, Scalar]:
    """T = sum(selections) + K·blank of one contest's slots, with its randomness when known
    (record.md §4.1); a returned paper's total is the same (postal.md §5.4)."""
    return _total(contest, ciphertexts, randomness)


def _selection_bytes(selection: EncryptedSelection) -> bytes:
    return selection.ciphertext.to_bytes() + _proof_bytes(selection.proof)


def _preference_bytes(p: EncryptedPreference) -> bytes:
    return p.ciphertext.to_bytes() + p.proof.challenge.to_bytes() + p.proof.response.to_bytes()


def _proof_bytes(proof: RangeProof) -> bytes:
    return b"".join(
        c.to_bytes() + s.to_bytes() for c, s in zip(proof.challenges, proof.responses, strict=True)
    )


def ballot_message(
    fingerprint: bytes, credential: bytes, contests: Sequence[ContestBallot]
) -> bytes:
    """The 32-byte message the credential signs (record.md §4.2)."""
    fields = [fingerprint, credential]
    for contest in contests:
        parts = [contest.contest_id.encode()]
        if contest.total_proof is None:  # a ranked contest (record.md §4.2)
            parts += [_preference_bytes(p) for p in contest.preferences]
            fields.append(hash_fields("tellers/v1/ballot-ranked", parts))
            continue
        parts += [_selection_bytes(s) for s in contest.selections]
        parts.append(b"" if contest.blank is None else _selection_bytes(contest.blank))
        parts.append(_proof_bytes(contest.total_proof))
        fields.append(hash_fields("tellers/v1/ballot-contest", parts))
    return hash_fields("tellers/v1/ballot", fields)


def tracker(ballot: Ballot, message: bytes | None = None) -> bytes:
    """The ballot's tracker: what the member sees and looks for on the board.

    ``message``, when the caller has it, is ``ballot_message`` of this ballot.
    """
    if message is None:
        message = ballot_message(ballot.fingerprint, ballot.credential, ballot.contests)
    return hash_fields("tellers/v1/tracker", [message, ballot.signature])


def check_ballot_signature(ballot: Ballot) -> bytes:
    """The credential signed this ballot; raises ``InvalidSignature``. Returns the message."""
    message = ballot_message(ballot.fingerprint, ballot.credential, ballot.contests)
    bip340_verify(ballot.credential, message, ballot.signature)
    return message


def check_entitlement(manifest: Manifest, ballot: Ballot, constituency: str) -> None:
    """The ballot holds exactly the contests ``constituency`` is entitled to, in order."""
    found = [c.contest_id for c in ballot.contests]
    expected = [manifest.contests[i].id for i in manifest.contests_for(constituency)]
    if found != expected:
        raise ManifestError(f"ballot contests {found} do not match the entitlement {expected}")


def check_shape(manifest: Manifest, ballot: Ballot | AuditedBallot) -> None:
    """The ballot has this election's shape, or ``ManifestError`` saying how it differs.

    Its contests are manifest contests, each once, in manifest order; each has
    one selection per choice and a blank indicator exactly when the contest
    allows a blank (record.md §5.4, ``malformed``). ``check_entitlement``
    says whether they are the member's contests.
    """
    position = {c.id: i for i, c in enumerate(manifest.contests)}
    contests: Sequence[ContestBallot | AuditedContest] = ballot.contests
    indices = []
    for contest_ballot in contests:
        if contest_ballot.contest_id not in position:
            raise ManifestError(f"ballot names unknown contest {contest_ballot.contest_id!r}")
        indices.append(position[contest_ballot.contest_id])
    if indices != sorted(set(indices)):
        raise ManifestError("ballot contests are repeated or out of manifest order")
    for index, contest_ballot in zip(indices, contests, strict=True):
        contest = manifest.contests[index]
        if contest.ranked or isinstance(contest_ballot, ContestBallot):
            _check_ranked_shape(contest, contest_ballot)
        if contest.ranked:
            continue
        if len(contest_ballot.selections) != len(contest.choices):
            raise ManifestError(
                f"contest {contest.id}: expected {len(contest.choices)} selections, "
                f"found {len(contest_ballot.selections)}"
            )
        if (contest_ballot.blank is not None) != contest.allow_blank:
            raise ManifestError(f"contest {contest.id}: blank indicator present/absent wrongly")


def _check_ranked_shape(contest: Contest, found: ContestBallot | AuditedContest) -> None:
    """A ranked contest's ballot has its W preferences and nothing else; another contest's
    ballot has no preferences and a total proof (record.md §4.1)."""
    if isinstance(found, AuditedContest):
        if len(found.selections) != contest.width or found.blank is not None:
            raise ManifestError(
                f"contest {contest.id}: expected {contest.width} preferences, "
                f"found {len(found.selections)}"
            )
        return
    if not contest.ranked:
        if found.preferences or found.total_proof is None:
            raise ManifestError(f"contest {contest.id}: preferences on a contest of choices")
        return
    if found.selections or found.blank is not None or found.total_proof is not None:
        raise ManifestError(f"contest {contest.id}: a ranked contest has only preferences")
    if len(found.preferences) != contest.width:
        raise ManifestError(
            f"contest {contest.id}: expected {contest.width} preferences, "
            f"found {len(found.preferences)}"
        )


def check_reveal_shape(ballot: Ballot | AuditedBallot, reveal: Reveal) -> None:
    """The reveal has the ballot's shape, or ``ManifestError``: the same contests in the same
    order, one choice per selection and one randomness per slot (record.md §4.4)."""
    contests: Sequence[ContestBallot | AuditedContest] = ballot.contests
    if [c.contest_id for c in reveal.contests] != [c.contest_id for c in contests]:
        raise ManifestError("the reveal's contests are not the ballot's")
    for contest_ballot, contest_reveal in zip(contests, reveal.contests, strict=True):
        # A ranked contest's slots are its preferences (ranked.md §2: one value v_p each).
        ranked = contest_ballot.preferences if isinstance(contest_ballot, ContestBallot) else ()
        selections = len(contest_ballot.selections) + len(ranked)
        slots = selections + (contest_ballot.blank is not None)
        if len(contest_reveal.choices) != selections:
            raise ManifestError(
                f"contest {contest_ballot.contest_id}: the reveal has "
                f"{len(contest_reveal.choices)} choices for {selections} selections"
            )
        if len(contest_reveal.randomness) != slots:
            raise ManifestError(
                f"contest {contest_ballot.contest_id}: the reveal has "
                f"{len(contest_reveal.randomness)} randomness values for {slots} slots"
            )


def check_ballot_proofs(
    manifest: Manifest, fingerprint: bytes, election_key: Point, ballot: Ballot
) -> None:
    """The ballot's shape fits the manifest (``check_shape``) and every proof holds; raises
    saying where."""
    if ballot.fingerprint != fingerprint:
        raise InvalidProof("ballot is for another election (fingerprint differs)")
    check_shape(manifest, ballot)
    position = {c.id: i for i, c in enumerate(manifest.contests)}
    for contest_ballot in ballot.contests:
        index = position[contest_ballot.contest_id]
        contest = manifest.contests[index]
        _check_contest(contest, index, contest_ballot, fingerprint, election_key, ballot.credential)


def _check_contest(
    contest: Contest,
    index: int,
    ballot: ContestBallot,
    fingerprint: bytes,
    key: Point,
    credential: bytes,
) -> None:
    if ballot.total_proof is None:
        try:
            check_ranking(
                fingerprint, key, ballot.preferences, credential=credential,
                contest_index=index, width=contest.width,
            )  # fmt: skip
        except InvalidProof as exc:
            raise InvalidProof(f"contest {contest.id}, {exc}") from None
        return
    slots = list(ballot.selections) + ([ballot.blank] if ballot.blank is not None else [])
    for slot, selection in enumerate(slots):
        try:
            check_bit(
                fingerprint,
                key,
                selection.ciphertext,
                selection.proof,
                context=proof_context(credential, index, slot),
            )
        except InvalidProof as exc:
            raise InvalidProof(f"contest {contest.id}, selection {slot}: {exc}") from None
    total, _ = _total(contest, [s.ciphertext for s in slots])
    try:
        check_range(
            fingerprint,
            key,
            total,
            1,
            contest.max_selections,
            ballot.total_proof,
            context=proof_context(credential, index, TOTAL_SLOT),
        )
    except InvalidProof as exc:
        raise InvalidProof(f"contest {contest.id}, selection total: {exc}") from None


def check_contest_proofs(
    contest: Contest,
    index: int,
    ballot: ContestBallot,
    fingerprint: bytes,
    key: Point,
    owner: bytes,
) -> None:
    """Every 0/1 proof and the total proof of one contest, whose proof contexts begin with
    ``owner``: a ballot's credential, or a returned paper's ``paper_context`` (postal.md §5.4)."""
    _check_contest(contest, index, ballot, fingerprint, key, owner)


def check_ballot(
    manifest: Manifest, fingerprint: bytes, election_key: Point, ballot: Ballot, constituency: str
) -> None:
    """Everything about one ballot that needs no board: signature, shape and proofs."""
    check_ballot_signature(ballot)
    check_entitlement(manifest, ballot, constituency)
    check_ballot_proofs(manifest, fingerprint, election_key, ballot)


def check_audit(
    manifest: Manifest, election_key: Point, ballot: Ballot | AuditedBallot, reveal: Reveal
) -> None:
    """An audited ballot encrypts exactly the revealed choices, and they are a valid vote.

    Per contest (manifest contests, in manifest order): one 0/1 value per
    choice; ``blank`` 0 or 1 where the contest has a blank slot and 0 where it
    has none; Σchoices + K·blank in [1, K]; and every slot equals
    Enc(key, m; r) for its revealed m and r (record.md §4.4).
    """
    audited = ballot if isinstance(ballot, AuditedBallot) else audited_form(ballot)
    if [c.contest_id for c in reveal.contests] != [c.contest_id for c in audited.contests]:
        raise InvalidProof("audit: revealed contests do not match the ballot")
    position = {c.id: i for i, c in enumerate(manifest.contests)}
    indices = [position.get(c.contest_id, -1) for c in audited.contests]
    if -1 in indices or indices != sorted(set(indices)):
        raise InvalidProof("audit: contests are not manifest contests in manifest order")
    for contest_ballot, contest_reveal in zip(audited.contests, reveal.contests, strict=True):
        contest = manifest.contest(contest_ballot.contest_id)
        _check_revealed_vote(contest, contest_ballot, contest_reveal)
        values = list(contest_reveal.choices)
        slots = list(contest_ballot.selections)
        if contest_ballot.blank is not None:
            values.append(contest_reveal.blank)
            slots.append(contest_ballot.blank)
        if len(contest_reveal.randomness) != len(slots):
            raise InvalidProof(f"audit: contest {contest.id} reveals the wrong number of values")
        for slot, (m, r, c) in enumerate(
            zip(values, contest_reveal.randomness, slots, strict=True)
        ):
            if r.is_zero() or encrypt(election_key, m, r) != c:
                raise InvalidProof(
                    f"audit: contest {contest.id}, selection {slot} does not encrypt {m} "
                    "with the revealed randomness"
                )


def _check_revealed_vote(contest: Contest, ballot: AuditedContest, reveal: ContestReveal) -> None:
    if contest.ranked:
        _check_revealed_ranking(contest, ballot, reveal)
        return
    n, k = len(contest.choices), contest.max_selections
    if len(ballot.selections) != n or len(reveal.choices) != n:
        raise InvalidProof(f"audit: contest {contest.id} needs {n} selections and {n} choices")
    if (ballot.blank is not None) != contest.allow_blank:
        raise InvalidProof(f"audit: contest {contest.id} has its blank slot present/absent wrongly")
    if any(v not in (0, 1) for v in reveal.choices) or reveal.blank not in (0, 1):
        raise InvalidProof(f"audit: contest {contest.id} reveals a value other than 0 or 1")
    if ballot.blank is None and reveal.blank != 0:
        raise InvalidProof(f"audit: contest {contest.id} has no blank slot; its blank must be 0")
    total = sum(reveal.choices) + k * reveal.blank
    if not 1 <= total <= k:
        raise InvalidProof(
            f"audit: contest {contest.id} reveals {sum(reveal.choices)} choices with blank "
            f"{reveal.blank}, not a valid vote"
        )


def _check_revealed_ranking(
    contest: Contest, ballot: AuditedContest, reveal: ContestReveal
) -> None:
    """The revealed v_1..v_W are a ranking an honest client makes (ranked.md §2)."""
    if len(ballot.selections) != contest.width or ballot.blank is not None or reveal.blank != 0:
        raise InvalidProof(f"audit: contest {contest.id} needs {contest.width} preferences")
    values = reveal.choices
    ranked = [v for v in values if v != 0]
    try:
        expected = ranking_values([v - 1 for v in ranked], len(contest.choices), contest.width)
    except EncodingError as exc:
        raise InvalidProof(f"audit: contest {contest.id} reveals no valid ranking: {exc}") from None
    if tuple(values) != expected:
        raise InvalidProof(f"audit: contest {contest.id} reveals a preference after a blank one")
