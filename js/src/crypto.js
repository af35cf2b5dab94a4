// Tellers' browser cryptography over secp256k1: the JavaScript twin of
// src/tellers/crypto/{group,hashing,elgamal,proofs}.py (docs/spec/protocol.md).
//
// Every function here must produce the same bytes as its Python twin; the
// Python test suite (tests/web/test_js_crypto.py) checks that under Node.
// Scalars are BigInts reduced modulo n; points are noble Point objects, the
// point at infinity included (Point.ZERO). Nonces come from `rand`, the
// platform CSPRNG by default, so tests can inject fixed ones.

import { schnorr, secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";

const Point = secp256k1.Point;

/** n, the order of the secp256k1 group. */
export const GROUP_ORDER = Point.Fn.ORDER;
/** p, the prime of the curve's base field. */
export const FIELD_P = Point.Fp.ORDER;
export const SCALAR_BYTES = 32;
export const POINT_BYTES = 33;
export const FINGERPRINT_BYTES = 32;
export const INFINITY = Point.ZERO;
export const G = Point.BASE;

export const TAG_KEY = "tellers/v1/proof/key";
export const TAG_DECRYPTION = "tellers/v1/proof/decryption";
export const TAG_RANGE = "tellers/v1/proof/range";
export const MAX_RANGE = 64;

/** A failure the caller can show: names the field, says what was expected. */
export class EncodingError extends Error {
  constructor(field, problem) {
    super(`${field}: ${problem}`);
    this.name = "EncodingError";
    this.field = field;
  }
}

// ---- bytes ------------------------------------------------------------------

export function hexToBytes(text, field = "hex") {
  if (typeof text !== "string" || text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) {
    throw new EncodingError(field, "expected lower-case hexadecimal of even length");
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes) {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

export function concatBytes(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function utf8(text) {
  return new TextEncoder().encode(text);
}

function u32(n) {
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

function bytesToBigInt(bytes) {
  let x = 0n;
  for (const b of bytes) x = (x << 8n) | BigInt(b);
  return x;
}

function bigIntToBytes(x, size) {
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(x & 255n);
    x >>= 8n;
  }
  return out;
}

// ---- scalars and points (group.py, protocol.md §2.2) -----------------------

export function mod(x) {
  const r = x % GROUP_ORDER;
  return r < 0n ? r + GROUP_ORDER : r;
}

export function scalarToBytes(k) {
  return bigIntToBytes(mod(k), SCALAR_BYTES);
}

export function scalarFromBytes(bytes, field = "scalar", { nonzero = false } = {}) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== SCALAR_BYTES) {
    throw new EncodingError(field, `expected ${SCALAR_BYTES} bytes, found ${bytes?.length}`);
  }
  const value = bytesToBigInt(bytes);
  if (value >= GROUP_ORDER) throw new EncodingError(field, "scalar is not below the group order n");
  if (nonzero && value === 0n) {
    throw new EncodingError(field, "scalar is zero where a non-zero value is required");
  }
  return value;
}

/** A uniformly random non-zero scalar from the platform's CSPRNG (rejection sampling). */
export function randomScalar() {
  for (;;) {
    const k = bytesToBigInt(crypto.getRandomValues(new Uint8Array(SCALAR_BYTES)));
    if (k > 0n && k < GROUP_ORDER) return k;
  }
}

export function pointToBytes(P) {
  return P.is0() ? new Uint8Array(POINT_BYTES) : P.toBytes(true);
}

export function pointFromBytes(bytes, field = "point", { allowInfinity = false } = {}) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== POINT_BYTES) {
    throw new EncodingError(field, `expected ${POINT_BYTES} bytes, found ${bytes?.length}`);
  }
  if (bytes.every((b) => b === 0)) {
    if (allowInfinity) return INFINITY;
    throw new EncodingError(field, "the point at infinity is not allowed here");
  }
  if (bytes[0] !== 2 && bytes[0] !== 3) {
    const found = bytes[0].toString(16).padStart(2, "0");
    throw new EncodingError(field, `compressed point must start 02 or 03, found ${found}`);
  }
  try {
    return Point.fromBytes(bytes);
  } catch {
    throw new EncodingError(field, "not the x-coordinate of a point on secp256k1");
  }
}

