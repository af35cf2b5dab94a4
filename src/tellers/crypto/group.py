"""secp256k1 as two value types, ``Scalar`` and ``Point`` (spec: protocol.md §2).

This is the only module that touches the native binding (coincurve, which
bundles libsecp256k1). libsecp256k1 cannot represent the point at infinity
and refuses zero scalars; this module owns those edges so that no other
module meets them: ``Point.infinity()`` is a real value here, ``0 * P`` and
``P - P`` return it, and decoding refuses it unless the caller says the
field may hold it.

Encodings (protocol.md §2.2): a scalar is 32 bytes big-endian, strictly
below the group order n; a point is 33 bytes SEC1 compressed; the point at
infinity, where a field allows it, is 33 zero bytes.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Sequence
from operator import add
from typing import Any, Final

from coincurve import PrivateKey, PublicKey, PublicKeyXOnly
from coincurve._libsecp256k1 import ffi, lib  # the binding's C calls, for FixedBase's table
from coincurve.context import GLOBAL_CONTEXT

from tellers.errors import EncodingError, InvalidSignature

__all__ = [
    "FIELD_P",
    "GROUP_ORDER",
    "POINT_BYTES",
    "SCALAR_BYTES",
    "FixedBase",
    "Point",
    "Scalar",
    "bip340_public_key",
    "bip340_sign",
    "bip340_verify",
    "check_x_only",
    "hash_to_point",
    "is_x_only",
    "multi_sum",
    "points_from_encodings",
    "points_from_hex",
    "points_from_native",
    "points_from_wire",
    "points_to_native",
    "points_to_wire",
    "scalars_from_hex",
    "scalars_from_hex_bytes",
    "small_sums",
    "table_of",
    "times",
    "x_only_faults",
]

GROUP_ORDER: Final = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
"""n, the order of the secp256k1 group."""
FIELD_P: Final = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
"""p, the prime of the curve's base field."""
SCALAR_BYTES: Final = 32
POINT_BYTES: Final = 33
_INFINITY_BYTES: Final = bytes(POINT_BYTES)
# What a well-formed field is, as one C-level match: decoding such text can fail only in ways
# checked after it (a scalar >= n, a point off the curve). Anything else takes the path that
# names what is wrong.
_SCALAR_HEX: Final = re.compile(r"[0-9a-f]{64}")
_POINT_HEX: Final = re.compile(r"0[23][0-9a-f]{64}")


class Scalar:
    """An integer modulo the group order n; immutable."""

    __slots__ = ("_value",)
    _value: int

    def __init__(self, value: int) -> None:
        object.__setattr__(self, "_value", value % GROUP_ORDER)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Scalar is immutable")

    @classmethod
    def random(cls) -> Scalar:
        """A uniformly random non-zero scalar from the operating system's CSPRNG."""
        return cls(secrets.randbelow(GROUP_ORDER - 1) + 1)

    @classmethod
    def from_bytes(cls, data: bytes, field: str = "scalar", *, nonzero: bool = False) -> Scalar:
        """Decode 32 big-endian bytes; values >= n (and 0 when ``nonzero``) are refused."""
        if not isinstance(data, bytes | bytearray) or len(data) != SCALAR_BYTES:
            raise EncodingError(field, f"expected {SCALAR_BYTES} bytes, found {_length(data)}")
        value = int.from_bytes(data, "big")
        if value >= GROUP_ORDER:
            raise EncodingError(field, "scalar is not below the group order n")
        if nonzero and value == 0:
            raise EncodingError(field, "scalar is zero where a non-zero value is required")
        return cls(value)

    @classmethod
    def from_hex(cls, text: str, field: str = "scalar", *, nonzero: bool = False) -> Scalar:
        if type(text) is str and _SCALAR_HEX.fullmatch(text):
            value = int(text, 16)
            if value < GROUP_ORDER and (value or not nonzero):
                return _scalar(value)
        return cls.from_bytes(_unhex(text, field, SCALAR_BYTES), field, nonzero=nonzero)

    @classmethod
    def from_digest(cls, digest: bytes) -> Scalar:
        """Reduce a hash output modulo n (protocol.md §3: challenges, derived keys)."""
        return cls(int.from_bytes(digest, "big"))

    @property
    def value(self) -> int:
        return self._value

    def to_bytes(self) -> bytes:
        return self._value.to_bytes(SCALAR_BYTES, "big")

    def hex(self) -> str:
        return self.to_bytes().hex()

    def is_zero(self) -> bool:
        return self._value == 0

    def inverse(self) -> Scalar:
        if self._value == 0:
            raise ZeroDivisionError("zero has no inverse modulo n")
        return Scalar(pow(self._value, -1, GROUP_ORDER))

    def __add__(self, other: Scalar | int) -> Scalar:
        return Scalar(self._value + _int(other))

    __radd__ = __add__

    def __sub__(self, other: Scalar | int) -> Scalar:
        return Scalar(self._value - _int(other))

    def __rsub__(self, other: Scalar | int) -> Scalar:
        return Scalar(_int(other) - self._value)

    def __neg__(self) -> Scalar:
        return Scalar(-self._value)

    def __mul__(self, other: Scalar | int) -> Scalar:
        if not isinstance(other, Scalar | int):
            return NotImplemented  # k * P: let Point.__rmul__ answer
        return Scalar(self._value * _int(other))

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scalar) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Scalar", self._value))

    def __int__(self) -> int:
        return self._value

    def __reduce__(self) -> tuple[type[Scalar], tuple[int]]:
        return (Scalar, (self._value,))

    def __repr__(self) -> str:
        return f"Scalar(0x{self._value:064x})"


