"""k-of-n trustees: the key ceremony and threshold decryption (ceremony.md).

The ceremony is Pedersen's distributed key generation with Feldman
commitments (§3). Each trustee i picks a secret polynomial f_i of degree
k - 1, publishes C_ij = a_ij·G with proofs of knowledge, and sends
s_il = f_i(l) to every trustee l in a sealed box. Trustee l checks each share
against the sender's commitments (s_il·G = Σ_j l^j·C_ij) and keeps
x_l = Σ_i s_il. The election key is H = Σ_i C_i0 = x·G where x = Σ_i a_i0 is
never assembled anywhere.

Decryption (§4): any k trustees publish D_l = x_l·alpha with a
Chaum–Pedersen proof against X_l = x_l·G; Lagrange interpolation at 0 gives
x·alpha = Σ_l λ_l·D_l, so m·G = beta - x·alpha.

Every failure in the ceremony raises ``InvalidShare`` naming the sender at
fault, because the remedy (a complaint, the sender disqualified or re-run) is
about that trustee. Decryption proofs raise ``InvalidProof``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from math import lcm, prod

from tellers.crypto.ceremony_messages import (
    MAX_TRUSTEES,
    CeremonyKey,
    DecryptionShare,
    EncryptedShare,
    TrusteeCommitment,
    TrusteeKey,
    TrusteePolynomial,
    commitment_context,
    decryption_context,
)
from tellers.crypto.dlog import discrete_log
from tellers.crypto.elgamal import Ciphertext
from tellers.crypto.group import SCALAR_BYTES, Point, Scalar
from tellers.crypto.hashing import FINGERPRINT_BYTES, int_field
from tellers.crypto.proofs import (
    check_decryption_share,
    check_key,
    prove_decryption_share,
    prove_key,
)
from tellers.crypto.sealed import open_as_recipient, open_with_ephemeral, seal, x25519_keypair
from tellers.errors import EncodingError, InvalidProof, InvalidShare

__all__ = [  # the message types are re-exported so callers need one import
    "CeremonyKey",
    "DecryptionShare",
    "EncryptedShare",
    "TrusteeCommitment",
    "TrusteeKey",
    "TrusteePolynomial",
    "check_commitment",
    "check_commitments",
    "check_decryption_share_of",
    "check_decryption_shares",
    "check_share",
    "combine_share_points",
    "combine_shares",
    "commit",
    "decryption_share",
    "decryption_shares",
    "joint_public_key",
    "lagrange_coefficient",
    "make_shares",
    "new_ceremony_key",
    "new_polynomial",
    "open_revealed_share",
    "open_share",
    "quorum_weights",
    "receive_shares",
    "threshold_decrypt",
    "verification_key",
]

Rand = Callable[[], Scalar]

_SHARE_PLAINTEXT = FINGERPRINT_BYTES + 8 + 8 + SCALAR_BYTES


# Step 1: ceremony keys. -------------------------------------------------------------------


def new_ceremony_key(trustee: int, seed: bytes | None = None) -> CeremonyKey:
    """A fresh X25519 key pair for receiving shares (from a 32-byte ``seed`` for test vectors)."""
    _check_index("trustee", trustee)
    pair = x25519_keypair(seed)
    return CeremonyKey(trustee, pair.private, pair.public)


# Step 2: polynomial and commitments. ------------------------------------------------------


def new_polynomial(trustee: int, quorum: int, *, rand: Rand = Scalar.random) -> TrusteePolynomial:
    """Trustee i's secret polynomial: k coefficients from ``rand`` (which must not return 0)."""
    _check_index("trustee", trustee)
    _check_index("quorum", quorum)
    coefficients = tuple(rand() for _ in range(quorum))
    if any(a.is_zero() for a in coefficients):
        raise EncodingError("rand", "a polynomial coefficient must not be zero")
    return TrusteePolynomial(trustee, coefficients)


