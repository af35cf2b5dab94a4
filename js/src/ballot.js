// Encrypted ballots in the browser: the JavaScript twin of
// src/tellers/ballot.py's encrypt_ballot (record.md §4; that module's
// docstring is the byte-level specification) and of record.v1's
// ballot_to_json / reveal_to_json, ranked contests included (ranked.md §2, §3:
// src/tellers/ranked/ranking.py and ballot.py). Nonces are drawn in exactly the order
// ballot.py draws them, so injected nonces reproduce a Python ballot byte
// for byte.

import {
  EncodingError,
  INFINITY,
  baseTimes,
  challenge,
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
export const TAG_PREFERENCE = "tellers/v1/proof/preference";
export const RANKED_METHODS = ["irv", "stv-ers97", "stv-meek", "stv-scottish", "schulze"];
export const MAX_CANDIDATES = 64;

function u32(n) {
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

/** credential || u32(contest index) || u32(slot). */
export function proofContext(credential, contestIndex, slot) {
  return concatBytes(credential, u32(contestIndex), u32(slot));
}

/** Whether the contest is ranked (manifest.py's Contest.ranked). */
export function isRanked(contest) {
  return RANKED_METHODS.includes(contest.method);
}

/** W, the most preferences a member may give in a ranked contest (ranked.md §2). */
export function preferenceWidth(contest) {
  return contest.preferences ?? contest.choices.length;
}

/** K, the most choices a member may select (manifest.py's max_selections); W if ranked. */
export function maxSelections(contest) {
  if (isRanked(contest)) return preferenceWidth(contest);
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

/**
 * (v_1, ..., v_W) for `ranking`, the candidates' 0-based indices in order of preference
 * (ranking.py's ranking_values, ranked.md §2); refuses a candidate twice, an unknown
 * candidate and more than W preferences, with ranking.py's messages.
 */
export function rankingValues(ranking, candidates, preferences) {
  if (!Number.isInteger(candidates) || candidates < 2 || candidates > MAX_CANDIDATES) {
    throw new EncodingError("candidates", `expected 2..${MAX_CANDIDATES}, found ${candidates}`);
  }
  if (!Number.isInteger(preferences) || preferences < 1 || preferences > candidates) {
    throw new EncodingError("preferences", `expected 1..${candidates}, found ${preferences}`);
  }
  if (ranking.length > preferences) {
    throw new EncodingError("ranking", `expected at most ${preferences} preferences, found ${ranking.length}`);
  }
  const seen = new Set();
  ranking.forEach((index, i) => {
    const place = i + 1;
    if (!Number.isInteger(index) || index < 0 || index >= candidates) {
      throw new EncodingError(`ranking[${place}]`, `expected a candidate 0..${candidates - 1}, found ${index}`);
    }
    if (seen.has(index)) throw new EncodingError(`ranking[${place}]`, `candidate ${index} is ranked twice`);
    seen.add(index);
  });
  return [...ranking.map((index) => index + 1), ...Array(preferences - ranking.length).fill(0)];
}

/**
 * The Schnorr proof that the maker of `ct` knows r with alpha = r·G, bound to `context`
 * (ranked.md §3): {challenge, response}.
 */
export function provePreference(fingerprint, H, ct, r, { context, rand = randomScalar }) {
  const w = rand();
  const c = challenge(TAG_PREFERENCE, fingerprint, [context, H, ct.alpha, ct.beta, baseTimes(w)]);
  return { challenge: c, response: mod(w + c * r) };
}

/** Throws EncodingError unless `proof` is provePreference's for this statement. */
export function checkPreference(fingerprint, H, ct, proof, { context }) {
  const commitment = baseTimes(proof.response).add(times(ct.alpha, mod(-proof.challenge)));
  const c = challenge(TAG_PREFERENCE, fingerprint, [context, H, ct.alpha, ct.beta, commitment]);
  if (c !== proof.challenge) {
    throw new EncodingError("preference proof", "challenge does not match (s·G - c·alpha)");
  }
}

/** A ranked contest's row for `values` and its randomness, drawn r_1, w_1, r_2, w_2, ... */
export function encryptRanking(fingerprint, H, values, { credential, contestIndex, rand = randomScalar }) {
  const preferences = [];
  const randomness = [];
  values.forEach((v, slot) => {
    const r = rand();
    const ciphertext = encrypt(H, v, r);
    const proof = provePreference(fingerprint, H, ciphertext, r, {
      context: proofContext(credential, contestIndex, slot),
      rand,
    });
    preferences.push({ ciphertext, proof });
    randomness.push(r);
  });
  return { preferences, randomness };
}

function encryptRanked(contest, index, ranking, fingerprint, H, credential, rand) {
  if (ranking.length === 0 && !allowBlank(contest)) {
    throw new EncodingError(`contest ${contest.id}`, "a blank contest is not allowed");
  }
  const ids = contest.choices.map((c) => c.id);
  const indices = ranking.map((id) => {
    const at = ids.indexOf(id);
    if (at < 0) throw new EncodingError(`contest ${contest.id}`, `no choice '${id}'`);
    return at;
  });
  const values = rankingValues(indices, ids.length, preferenceWidth(contest));
  const { preferences, randomness } = encryptRanking(fingerprint, H, values, { credential, contestIndex: index, rand });
  return {
    ballot: { id: contest.id, preferences },
    reveal: { id: contest.id, choices: values, blank: 0, randomness },
  };
}

function preferenceBytes(p) {
  return concatBytes(
    pointToBytes(p.ciphertext.alpha),
    pointToBytes(p.ciphertext.beta),
    scalarToBytes(p.proof.challenge),
    scalarToBytes(p.proof.response),
  );
}

/** A ranked contest's C_i = H("tellers/v1/ballot-ranked"; id, P_1, ..., P_W) (record.md §4.2). */
export function rankedContestHash(id, preferences) {
  return hashFields("tellers/v1/ballot-ranked", [utf8(id), ...preferences.map(preferenceBytes)]);
}

/**
 * C_i = H("tellers/v1/ballot-contest"; id, S_1, ..., S_k, S_blank or "", P_total), or the
 * ranked contest's hash.
 */
function contestHash(c) {
  if (c.preferences) return rankedContestHash(c.id, c.preferences);
  const parts = [utf8(c.id), ...c.selections.map(selectionBytes)];
  parts.push(c.blank == null ? new Uint8Array(0) : selectionBytes(c.blank));
  parts.push(proofBytes(c.total));
  return hashFields("tellers/v1/ballot-contest", parts);
}

const proofJson = (p) => ({ c: p.challenges.map((x) => bytesToHex(scalarToBytes(x))), s: p.responses.map((x) => bytesToHex(scalarToBytes(x))) });
export const preferenceJson = (p) => ({
  alpha: bytesToHex(pointToBytes(p.ciphertext.alpha)),
  beta: bytesToHex(pointToBytes(p.ciphertext.beta)),
  proof: { c: bytesToHex(scalarToBytes(p.proof.challenge)), s: bytesToHex(scalarToBytes(p.proof.response)) },
});
const selectionJson = (s) => ({
  alpha: bytesToHex(pointToBytes(s.ciphertext.alpha)),
  beta: bytesToHex(pointToBytes(s.ciphertext.beta)),
  proof: proofJson(s.proof),
});

/**
 * Encrypt a member's choices (contest id -> chosen choice ids; empty or absent
 * = blank; for a ranked contest the ids in order of preference). `manifest` is the record-format manifest JSON; `fingerprint` 32
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
    const picked = selections[contest.id] ?? [];
    const { ballot, reveal } = isRanked(contest)
      ? encryptRanked(contest, index, picked, fingerprint, electionKey, credential, rand)
      : encryptContest(contest, index, plaintext(contest, picked), fingerprint, electionKey, credential, rand);
    contests.push(ballot);
    reveals.push(reveal);
  }
  const message = hashFields("tellers/v1/ballot", [fingerprint, credential, ...contests.map(contestHash)]);
  const signature = bip340Sign(signingKey, message, auxRandomness ?? crypto.getRandomValues(new Uint8Array(32)));
  const tracker = hashFields("tellers/v1/tracker", [message, signature]);
  const ballot = {
    election: bytesToHex(fingerprint),
    credential: bytesToHex(credential),
    contests: contests.map((c) => c.preferences ? { id: c.id, preferences: c.preferences.map(preferenceJson) } : ({
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