def _int(x: Scalar | int) -> int:
    return x.value if isinstance(x, Scalar) else x


def _scalar(value: int) -> Scalar:
    """The scalar of ``value``, already in [0, n): no reduction."""
    scalar = object.__new__(Scalar)
    object.__setattr__(scalar, "_value", value)
    return scalar


class Point:
    """A point of the secp256k1 group, the point at infinity included; immutable."""

    __slots__ = ("_encoded", "_key")
    _key: PublicKey | None  # None is the point at infinity
    _encoded: bytes | None  # computed on first use: most intermediate points are never encoded

    def __init__(self, key: PublicKey | None, encoded: bytes | None = None) -> None:
        object.__setattr__(self, "_key", key)
        if key is None:
            encoded = _INFINITY_BYTES
        object.__setattr__(self, "_encoded", encoded)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Point is immutable")

    @classmethod
    def infinity(cls) -> Point:
        return _INFINITY

    @classmethod
    def generator(cls) -> Point:
        """G, the standard secp256k1 base point."""
        return _G

    @classmethod
    def base_times(cls, k: Scalar) -> Point:
        """k·G, by libsecp256k1's fixed-base multiplication (constant time: k may be a
        secret key)."""
        if k.is_zero():
            return _INFINITY
        return cls(PublicKey.from_valid_secret(k.to_bytes()))

    @classmethod
    def base_plus(cls, a: Scalar, point: Point, b: Scalar) -> Point:
        """a·G + b·P in one double-scalar multiplication (every proof check's shape).

        libsecp256k1 has no public double-scalar multiplication, but ECDSA
        public-key recovery computes one: Q = r⁻¹·(s·R − z·G), R being the
        point with x-coordinate r and the y parity given by the recovery id.
        With R = P, r = x(P), s = b·r and z = −a·r, Q = a·G + b·P. It costs
        about one variable-base multiplication instead of one fixed-base,
        one variable-base and an addition. Edge cases (P at infinity, b = 0,
        x(P) >= n, a sum at infinity) take the plain path.
        """
        key = point._key
        if key is None or b.is_zero():
            return cls.base_times(a)
        encoded = point.to_bytes()
        r = int.from_bytes(encoded[1:], "big")
        if r < GROUP_ORDER:
            s = b.value * r % GROUP_ORDER
            z = -a.value * r % GROUP_ORDER
            signature = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([encoded[0] - 2])
            try:
                return cls(
                    PublicKey.from_signature_and_message(
                        signature, z.to_bytes(32, "big"), hasher=None
                    )
                )
            except ValueError:
                pass  # the sum is the point at infinity
        return cls.base_times(a) + point * b

    @classmethod
    def from_bytes(
        cls, data: bytes, field: str = "point", *, allow_infinity: bool = False
    ) -> Point:
        """Decode 33 compressed SEC1 bytes; refuse anything else, naming ``field``."""
        if not isinstance(data, bytes | bytearray) or len(data) != POINT_BYTES:
            raise EncodingError(field, f"expected {POINT_BYTES} bytes, found {_length(data)}")
        data = bytes(data)
        if data == _INFINITY_BYTES:
            if allow_infinity:
                return _INFINITY
            raise EncodingError(field, "the point at infinity is not allowed here")
        if data[0] not in (2, 3):
            raise EncodingError(field, f"compressed point must start 02 or 03, found {data[0]:02x}")
        try:
            key = PublicKey(data)
        except ValueError:
            raise EncodingError(field, "not the x-coordinate of a point on secp256k1") from None
        return cls(key, data)

    @classmethod
    def from_hex(cls, text: str, field: str = "point", *, allow_infinity: bool = False) -> Point:
        if type(text) is str and _POINT_HEX.fullmatch(text):
            data = bytes.fromhex(text)
            try:
                return cls(PublicKey(data), data)
            except ValueError:
                pass  # off the curve: from_bytes says so
        return cls.from_bytes(
            _unhex(text, field, POINT_BYTES), field, allow_infinity=allow_infinity
        )

    def to_bytes(self) -> bytes:
        encoded = self._encoded
        if encoded is None:
            assert self._key is not None
            encoded = self._key.format(compressed=True)
            object.__setattr__(self, "_encoded", encoded)
        return encoded

    def hex(self) -> str:
        return self.to_bytes().hex()

    def is_infinity(self) -> bool:
        return self._key is None

    def __add__(self, other: Point) -> Point:
        if self._key is None:
            return other
        if other._key is None:
            return self
        try:
            return Point(PublicKey.combine_keys([self._key, other._key]))
        except ValueError:  # P + (-P): libsecp256k1 reports the infinite sum as an error
            return _INFINITY

    def __neg__(self) -> Point:
        if self._key is None:
            return self
        pointer = _NEW_PUBKEY("secp256k1_pubkey *")
        pointer[0] = self._key.public_key[0]
        lib.secp256k1_ec_pubkey_negate(_CTX, pointer)  # y -> p - y, no square root
        encoded = self._encoded
        flipped = None if encoded is None else bytes([encoded[0] ^ 1]) + encoded[1:]
        return Point(PublicKey(pointer), flipped)

    def __sub__(self, other: Point) -> Point:
        return self + (-other)

    def __mul__(self, k: Scalar) -> Point:
        """k·P, by variable-base multiplication."""
        if self._key is None or k.is_zero():
            return _INFINITY
        return Point(self._key.multiply(k.to_bytes()))

    __rmul__ = __mul__

    @staticmethod
    def sum(points: list[Point]) -> Point:
        """The sum of many points in one libsecp256k1 call (faster than repeated ``+``)."""
        keys = [p._key for p in points if p._key is not None]
        if not keys:
            return _INFINITY
        if len(keys) == 1:
            return Point(keys[0])
        try:
            return Point(PublicKey.combine_keys(keys))
        except ValueError:  # the total is infinity
            return _INFINITY

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and other.to_bytes() == self.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def __repr__(self) -> str:
        return "Point(infinity)" if self._key is None else f"Point({self.hex()})"

    def __reduce__(self) -> tuple[object, tuple[bytes]]:
        # Sent between processes by its canonical encoding; the native handle cannot be.
        return (_restore_point, (self.to_bytes(),))