def commit(
    fingerprint: bytes, polynomial: TrusteePolynomial, *, rand: Rand = Scalar.random
) -> TrusteeCommitment:
    """C_ij = a_ij·G and a Schnorr proof for each (§3.3)."""
    i = polynomial.trustee
    return TrusteeCommitment(
        i,
        tuple(Point.base_times(a) for a in polynomial.coefficients),
        tuple(
            prove_key(fingerprint, a, context=commitment_context(i, j), rand=rand)
            for j, a in enumerate(polynomial.coefficients)
        ),
    )


def check_commitment(
    fingerprint: bytes, commitment: TrusteeCommitment, quorum: int, trustees: int
) -> None:
    """Trustee i's commitments: index in 1..n, exactly k of them, every proof verifies."""
    i = commitment.trustee
    if not 1 <= i <= trustees:
        raise InvalidShare(i, f"trustee index must be in 1..{trustees}, found {i}")
    found = (len(commitment.coefficients), len(commitment.proofs))
    if found != (quorum, quorum):
        raise InvalidShare(
            i,
            f"expected {quorum} commitments with {quorum} proofs, "
            f"found {found[0]} commitments and {found[1]} proofs",
        )
    for j, (c_ij, proof) in enumerate(zip(commitment.coefficients, commitment.proofs, strict=True)):
        try:
            check_key(fingerprint, c_ij, proof, context=commitment_context(i, j))
        except InvalidProof as exc:
            raise InvalidShare(i, f"commitment C_{i},{j}: {exc}") from None


def check_commitments(
    fingerprint: bytes, commitments: Sequence[TrusteeCommitment], quorum: int, trustees: int
) -> None:
    """The whole published ceremony: one valid commitment from each trustee 1..n, in order."""
    _check_quorum(quorum, trustees)
    indices = [c.trustee for c in commitments]
    if indices != list(range(1, trustees + 1)):
        raise EncodingError(
            "commitments", f"expected trustees 1..{trustees} in order, found {indices}"
        )
    for commitment in commitments:
        check_commitment(fingerprint, commitment, quorum, trustees)


# Step 3: shares. --------------------------------------------------------------------------


def make_shares(
    fingerprint: bytes,
    polynomial: TrusteePolynomial,
    recipients: Sequence[CeremonyKey],
    *,
    ephemeral: Callable[[int], bytes] | None = None,
) -> tuple[tuple[EncryptedShare, ...], tuple[bytes, ...]]:
    """s_il = f_i(l) for each recipient l, each sealed to l's ceremony key (§3.4).

    Returns the shares and, in the same order, the ephemeral secret of each
    sealed box, which the sender keeps until the ceremony is over to answer a
    complaint (§3.7). ``ephemeral(l)``, when given, supplies that secret (test
    vectors). Recipients include the sender itself, so every trustee treats
    every share alike. ``fingerprint`` is what the ceremony binds: the
    manifest hash (record.md §3.4).
    """
    _check_fingerprint(fingerprint)
    i = polynomial.trustee
    shares, secrets_ = [], []
    for recipient in recipients:
        l = recipient.trustee  # noqa: E741 - the spec's symbol
        plaintext = fingerprint + int_field(i) + int_field(l) + polynomial.at(l).to_bytes()
        sealed, esk = seal(recipient.public, plaintext, None if ephemeral is None else ephemeral(l))
        shares.append(EncryptedShare(i, l, sealed))
        secrets_.append(esk)
    return tuple(shares), tuple(secrets_)


def _share_from_plaintext(fingerprint: bytes, i: int, l: int, plaintext: bytes) -> Scalar:  # noqa: E741
    if len(plaintext) != _SHARE_PLAINTEXT:
        raise InvalidShare(i, f"share plaintext is {len(plaintext)} bytes, not {_SHARE_PLAINTEXT}")
    header = fingerprint + int_field(i) + int_field(l)
    if plaintext[: len(header)] != header:
        raise InvalidShare(i, f"share is not labelled for this election, from {i} to {l}")
    try:
        return Scalar.from_bytes(plaintext[len(header) :], "share")
    except EncodingError as exc:
        raise InvalidShare(i, str(exc)) from None