/** k·G; zero gives the point at infinity. */
export function baseTimes(k) {
  const s = mod(k);
  return s === 0n ? INFINITY : G.multiply(s);
}

/** k·P; infinity or zero give the point at infinity. */
export function times(P, k) {
  const s = mod(k);
  return s === 0n || P.is0() ? INFINITY : P.multiply(s);
}

// ---- hashing (hashing.py, protocol.md §3) ----------------------------------

/** H(tag; fields...) = SHA-256(u32|tag| tag u32(k) u32|f1| f1 ... u32|fk| fk): 32 bytes. */
export function hashFields(tag, fields) {
  if (!/^[\x00-\x7f]*$/.test(tag)) throw new EncodingError("tag", "a hash tag must be ASCII");
  const tagBytes = utf8(tag);
  const parts = [u32(tagBytes.length), tagBytes, u32(fields.length)];
  for (const f of fields) parts.push(u32(f.length), f);
  return sha256(concatBytes(...parts));
}

/** A small non-negative integer as a hash field: 8 bytes big-endian. */
export function intField(value) {
  const v = BigInt(value);
  if (v < 0n || v >= 1n << 64n) {
    throw new EncodingError("integer", `expected 0 <= value < 2**64, found ${value}`);
  }
  return bigIntToBytes(v, 8);
}

function fieldBytes(item) {
  if (item instanceof Uint8Array) return item;
  if (typeof item === "bigint") return scalarToBytes(item);
  return pointToBytes(item);
}

/** The Fiat–Shamir challenge H(tag; fingerprint, statement...) mod n. */
export function challenge(tag, fingerprint, statement) {
  if (fingerprint.length !== FINGERPRINT_BYTES) {
    throw new EncodingError(
      "fingerprint",
      `expected ${FINGERPRINT_BYTES} bytes, found ${fingerprint.length}`,
    );
  }
  const fields = [fingerprint, ...statement.map(fieldBytes)];
  return mod(bytesToBigInt(hashFields(tag, fields)));
}

/** Try-and-increment hash to a point with even y (protocol.md §2.4). */
export function hashToPoint(tag, data = new Uint8Array(0)) {
  const tagBytes = utf8(tag);
  const prefix = concatBytes(u32(tagBytes.length), tagBytes, u32(data.length), data);
  for (let counter = 0; ; counter++) {
    const x = sha256(concatBytes(prefix, u32(counter)));
    if (bytesToBigInt(x) < FIELD_P) {
      try {
        return Point.fromBytes(concatBytes(new Uint8Array([2]), x));
      } catch {
        // not an x-coordinate on the curve: try the next counter
      }
    }
  }
}

// ---- exponential ElGamal (elgamal.py, protocol.md §4) ----------------------

/** m·G (m may be negative). */
export function plaintextPoint(m) {
  return baseTimes(BigInt(m));
}

/** Encrypt m under H with randomness r: (alpha, beta) = (r·G, m·G + r·H). */
export function encrypt(H, m, r) {
  if (H.is0()) throw new EncodingError("public", "the election key must not be the point at infinity");
  if (mod(r) === 0n) throw new EncodingError("randomness", "encryption randomness must not be zero");
  return { alpha: baseTimes(r), beta: plaintextPoint(m).add(times(H, r)) };
}

export function ciphertextToBytes(ct) {
  return concatBytes(pointToBytes(ct.alpha), pointToBytes(ct.beta));
}

// ---- proofs (proofs.py, protocol.md §5) ------------------------------------

function checkBounds(lo, hi) {
  if (lo < 0 || hi < lo || hi - lo + 1 > MAX_RANGE) {
    throw new EncodingError(
      "range",
      `expected 0 <= lo <= hi with at most ${MAX_RANGE} values, found [${lo}, ${hi}]`,
    );
  }
}

/** A_j = s_j·G - c_j·alpha and B_j = s_j·H - c_j·(beta - j·G). */
function branchCommitments(H, ct, j, cj, sj) {
  const minusC = mod(-cj);
  const shifted = j === 0 ? ct.beta : ct.beta.subtract(plaintextPoint(j));
  return [baseTimes(sj).add(times(ct.alpha, minusC)), times(H, sj).add(times(shifted, minusC))];
}