class FixedBase:
    """k·P for one point P used again and again (the election key), by a table of its multiples.

    The table holds d·256^i·P for each of the 32 byte positions i of a scalar and each
    byte value d = 1..255 (8,160 points in one contiguous 512 KiB array, built in about
    30 ms); k·P is then the sum of one entry per non-zero byte of k, added in one
    libsecp256k1 call (``secp256k1_ec_pubkey_combine``) — under half the time of a
    variable-base multiplication, and exactly the same point. ``times_plus`` adds a few
    more points in the same call (m·G + r·H, an encryption's beta, in one step).

    Which entries are read depends on k, so unlike libsecp256k1's own multiplications this
    is not constant-time: a process sharing the machine's caches could learn something of
    k. It is used for encryption randomness and proof nonces under the election key, by
    the print authority and the simulations, which run on machines of their own
    (security.md §3.12); secret keys never go through it.
    """

    __slots__ = ("_entries", "_table", "point")

    def __init__(self, point: Point) -> None:
        if point._key is None:
            raise EncodingError("point", "the point at infinity has no table of multiples")
        self.point = point
        table = ffi.new("secp256k1_pubkey[]", 256 * SCALAR_BYTES)
        base = point._key
        for j in reversed(range(SCALAR_BYTES)):  # byte j of the big-endian scalar
            acc = base
            table[256 * j + 1] = base.public_key[0]
            for d in range(2, 256):
                acc = PublicKey.combine_keys([acc, base])
                table[256 * j + d] = acc.public_key[0]  # d·256^(31-j)·P
            base = PublicKey.combine_keys([acc, base])
        self._table = table  # entries 256·j hold no point and are never read
        self._entries = [table + i for i in range(256 * SCALAR_BYTES)]

    def times(self, k: Scalar) -> Point:
        """k·P."""
        return self.times_plus(k, ())

    def times_plus(self, k: Scalar, points: tuple[Point, ...]) -> Point:
        """k·P + the sum of ``points``."""
        digits = k.to_bytes()
        if 0 in digits:
            keys = [self._entries[o + d] for o, d in zip(_ROW_OFFSETS, digits, strict=True) if d]
        else:
            keys = list(map(self._entries.__getitem__, map(add, _ROW_OFFSETS, digits)))
        keys += [p._key.public_key for p in points if p._key is not None]
        return _combine(keys)