def open_share(fingerprint: bytes, encrypted: EncryptedShare, key: CeremonyKey) -> Scalar:
    """s_il from its sealed box; ``InvalidShare`` naming the sender if it is not what it says."""
    _check_fingerprint(fingerprint)  # a bad fingerprint here is our fault, not the sender's
    i, l = encrypted.sender, key.trustee  # noqa: E741
    if encrypted.recipient != l:
        raise InvalidShare(i, f"share is addressed to trustee {encrypted.recipient}, not {l}")
    try:
        plaintext = open_as_recipient(key.private, encrypted.sealed)
    except ValueError:
        raise InvalidShare(i, f"share does not decrypt with trustee {l}'s ceremony key") from None
    return _share_from_plaintext(fingerprint, i, l, plaintext)


def open_revealed_share(
    fingerprint: bytes, encrypted: EncryptedShare, recipient_public: bytes, ephemeral_secret: bytes
) -> Scalar:
    """s_il from the sealed box, opened in public with the sender's revealed esk (§3.7).

    ``InvalidShare`` naming the sender when esk is not the box's, the box does
    not open, or the plaintext is not a share from i to l; the caller then
    runs ``check_share`` against i's commitments.
    """
    _check_fingerprint(fingerprint)
    i, l = encrypted.sender, encrypted.recipient  # noqa: E741
    try:
        plaintext = open_with_ephemeral(recipient_public, encrypted.sealed, ephemeral_secret)
    except (ValueError, EncodingError) as exc:
        raise InvalidShare(i, f"share for trustee {l}: {exc}") from None
    return _share_from_plaintext(fingerprint, i, l, plaintext)


def check_share(commitment: TrusteeCommitment, recipient: int, share: Scalar) -> None:
    """s_il·G = Σ_j l^j·C_ij (§3.5); else ``InvalidShare`` naming the sender i.

    This is also how a complaint is judged in public: the sender reveals s_il
    and anyone runs this check.
    """
    expected = _evaluate(commitment.coefficients, recipient)
    if Point.base_times(share) != expected:
        raise InvalidShare(
            commitment.trustee,
            f"share for trustee {recipient} does not match the commitments "
            f"(s·G != Σ_j {recipient}^j·C_{commitment.trustee},j)",
        )


def receive_shares(
    fingerprint: bytes,
    key: CeremonyKey,
    commitments: Sequence[TrusteeCommitment],
    shares: Sequence[EncryptedShare],
    *,
    quorum: int,
    trustees: int,
) -> TrusteeKey:
    """Trustee l's key x_l = Σ_i s_il after checking everything it received (§3.5–3.6).

    ``commitments`` are the qualified trustees' published commitments (all n
    when nobody was disqualified, §3.7), in increasing order of index;
    ``shares`` the sealed shares addressed to l (one per sender). The first
    fault found raises ``InvalidShare`` naming its sender.
    """
    l = key.trustee  # noqa: E741
    _check_quorum(quorum, trustees)
    indices = [c.trustee for c in commitments]
    if indices != sorted(set(indices)) or len(indices) < quorum:
        raise EncodingError(
            "commitments",
            f"expected at least {quorum} trustees in increasing order, found {indices}",
        )
    for commitment in commitments:
        check_commitment(fingerprint, commitment, quorum, trustees)
    by_sender: dict[int, EncryptedShare] = {}
    for encrypted in shares:
        if encrypted.sender in by_sender:
            raise InvalidShare(encrypted.sender, f"sent trustee {l} more than one share")
        by_sender[encrypted.sender] = encrypted
    total = Scalar(0)
    for commitment in commitments:
        i = commitment.trustee
        encrypted_share = by_sender.get(i)
        if encrypted_share is None:
            raise InvalidShare(i, f"sent no share to trustee {l}")
        share = open_share(fingerprint, encrypted_share, key)
        check_share(commitment, l, share)
        total = total + share
    return TrusteeKey(l, total, Point.base_times(total))


# Public keys anyone computes from the commitments. ---------------------------------------


