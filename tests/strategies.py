"""Hypothesis strategies shared by every test module (STYLE.md §11).

Crypto strategies come first; other layers add theirs below. Each is a
function returning a strategy so that tests can pass bounds.
"""

from __future__ import annotations

from hypothesis import strategies as st

from tellers.crypto.elgamal import Ciphertext, KeyPair
from tellers.crypto.group import GROUP_ORDER, Point, Scalar
from tellers.crypto.hashing import FINGERPRINT_BYTES

__all__ = [
    "ciphertext_rows",
    "contexts",
    "fingerprints",
    "json_values",
    "key_pairs",
    "nonzero_scalars",
    "points",
    "scalars",
    "small_messages",
]

# Values where modular arithmetic and encodings go wrong first.
_EDGE_INTEGERS = (0, 1, 2, GROUP_ORDER - 1, GROUP_ORDER - 2, GROUP_ORDER // 2, 1 << 255)


def scalars() -> st.SearchStrategy[Scalar]:
    """Any scalar in [0, n), edge values included."""
    return st.one_of(
        st.sampled_from(_EDGE_INTEGERS), st.integers(min_value=0, max_value=GROUP_ORDER - 1)
    ).map(Scalar)


def nonzero_scalars() -> st.SearchStrategy[Scalar]:
    """Any scalar in [1, n)."""
    return scalars().filter(lambda k: not k.is_zero())


def points(*, allow_infinity: bool = False) -> st.SearchStrategy[Point]:
    """k·G for a random k (every point of the group is one); infinity only when asked."""
    finite = nonzero_scalars().map(Point.base_times)
    if allow_infinity:
        return st.one_of(st.just(Point.infinity()), finite)
    return finite


def ciphertext_rows(
    max_rows: int = 6, max_width: int = 4
) -> st.SearchStrategy[tuple[tuple[Ciphertext, ...], ...]]:
    """Rows of ciphertexts (no point at infinity), all of one width: a mixnet's list."""
    ciphertexts = st.builds(Ciphertext, points(), points())
    return st.integers(min_value=1, max_value=max_width).flatmap(
        lambda width: st.lists(
            st.lists(ciphertexts, min_size=width, max_size=width).map(tuple),
            min_size=1,
            max_size=max_rows,
        ).map(tuple)
    )


def key_pairs() -> st.SearchStrategy[KeyPair]:
    """An ElGamal key pair with a non-zero secret."""
    return nonzero_scalars().map(KeyPair.from_secret)


def small_messages(min_value: int = 0, max_value: int = 20) -> st.SearchStrategy[int]:
    """A plaintext a ballot could carry: a small count."""
    return st.integers(min_value=min_value, max_value=max_value)


def fingerprints() -> st.SearchStrategy[bytes]:
    """A 32-byte election fingerprint."""
    return st.binary(min_size=FINGERPRINT_BYTES, max_size=FINGERPRINT_BYTES)


def contexts() -> st.SearchStrategy[bytes]:
    """A proof's context (credential, position in the ballot), possibly empty."""
    return st.binary(max_size=48)


# Record JSON ---------------------------------------------------------------------------------

# Text where JSON's escaping and key order go wrong first: controls, quotes, backslashes, DEL,
# the line separators, the last BMP characters, astral characters.
_AWKWARD_TEXT = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(
            '\x00\x01\x08\t\n\x0b\x0c\r\x1f "\\/\x7f\x80\u2028\u2029\ufeff\uffff\U0001f600'
        ),
    ),
    max_size=12,
)


def json_values(*, floats: bool = False) -> st.SearchStrategy[object]:
    """A JSON value of dicts, lists, text, integers (beyond 64 bits too), booleans and null;
    floats among them only when asked."""
    scalar = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from((2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1, 10**30)),
        _AWKWARD_TEXT,
        *([st.floats(allow_nan=False, allow_infinity=False)] if floats else []),
    )
    return st.recursive(
        scalar,
        lambda inner: st.one_of(
            st.lists(inner, max_size=5), st.dictionaries(_AWKWARD_TEXT, inner, max_size=5)
        ),
        max_leaves=30,
    )