def multi_sum(points: Sequence[Point], scalars: Sequence[Scalar]) -> Point:
    """Σ k_i·P_i, by Pippenger's bucket method over the scalars' digits.

    For each digit position (4-bit digits for fewer than ``_BYTE_DIGITS_FROM`` terms,
    bytes from there, where the extra buckets pay for half the positions), the points are
    sorted by their digit and each digit's bucket is added in one libsecp256k1 call; the
    buckets are weighted by their digit in one or a few more calls (a weight d is the
    bucket named d times; for bytes, d = 16a + b: Σ d·B_d = 16·Σ a·Y_a + Σ b·Z_b), and
    the positions joined by Horner's rule. From a few thousand terms it costs about a
    third of the plain products, and gives exactly the same point; below ``_MULTI_FROM``
    terms it takes the plain path, which is faster there.

    Which memory is read depends on the scalars' digits, so this is not constant-time:
    for public scalars (a verifier's), or secrets on a machine of one's own (security.md
    §3.12), as for ``FixedBase``.
    """
    pairs = [
        (p._key, k) for p, k in zip(points, scalars, strict=True) if p._key and not k.is_zero()
    ]
    if len(pairs) < _MULTI_FROM:
        return Point.sum([Point(key) * k for key, k in pairs])
    import numpy as np  # here, not at the top: only large sums need it, and it is slow to load

    count = len(pairs)
    keys = ffi.new("secp256k1_pubkey[]", count)
    for i, (key, _) in enumerate(pairs):
        keys[i] = key.public_key[0]
    raw = np.frombuffer(b"".join(k.to_bytes() for _, k in pairs), dtype=np.uint8)
    raw = raw.reshape(count, SCALAR_BYTES)
    if count >= _BYTE_DIGITS_FROM:
        digits, radix, weigh, shift = raw, 256, _weighted_bytes, _BYTE
    else:
        digits = np.empty((count, 2 * SCALAR_BYTES), dtype=np.uint8)
        digits[:, 0::2], digits[:, 1::2] = raw >> 4, raw & 15
        radix, weigh, shift = 16, _weighted_nibbles, _SIXTEEN
    base = int(ffi.cast("uintptr_t", keys))
    buckets = ffi.new("secp256k1_pubkey[256]")
    total = _INFINITY
    for j in range(digits.shape[1]):  # the most significant digit first
        column = digits[:, j]
        order = np.argsort(column, kind="stable")
        counts = np.bincount(column, minlength=radix).tolist()
        addresses = np.uint64(base) + np.uint64(_PUBKEY_BYTES) * order.astype(np.uint64)
        sorted_keys = ffi.cast("secp256k1_pubkey **", ffi.from_buffer(addresses))
        present = []
        start = counts[0]
        for d in range(1, radix):
            n = counts[d]
            if n and lib.secp256k1_ec_pubkey_combine(_CTX, buckets + d, sorted_keys + start, n):
                present.append(d)  # else the bucket adds up to infinity: it adds nothing
            start += n
        total = total * shift + weigh(buckets, present)
    return total