def joint_public_key(commitments: Sequence[TrusteeCommitment]) -> Point:
    """The election key H = Σ_i C_i0 (§3.6)."""
    return Point.sum([c.coefficients[0] for c in commitments])


def verification_key(trustee: int, commitments: Sequence[TrusteeCommitment]) -> Point:
    """X_l = Σ_i Σ_j l^j·C_ij = x_l·G (§3.6); the sums over i are taken first."""
    _check_index("trustee", trustee)
    width = max(len(c.coefficients) for c in commitments)
    combined = [
        Point.sum([c.coefficients[j] for c in commitments if j < len(c.coefficients)])
        for j in range(width)
    ]
    return _evaluate(tuple(combined), trustee)


def lagrange_coefficient(trustee: int, indices: Sequence[int]) -> Scalar:
    """λ_l = Π_{m in S, m != l} m / (m - l) mod n, so that F(0) = Σ_{l in S} λ_l·F(l) (§4.2)."""
    if trustee not in indices or len(set(indices)) != len(indices):
        raise EncodingError("trustees", f"expected distinct indices including {trustee}")
    numerator, denominator = Scalar(1), Scalar(1)
    for m in indices:
        if m != trustee:
            numerator = numerator * m
            denominator = denominator * (m - trustee)
    return numerator * denominator.inverse()


# Decryption. ------------------------------------------------------------------------------


def decryption_share(
    fingerprint: bytes, key: TrusteeKey, ciphertext: Ciphertext, *, rand: Rand = Scalar.random
) -> DecryptionShare:
    """D_l = x_l·alpha with its Chaum–Pedersen proof (§4.1)."""
    share, proof = prove_decryption_share(
        fingerprint,
        key.secret,
        ciphertext.alpha,
        context=decryption_context(key.trustee),
        rand=rand,
    )
    return DecryptionShare(key.trustee, share, proof)


def decryption_shares(
    fingerprint: bytes,
    key: TrusteeKey,
    ciphertexts: Sequence[Ciphertext],
    *,
    rand: Rand = Scalar.random,
) -> tuple[DecryptionShare, ...]:
    """One share and proof per ciphertext of a tally, in the same order."""
    return tuple(decryption_share(fingerprint, key, c, rand=rand) for c in ciphertexts)


def check_decryption_share_of(
    fingerprint: bytes, public: Point, ciphertext: Ciphertext, share: DecryptionShare
) -> None:
    """``share`` is x_l·alpha for the X_l = ``public`` of trustee ``share.trustee`` (§4.1)."""
    check_decryption_share(
        fingerprint,
        public,
        ciphertext.alpha,
        share.share,
        share.proof,
        context=decryption_context(share.trustee),
    )


def check_decryption_shares(
    fingerprint: bytes,
    commitments: Sequence[TrusteeCommitment],
    ciphertexts: Sequence[Ciphertext],
    shares: Sequence[DecryptionShare],
) -> None:
    """One trustee's shares of a whole tally, against X_l recomputed from the commitments.

    ``commitments`` are the qualified trustees' (§3.7); whether ``trustee`` is
    one of them is the caller's to check.

    Raises ``InvalidProof`` naming the trustee and the ciphertext's position.
    """
    if len(shares) != len(ciphertexts):
        raise InvalidProof(f"expected {len(ciphertexts)} decryption shares, found {len(shares)}")
    if not shares:
        return
    trustee = shares[0].trustee
    if not isinstance(trustee, int) or not 1 <= trustee <= MAX_TRUSTEES:
        raise InvalidProof(f"decryption share from unknown trustee {trustee}")
    public = verification_key(trustee, commitments)
    for position, (ciphertext, share) in enumerate(zip(ciphertexts, shares, strict=True)):
        if share.trustee != trustee:
            raise InvalidProof(
                f"decryption share {position}: from trustee {share.trustee}, expected {trustee}"
            )
        try:
            check_decryption_share_of(fingerprint, public, ciphertext, share)
        except InvalidProof as exc:
            raise InvalidProof(f"trustee {trustee}, ciphertext {position}: {exc}") from None