function rangeStatement(context, H, ct, lo, hi) {
  return [context, H, ct.alpha, ct.beta, intField(lo), intField(hi)];
}

/**
 * Prove ct = (r·G, m·G + r·H) with lo <= m <= hi, hiding m (disjunctive
 * Chaum–Pedersen). Nonces are drawn in the order proofs.py draws them: w
 * first, then (c_j, s_j) for each simulated branch j = lo..hi.
 */
export function proveRange(fingerprint, H, ct, m, r, lo, hi, { context = new Uint8Array(0), rand = randomScalar } = {}) {
  checkBounds(lo, hi);
  if (!(lo <= m && m <= hi)) throw new RangeError(`cannot prove ${m} lies in [${lo}, ${hi}]`);
  const challenges = [];
  const responses = [];
  const commitments = [];
  const w = rand();
  for (let j = lo; j <= hi; j++) {
    if (j === m) {
      challenges.push(0n);
      responses.push(0n);
      commitments.push(baseTimes(w), times(H, w));
    } else {
      const cj = rand();
      const sj = rand();
      challenges.push(cj);
      responses.push(sj);
      commitments.push(...branchCommitments(H, ct, j, cj, sj));
    }
  }
  const c = challenge(TAG_RANGE, fingerprint, [...rangeStatement(context, H, ct, lo, hi), ...commitments]);
  const k = m - lo;
  const cm = mod(c - challenges.reduce((a, b) => a + b, 0n));
  challenges[k] = cm;
  responses[k] = mod(w + cm * mod(r));
  return { challenges, responses };
}

/** The checker twin of proveRange: returns nothing or throws. */
export function checkRange(fingerprint, H, ct, lo, hi, proof, { context = new Uint8Array(0) } = {}) {
  checkBounds(lo, hi);
  const width = hi - lo + 1;
  if (proof.challenges.length !== width || proof.responses.length !== width) {
    throw new Error(`range proof: expected ${width} branches for [${lo}, ${hi}]`);
  }
  if (H.is0()) throw new Error("range proof: the election key is the point at infinity");
  const commitments = [];
  for (let j = lo; j <= hi; j++) {
    commitments.push(...branchCommitments(H, ct, j, proof.challenges[j - lo], proof.responses[j - lo]));
  }
  const c = challenge(TAG_RANGE, fingerprint, [...rangeStatement(context, H, ct, lo, hi), ...commitments]);
  if (mod(proof.challenges.reduce((a, b) => a + b, 0n)) !== c) {
    throw new Error(`range proof for [${lo}, ${hi}]: challenges do not add up to the hash`);
  }
}

/** The 0/1 proof for one choice: a range proof over [0, 1]. */
export function proveBit(fingerprint, H, ct, m, r, options = {}) {
  return proveRange(fingerprint, H, ct, m, r, 0, 1, options);
}

export function checkBit(fingerprint, H, ct, proof, options = {}) {
  checkRange(fingerprint, H, ct, 0, 1, proof, options);
}

// ---- BIP340 credential signature (group.py, protocol.md §6) ----------------

export function bip340PublicKey(secret) {
  if (mod(secret) === 0n) throw new EncodingError("secret", "a signing key must not be zero");
  return schnorr.getPublicKey(scalarToBytes(secret));
}

/** BIP340 signature (64 bytes) over a 32-byte message with 32 bytes of aux randomness. */
export function bip340Sign(secret, message, auxRandomness = crypto.getRandomValues(new Uint8Array(32))) {
  if (mod(secret) === 0n) throw new EncodingError("secret", "a signing key must not be zero");
  if (message.length !== 32) throw new EncodingError("message", `expected 32 bytes, found ${message.length}`);
  if (auxRandomness.length !== 32) {
    throw new EncodingError("aux_randomness", `expected 32 bytes, found ${auxRandomness.length}`);
  }
  return schnorr.sign(message, scalarToBytes(secret), auxRandomness);
}

export function bip340Verify(publicKey, message, signature) {
  return schnorr.verify(signature, message, publicKey);
}