def small_sums(columns: Sequence[Sequence[Point]], weights: Sequence[int]) -> list[Point]:
    """For each position i, Σ_j w_j·P_{j,i} for small integer weights w_j (of either sign),
    where ``columns[j]`` holds the points P_{j,·}: each sum is one libsecp256k1 call naming
    a point |w_j| times, negated where w_j < 0 — additions only, no multiplication, so
    far cheaper than k·P while the weights are a handful (combining a quorum's decryption
    shares with Lagrange weights cleared of their denominators, ranked.md §5). The points
    are public; the result is exactly Σ w_j·P_{j,i}."""
    if len(columns) != len(weights):
        raise ValueError(f"expected a weight per column: {len(columns)} columns, {len(weights)}")
    count = len(columns[0]) if columns else 0
    if any(len(column) != count for column in columns):
        raise ValueError("the columns hold different numbers of points")
    out = []
    for i in range(count):
        keys = []
        for column, w in zip(columns, weights, strict=True):
            key = column[i]._key
            if key is None or w == 0:
                continue
            pointer = key.public_key
            if w < 0:
                pointer = ffi.new("secp256k1_pubkey *")
                pointer[0] = key.public_key[0]
                lib.secp256k1_ec_pubkey_negate(_CTX, pointer)
            keys += [pointer] * abs(w)
        out.append(_combine(keys))
    return out


def _weighted_nibbles(buckets: Any, present: list[int]) -> Point:
    """Σ d·B_d for d = 1..15: one call, bucket d named d times."""
    return _combine([buckets + d for d in present for _ in range(d)])


def _weighted_bytes(buckets: Any, present: list[int]) -> Point:
    """Σ d·B_d for d = 1..255, as 16·Σ_a a·Y_a + Σ_b b·Z_b with d = 16a + b."""
    here = set(present)
    high = _weighted_sums(buckets, here, lambda a, b: 16 * a + b)
    low = _weighted_sums(buckets, here, lambda b, a: 16 * a + b)
    return high * _SIXTEEN + low


def _weighted_sums(buckets: Any, present: set[int], digit: Callable[[int, int], int]) -> Point:
    """Σ_x x·(Σ_y B_digit(x, y)) for x, y = 0..15, the inner sums and the weights by x each
    one libsecp256k1 call (a weight x is the sum named x times)."""
    out = ffi.new("secp256k1_pubkey *")
    weighted = []
    for x in range(1, 16):
        members = [buckets + d for y in range(16) if (d := digit(x, y)) in present]
        if members and lib.secp256k1_ec_pubkey_combine(_CTX, out, members, len(members)):
            inner = ffi.new("secp256k1_pubkey *")
            inner[0] = out[0]
            weighted += [inner] * x
    return _combine(weighted)


def _combine(keys: list[Any]) -> Point:
    """The sum of these pubkey pointers, in one call (infinity if none or if it cancels)."""
    out = ffi.new("secp256k1_pubkey *")
    if keys and lib.secp256k1_ec_pubkey_combine(_CTX, out, keys, len(keys)):
        return Point(PublicKey(out))
    return _INFINITY


_MULTI_FROM: Final = 512
"""Terms from which ``multi_sum`` takes the bucket method (4-bit digits: a few ms fixed)."""
_BYTE_DIGITS_FROM: Final = 4096
"""Terms from which byte digits beat 4-bit ones (255 buckets a position, half the positions)."""
_PUBKEY_BYTES: Final = ffi.sizeof("secp256k1_pubkey")
_CTX: Final = GLOBAL_CONTEXT.ctx
_NEW_PUBKEY: Final = ffi.new
_PARSE: Final = lib.secp256k1_ec_pubkey_parse
_PARSE_X_ONLY: Final = lib.secp256k1_xonly_pubkey_parse
_ROW_OFFSETS: Final = tuple(range(0, 256 * SCALAR_BYTES, 256))
_TABLE_AFTER: Final = 64
"""Multiplications of one point through ``times`` before its table is built."""
_uses: dict[bytes, int] = {}
_tables: dict[bytes, FixedBase] = {}