def combine_shares(
    ciphertexts: Sequence[Ciphertext], shares: Sequence[Sequence[DecryptionShare]]
) -> list[Point]:
    """m·G = beta - Σ_l λ_l·D_l for each ciphertext (§4.2).

    ``shares`` holds one sequence per trustee, each parallel to ``ciphertexts``;
    the trustees used are the set S of λ_l. Fewer than k trustees give a wrong
    point, not an error: the quorum is the caller's rule to enforce.
    """
    indices: list[int] = []
    for batch in shares:
        if len(batch) != len(ciphertexts):
            raise EncodingError(
                "decryption_shares", f"expected {len(ciphertexts)} shares, found {len(batch)}"
            )
        found = {s.trustee for s in batch}
        if len(found) > 1:
            raise EncodingError("decryption_shares", f"one batch mixes trustees {sorted(found)}")
        indices.extend(found)
    return combine_share_points(
        ciphertexts, [[s.share for s in batch] for batch in shares], indices
    )


def combine_share_points(
    ciphertexts: Sequence[Ciphertext], shares: Sequence[Sequence[Point]], trustees: Sequence[int]
) -> list[Point]:
    """``combine_shares`` of the share points alone: ``shares[j]`` are trustee
    ``trustees[j]``'s D_l, one per ciphertext."""
    if len(set(trustees)) != len(trustees):
        raise EncodingError("decryption_shares", f"a trustee appears twice in {list(trustees)}")
    lambdas = [lagrange_coefficient(t, trustees) for t in trustees]
    points = []
    for position, ciphertext in enumerate(ciphertexts):
        combined = Point.sum(
            [batch[position] * lam for batch, lam in zip(shares, lambdas, strict=True)]
        )
        points.append(ciphertext.beta - combined)
    return points


def quorum_weights(trustees: Sequence[int]) -> tuple[int, tuple[int, ...]]:
    """(δ, (μ_l)): the Lagrange coefficients λ_l of ``trustees`` (§4.2) as rationals, times
    the least common multiple δ > 0 of their denominators, so that δ·Σ λ_l·D_l = Σ μ_l·D_l
    with integers μ_l — small for small trustee indices, and then a combination of shares
    by additions alone (ranked.md §5.3)."""
    if len(set(trustees)) != len(trustees):
        raise EncodingError("decryption_shares", f"a trustee appears twice in {list(trustees)}")
    lambdas = [
        Fraction(prod(m for m in trustees if m != t), prod(m - t for m in trustees if m != t))
        for t in trustees
    ]
    delta = lcm(*(f.denominator for f in lambdas))
    return delta, tuple(int(f * delta) for f in lambdas)


def threshold_decrypt(
    ciphertexts: Sequence[Ciphertext], shares: Sequence[Sequence[DecryptionShare]], bound: int
) -> list[int]:
    """Each m in [0, bound] from the combined shares (``DecryptionError`` if out of range)."""
    return [discrete_log(p, bound) for p in combine_shares(ciphertexts, shares)]


# Helpers. ---------------------------------------------------------------------------------


def _evaluate(coefficients: tuple[Point, ...], z: int) -> Point:
    """Σ_j z^j·P_j: the committed polynomial at z, in the exponent."""
    return Point.sum([p * Scalar(z**j) for j, p in enumerate(coefficients)])


def _check_index(field: str, value: int) -> None:
    if not isinstance(value, int) or not 1 <= value <= MAX_TRUSTEES:
        raise EncodingError(field, f"expected an integer in 1..{MAX_TRUSTEES}, found {value!r}")


def _check_quorum(quorum: int, trustees: int) -> None:
    _check_index("trustees", trustees)
    if not 1 <= quorum <= trustees:
        raise EncodingError("quorum", f"expected 1 <= k <= n = {trustees}, found k = {quorum}")


def _check_fingerprint(fingerprint: bytes) -> None:
    if len(fingerprint) != FINGERPRINT_BYTES:
        raise EncodingError(
            "fingerprint", f"expected {FINGERPRINT_BYTES} bytes, found {len(fingerprint)}"
        )
