// Encrypted ballots in the browser: the JavaScript twin of
// src/tellers/ballot.py's encrypt_ballot (record.md §4; that module's
// docstring is the byte-level specification) and of record.v1's
// ballot_to_json / reveal_to_json. Nonces are drawn in exactly the order
// ballot.py draws them, so injected nonces reproduce a Python ballot byte
// for byte.

import {
  EncodingError,
  INFINITY,
  bip340PublicKey,
  bip340Sign,
  bytesToHex,
  concatBytes,
  encrypt,
  hashFields,
  mod,
  pointToBytes,
  proveRange,
  randomScalar,
  scalarToBytes,
  times,
  utf8,
} from "./crypto.js";

export const TOTAL_SLOT = 0xffffffff;

function u32(n) {
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

/** credential || u32(contest index) || u32(slot). */
export function proofContext(credential, contestIndex, slot) {
  return concatBytes(credential, u32(contestIndex), u32(slot));
}

/** K, the most choices a member may select (manifest.py's max_selections). */
export function maxSelections(contest) {
  if (contest.method === "approval") return contest.choices.length;
  return contest.method === "yes-no" ? 1 : contest.seats ?? 1;
}

function allowBlank(contest) {
  return contest.allow_blank ?? true;
}

/** Indexes of the contests a member of `constituency` may vote in (record-format manifest). */
export function contestsFor(manifest, constituency) {
  const out = [];
  manifest.contests.forEach((c, i) => {
    if (c.constituencies == null || c.constituencies.includes(constituency)) out.push(i);
  });
  return out;
}

function plaintext(contest, chosen) {
  const ids = contest.choices.map((c) => c.id);
  const picked = new Set();
  for (const id of chosen) {
    const at = ids.indexOf(id);
    if (at < 0) throw new EncodingError(`contest ${contest.id}`, `no choice '${id}'`);
    if (picked.has(at)) throw new EncodingError(`contest ${contest.id}`, "a choice is selected twice");
    picked.add(at);
  }
  const k = maxSelections(contest);
  if (picked.size > k) {
    throw new EncodingError(`contest ${contest.id}`, `at most ${k} choices, found ${picked.size}`);
  }
  if (picked.size === 0 && !allowBlank(contest)) {
    throw new EncodingError(`contest ${contest.id}`, "a blank contest is not allowed");
  }
  return ids.map((_, i) => (picked.has(i) ? 1 : 0));
}

function proofBytes(proof) {
  const parts = [];
  proof.challenges.forEach((c, i) => parts.push(scalarToBytes(c), scalarToBytes(proof.responses[i])));
  return concatBytes(...parts);
}

function selectionBytes(sel) {
  return concatBytes(pointToBytes(sel.ciphertext.alpha), pointToBytes(sel.ciphertext.beta), proofBytes(sel.proof));
}

function encryptContest(contest, index, chosen, fingerprint, H, credential, rand) {
  const values = [...chosen];
  const blankAllowed = allowBlank(contest);
  if (blankAllowed) values.push(chosen.some((v) => v) ? 0 : 1);
  const randomness = values.map(() => rand());
  const encrypted = values.map((m, slot) => {
    const ciphertext = encrypt(H, m, randomness[slot]);
    const proof = proveRange(fingerprint, H, ciphertext, m, randomness[slot], 0, 1, {
      context: proofContext(credential, index, slot),
      rand,
    });
    return { ciphertext, proof };
  });
  const k = maxSelections(contest);
  const n = contest.choices.length;
  let alpha = encrypted.slice(0, n).reduce((acc, e) => acc.add(e.ciphertext.alpha), INFINITY);
  let beta = encrypted.slice(0, n).reduce((acc, e) => acc.add(e.ciphertext.beta), INFINITY);
  let rTotal = randomness.slice(0, n).reduce((a, b) => a + b, 0n);
  let mTotal = chosen.reduce((a, b) => a + b, 0);
  if (blankAllowed) {
    const blank = encrypted[n].ciphertext;
    alpha = alpha.add(times(blank.alpha, BigInt(k)));
    beta = beta.add(times(blank.beta, BigInt(k)));
    rTotal += randomness[n] * BigInt(k);
    mTotal += k * values[n];
  }
  const total = { alpha, beta };
  const totalProof = proveRange(fingerprint, H, total, mTotal, mod(rTotal), 1, k, {
    context: proofContext(credential, index, TOTAL_SLOT),
    rand,
  });
  return {
    ballot: {
      id: contest.id,
      selections: encrypted.slice(0, n),
      blank: blankAllowed ? encrypted[n] : null,
      total: totalProof,
    },
    reveal: { id: contest.id, choices: chosen, blank: blankAllowed ? values[n] : 0, randomness },
  };
}

/** C_i = H("tellers/v1/ballot-contest"; id, S_1, ..., S_k, S_blank or "", P_total). */
function contestHash(c) {
  const parts = [utf8(c.id), ...c.selections.map(selectionBytes)];
  parts.push(c.blank == null ? new Uint8Array(0) : selectionBytes(c.blank));
  parts.push(proofBytes(c.total));
  return hashFields("tellers/v1/ballot-contest", parts);
}

const proofJson = (p) => ({ c: p.challenges.map((x) => bytesToHex(scalarToBytes(x))), s: p.responses.map((x) => bytesToHex(scalarToBytes(x))) });
const selectionJson = (s) => ({
  alpha: bytesToHex(pointToBytes(s.ciphertext.alpha)),
  beta: bytesToHex(pointToBytes(s.ciphertext.beta)),
  proof: proofJson(s.proof),
});

/**
 * Encrypt a member's choices (contest id -> chosen choice ids; empty or absent
 * = blank). `manifest` is the record-format manifest JSON; `fingerprint` 32
 * bytes; `electionKey` a point; `signingKey` the credential's scalar.
 * Returns {ballot, reveal, tracker}: ballot and reveal as record.v1's JSON,
 * the tracker in hex.
 */
export function encryptBallot(manifest, fingerprint, electionKey, signingKey, constituency, selections, { rand = randomScalar, auxRandomness } = {}) {
  const credential = bip340PublicKey(signingKey);
  const entitled = contestsFor(manifest, constituency);
  const entitledIds = new Set(entitled.map((i) => manifest.contests[i].id));
  const unknown = Object.keys(selections).filter((id) => !entitledIds.has(id));
  if (unknown.length) throw new EncodingError("selections", `contests not on this ballot: ${unknown.sort().join(", ")}`);
  const contests = [];
  const reveals = [];
  for (const index of entitled) {
    const contest = manifest.contests[index];
    const chosen = plaintext(contest, selections[contest.id] ?? []);
    const { ballot, reveal } = encryptContest(contest, index, chosen, fingerprint, electionKey, credential, rand);
    contests.push(ballot);
    reveals.push(reveal);
  }
  const message = hashFields("tellers/v1/ballot", [fingerprint, credential, ...contests.map(contestHash)]);
  const signature = bip340Sign(signingKey, message, auxRandomness ?? crypto.getRandomValues(new Uint8Array(32)));
  const tracker = hashFields("tellers/v1/tracker", [message, signature]);
  const ballot = {
    election: bytesToHex(fingerprint),
    credential: bytesToHex(credential),
    contests: contests.map((c) => ({
      id: c.id,
      selections: c.selections.map(selectionJson),
      blank: c.blank == null ? null : selectionJson(c.blank),
      total: proofJson(c.total),
    })),
    signature: bytesToHex(signature),
  };
  const reveal = reveals.map((r) => ({
    id: r.id,
    choices: r.choices,
    blank: r.blank,
    randomness: r.randomness.map((x) => bytesToHex(scalarToBytes(x))),
  }));
  return { ballot, reveal, tracker: bytesToHex(tracker) };
}

/** Canonical JSON (record.md §2) of plain values: sorted keys, no spaces, integers only. */
export function canonicalJson(value) {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new EncodingError("json", "floats have no canonical form");
    return String(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
}