def times(point: Point, k: Scalar) -> Point:
    """k·P, by a ``FixedBase`` table once P has been multiplied often (an election key), else
    by variable-base multiplication. The result is the same point either way."""
    if point._key is None or k.is_zero():
        return _INFINITY
    encoded = point.to_bytes()
    table = _tables.get(encoded)
    if table is not None:
        return table.times(k)
    count = _uses.get(encoded, 0) + 1
    if count < _TABLE_AFTER:
        if len(_uses) > 1024:
            _uses.clear()  # many one-off keys (tests, trustees' shares): forget them
        _uses[encoded] = count
        return point * k
    if len(_tables) >= 4:
        _tables.pop(next(iter(_tables)))
    table = _tables[encoded] = FixedBase(point)
    _uses.pop(encoded, None)
    return table.times(k)


def table_of(point: Point) -> FixedBase | None:
    """The table ``times`` keeps for ``point``, if it has built one."""
    return _tables.get(point.to_bytes()) if point._key is not None else None


def points_to_wire(points: Sequence[Point]) -> bytes:
    """Points as 65-byte uncompressed SEC1 (65 zero bytes for the point at infinity), one
    after another: how many points go to another process, which can read them back without
    the square root that decompressing a 33-byte encoding costs (about 1 µs a point to read
    instead of 7). Never hashed, never in a record: protocol.md §2.3 is the encoding."""
    return b"".join(
        _WIRE_INFINITY if p._key is None else p._key.format(compressed=False) for p in points
    )


def points_from_wire(data: bytes) -> list[Point]:
    """The points of ``points_to_wire``, each checked to be on the curve by libsecp256k1."""
    if len(data) % _WIRE_BYTES:
        raise EncodingError("points", f"expected a multiple of {_WIRE_BYTES} bytes")
    out = []
    for i in range(0, len(data), _WIRE_BYTES):
        item = data[i : i + _WIRE_BYTES]
        try:
            out.append(_INFINITY if item == _WIRE_INFINITY else Point(PublicKey(item)))
        except ValueError:
            raise EncodingError(f"points[{i // _WIRE_BYTES}]", "not a point on secp256k1") from None
    return out


_WIRE_BYTES: Final = 65
_WIRE_INFINITY: Final = bytes(_WIRE_BYTES)


def points_to_native(points: Sequence[Point]) -> bytes:
    """Points as libsecp256k1's own 64-byte ``secp256k1_pubkey`` values, then their 33-byte
    encodings, all of the first then all of the second (64 and 33 zero bytes for the point
    at infinity: no valid value is zero): the cheapest way to send many points to another
    process **of this machine**, which takes them back with ``points_from_native`` at no
    square root and no curve check (about 2 µs a point there and back, against 7 for
    ``points_to_wire``), encodings included — the sender computes any not yet known, so
    that a worker's results arrive ready to hash. The layout is the library build's own,
    so it never leaves the machine: never hashed, stored, or sent to another host."""
    array = ffi.new("secp256k1_pubkey[]", len(points))  # zeroed: infinity where none is set
    for i, p in enumerate(points):
        if p._key is not None:
            array[i] = p._key.public_key[0]
    return bytes(ffi.buffer(array)) + b"".join(p.to_bytes() for p in points)


def points_from_native(data: bytes) -> list[Point]:
    """The points of ``points_to_native``, made in this process from bytes it trusts (its
    parent's, or its worker's): they are not checked again."""
    if len(data) % _NATIVE_BYTES:
        raise EncodingError("points", f"expected a multiple of {_NATIVE_BYTES} bytes")
    count = len(data) // _NATIVE_BYTES
    view = memoryview(data)
    encodings = data[count * _PUBKEY_BYTES :]
    out = []
    for i in range(count):
        item = view[i * _PUBKEY_BYTES : (i + 1) * _PUBKEY_BYTES]
        if item == _NATIVE_INFINITY:
            out.append(_INFINITY)
            continue
        pointer = _NEW_PUBKEY("secp256k1_pubkey *")
        ffi.memmove(pointer, item, _PUBKEY_BYTES)
        key = _NEW_OBJECT(PublicKey)
        key.public_key = pointer
        key.context = GLOBAL_CONTEXT
        out.append(Point(key, encodings[i * POINT_BYTES : (i + 1) * POINT_BYTES]))
    return out


