// Credential codes in the browser: the JavaScript twin of
// src/tellers/crypto/credentials.py (docs/spec/credentials.md). The code is
// normalised and checked here, its signing key derived here, and it never
// leaves the member's browser: only the public credential and signatures do.

import { EncodingError, hashFields, mod, GROUP_ORDER, bip340PublicKey, utf8 } from "./crypto.js";

export const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const DATA_LENGTH = 23;
export const CODE_LENGTH = 24;
export const TAG_CREDENTIAL = "tellers/v1/credential";

/** A code that cannot be used; the message says what to fix (as credentials.py's).
 * ``problem`` names the fault for a page that says it in the member's language:
 * { kind: "character", character, position }, { kind: "length", found },
 * { kind: "check" } or { kind: "text" }. */
export class InvalidCredential extends Error {
  constructor(message, problem = { kind: "text" }) {
    super(message);
    this.name = "InvalidCredential";
    this.problem = problem;
  }
}

const POLY = 0b100101; // x^5 + x^2 + 1
const VALUE = new Map([...ALPHABET].map((c, i) => [c, i]));
const FOLD = { O: "0", I: "1", L: "1" };

function gfMul(a, b) {
  let product = 0;
  while (b) {
    if (b & 1) product ^= a;
    b >>= 1;
    a <<= 1;
    if (a & 0b100000) a ^= POLY;
  }
  return product;
}

const WEIGHTS = [];
for (let p = 0, w = 1; p < CODE_LENGTH; p++, w = gfMul(w, 2)) WEIGHTS.push(w);

function syndrome(values) {
  let s = 0;
  values.forEach((v, p) => {
    s ^= gfMul(WEIGHTS[p], v);
  });
  return s;
}

function fold(char) {
  const upper = char.toUpperCase();
  return FOLD[upper] ?? upper;
}

/** The 24-character canonical form of a typed code, or InvalidCredential saying why. */
export function normaliseCode(text) {
  if (typeof text !== "string") throw new InvalidCredential("credential code: expected text");
  const code = [...text.replace(/\s+/gu, "")].filter((c) => c !== "-").map(fold).join("");
  if (!(code.length === CODE_LENGTH && [...code].every((c) => VALUE.has(c)))) {
    let position = 0;
    for (const char of text) {
      position += 1;
      if (/\s/u.test(char) || char === "-") continue;
      if (!VALUE.has(fold(char))) {
        throw new InvalidCredential(
          `credential code: character '${char}' at position ${position} is not used in codes ` +
            `(allowed: ${ALPHABET}, spaces and hyphens)`,
          { kind: "character", character: char, position },
        );
      }
    }
    throw new InvalidCredential(
      `credential code: expected ${CODE_LENGTH} characters (ignoring spaces and hyphens), ` +
        `found ${code.length}`,
      { kind: "length", found: code.length },
    );
  }
  if (syndrome([...code].map((c) => VALUE.get(c))) !== 0) {
    throw new InvalidCredential(
      "credential code: check character does not match — probably a typo; " +
        "please compare it with the letter again",
      { kind: "check" },
    );
  }
  return code;
}

/** A code as printed: groups of four joined by hyphens. */
export function formatCode(text) {
  const code = normaliseCode(text);
  return code.match(/.{4}/g).join("-");
}

/** sk = H("tellers/v1/credential"; election_id, normalised code) mod n (credentials.md §5). */
export function deriveSigningKey(electionId, code) {
  const id = typeof electionId === "string" ? utf8(electionId) : electionId;
  if (!(id instanceof Uint8Array) || id.length < 1 || id.length > 255) {
    throw new EncodingError("election_id", "expected 1 to 255 bytes");
  }
  const digest = hashFields(TAG_CREDENTIAL, [id, utf8(normaliseCode(code))]);
  let x = 0n;
  for (const b of digest) x = (x << 8n) | BigInt(b);
  const key = mod(x);
  if (key === 0n || key >= GROUP_ORDER) {
    throw new InvalidCredential("credential code: derives the zero key; issue another code");
  }
  return key;
}

/** The 32-byte x-only public credential of a code. */
export function publicCredential(electionId, code) {
  return bip340PublicKey(deriveSigningKey(electionId, code));
}