_NATIVE_INFINITY: Final = bytes(_PUBKEY_BYTES)
_NATIVE_BYTES: Final = _PUBKEY_BYTES + POINT_BYTES
_NEW_OBJECT: Final = object.__new__


def scalars_from_hex(texts: list[object]) -> tuple[Scalar, ...]:
    """``Scalar.from_hex`` of each text (no field name: a refusal names the default).

    One loop for the many scalars of a ballot's proofs, each well-formed one read with no
    call but the regular expression's and ``int``'s.
    """
    out = []
    for text in texts:
        if type(text) is str and _SCALAR_HEX.fullmatch(text):
            value = int(text, 16)
            if value < GROUP_ORDER:
                scalar = _NEW_SCALAR(Scalar)
                _SET_ATTRIBUTE(scalar, "_value", value)
                out.append(scalar)
                continue
        out.append(Scalar.from_hex(text))  # type: ignore[arg-type]  # raises, naming why
    return tuple(out)


def points_from_hex(first: object, second: object) -> tuple[Point, Point]:
    """``Point.from_hex`` of two texts (a ciphertext's alpha and beta), infinity refused."""
    return _point_from_hex(first), _point_from_hex(second)


def _point_from_hex(text: object) -> Point:
    if type(text) is str and _POINT_HEX.fullmatch(text):
        data = bytes.fromhex(text)
        try:
            key = PublicKey(data)
        except ValueError:
            pass  # off the curve: from_hex says so
        else:
            point = _NEW_POINT(Point)
            _SET_ATTRIBUTE(point, "_key", key)
            _SET_ATTRIBUTE(point, "_encoded", data)
            return point
    return Point.from_hex(text)  # type: ignore[arg-type]  # raises, naming why


_NEW_SCALAR = _NEW_POINT = object.__new__
_SET_ATTRIBUTE = object.__setattr__


def points_from_encodings(encodings: Sequence[bytes]) -> list[Point] | None:
    """The points of 33-byte compressed encodings, each decompressed once (libsecp256k1's curve
    check); None if any is not the encoding of a point other than infinity, for the caller
    to read the slow way (``Point.from_bytes`` names the fault)."""
    out = []
    for data in encodings:
        if len(data) != POINT_BYTES or data[0] not in (2, 3):
            return None
        parsed = _NEW_PUBKEY("secp256k1_pubkey *")
        if not _PARSE(_CTX, parsed, data, POINT_BYTES):
            return None
        key = _NEW_POINT(PublicKey)
        key.public_key, key.context = parsed, GLOBAL_CONTEXT  # as PublicKey(parsed) sets them
        point = _NEW_POINT(Point)
        _SET_ATTRIBUTE(point, "_key", key)
        _SET_ATTRIBUTE(point, "_encoded", bytes(data))
        out.append(point)
    return out


def scalars_from_hex_bytes(texts: Sequence[bytes]) -> tuple[Scalar, ...] | None:
    """The scalars of 64 lower-case hex digits each (as ASCII bytes, already matched as such);
    None if any is not below n, for the caller to read the slow way."""
    out = []
    for text in texts:
        value = int(text, 16)
        if value >= GROUP_ORDER:
            return None
        scalar = _NEW_SCALAR(Scalar)
        _SET_ATTRIBUTE(scalar, "_value", value)
        out.append(scalar)
    return tuple(out)


def _restore_point(encoded: bytes) -> Point:
    return Point.from_bytes(encoded, allow_infinity=True)


_INFINITY: Final = Point(None)
_G: Final = Point(PublicKey.from_valid_secret((1).to_bytes(32, "big")))
_BYTE: Final = Scalar(256)
_SIXTEEN: Final = Scalar(16)


def hash_to_point(tag: str, data: bytes = b"") -> Point:
    """A point nobody knows the discrete log of (protocol.md §2.4: try-and-increment).

    For counter = 0, 1, ...: x = SHA-256(u32(len(tag)) || tag || u32(len(data)) || data
    || u32(counter)) read big-endian; the first x < p that is a curve x-coordinate,
    with the even y (prefix 02), is the point.
    """
    tag_bytes = tag.encode()
    prefix = len(tag_bytes).to_bytes(4, "big") + tag_bytes + len(data).to_bytes(4, "big") + data
    counter = 0
    while True:
        x = hashlib.sha256(prefix + counter.to_bytes(4, "big")).digest()
        if int.from_bytes(x, "big") < FIELD_P:
            try:
                return Point(PublicKey(b"\x02" + x))
            except ValueError:
                pass
        counter += 1


# BIP340 Schnorr signatures (the voter's credential signature, protocol.md §6).


def bip340_public_key(secret: Scalar) -> bytes:
    """The 32-byte x-only public key of a non-zero secret."""
    if secret.is_zero():
        raise EncodingError("secret", "a signing key must not be zero")
    return PublicKey.from_valid_secret(secret.to_bytes()).format(compressed=True)[1:]


def check_x_only(public_key: bytes, field: str = "key") -> None:
    """``EncodingError`` unless ``public_key`` is a BIP340 x-only key (32 bytes, on the curve)."""
    if not isinstance(public_key, bytes) or len(public_key) != 32:
        raise EncodingError(field, f"an x-only key is 32 bytes, found {_length(public_key)}")
    try:
        PublicKeyXOnly(public_key)
    except ValueError:
        raise EncodingError(field, "not the x-coordinate of a curve point") from None


def is_x_only(public_key: bytes) -> bool:
    """Whether ``public_key`` is a BIP340 x-only key, as ``check_x_only`` decides, in one
    libsecp256k1 call (a credential list holds a million of them)."""
    return (
        type(public_key) is bytes
        and len(public_key) == 32
        and bool(_PARSE_X_ONLY(_CTX, _NEW_PUBKEY("secp256k1_xonly_pubkey *"), public_key))
    )


def x_only_faults(public_keys: Sequence[bytes]) -> list[int]:
    """The indices of ``public_keys`` that are not BIP340 x-only keys, as ``is_x_only``
    decides, one libsecp256k1 call each into one buffer: a credential list's keys, a block
    at a time."""
    parsed, parse, ctx = _NEW_PUBKEY("secp256k1_xonly_pubkey *"), _PARSE_X_ONLY, _CTX
    return [
        i
        for i, key in enumerate(public_keys)
        if type(key) is not bytes or len(key) != 32 or not parse(ctx, parsed, key)
    ]


def bip340_sign(secret: Scalar, message: bytes, aux_randomness: bytes) -> bytes:
    """BIP340 signature (64 bytes) over a 32-byte message."""
    if secret.is_zero():
        raise EncodingError("secret", "a signing key must not be zero")
    if len(message) != 32:
        raise EncodingError("message", f"expected 32 bytes, found {len(message)}")
    if len(aux_randomness) != 32:
        raise EncodingError("aux_randomness", f"expected 32 bytes, found {len(aux_randomness)}")
    signature: bytes = PrivateKey(secret.to_bytes()).sign_schnorr(message, aux_randomness)
    return signature


def bip340_verify(public_key: bytes, message: bytes, signature: bytes) -> None:
    """Check a BIP340 signature; raise ``InvalidSignature`` saying why, else return None."""
    if len(public_key) != 32:
        raise InvalidSignature(f"x-only public key must be 32 bytes, found {len(public_key)}")
    if len(signature) != 64:
        raise InvalidSignature(f"signature must be 64 bytes, found {len(signature)}")
    if len(message) != 32:
        raise InvalidSignature(f"message must be 32 bytes, found {len(message)}")
    try:
        key = PublicKeyXOnly(bytes(public_key))
    except ValueError:
        raise InvalidSignature("public key is not the x-coordinate of a curve point") from None
    if not key.verify(bytes(signature), bytes(message)):
        raise InvalidSignature("BIP340 signature does not verify under the credential")


def _length(data: object) -> str:
    return str(len(data)) if isinstance(data, bytes | bytearray) else type(data).__name__


def _unhex(text: str, field: str, size: int) -> bytes:
    if not isinstance(text, str):
        raise EncodingError(field, f"expected a hex string, found {type(text).__name__}")
    if len(text) != 2 * size:
        raise EncodingError(field, f"expected {2 * size} hex digits, found {len(text)}")
    if text != text.lower():
        raise EncodingError(field, "hex must be lower case (canonical encoding)")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise EncodingError(field, "not hexadecimal") from None
