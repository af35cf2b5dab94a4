// Runs many crypto cases through the browser bundle in one Node process.
//
// Usage: node harness.mjs BUNDLE < cases.json > results.json
// cases.json is a JSON list of {"op": ..., ...} objects with hex-encoded
// bytes; each result is {"ok": value} or {"error": message}, in order.
// Driven by tests/web/test_js_crypto.py.

import { readFileSync } from "node:fs";

const bundlePath = process.argv[2];
// The bundle is an ES module in a folder without package.json; a data: URL
// makes Node load it as ESM whatever the folder says.
const source = readFileSync(bundlePath, "utf8");
const T = await import("data:text/javascript;base64," + Buffer.from(source).toString("base64"));

const hex = (b) => T.bytesToHex(b);
const bytes = (h) => T.hexToBytes(h);
const point = (h, allowInfinity = false) => T.pointFromBytes(bytes(h), "point", { allowInfinity });
const scalar = (h) => T.scalarFromBytes(bytes(h));
const scalarHex = (k) => hex(T.scalarToBytes(k));
const pointHex = (P) => hex(T.pointToBytes(P));

function statementItem(item) {
  if ("bytes" in item) return bytes(item.bytes);
  if ("scalar" in item) return scalar(item.scalar);
  return point(item.point, true);
}

// The test vectors' seeded draws: the n-th under a label is H("tellers/test/rand"; label, u64(n))
// mod n (tests/vectors/crypto/make_ceremony_vectors.py).
function seededSource(label) {
  let n = 0;
  return () => T.mod(BigInt("0x" + hex(T.hashFields("tellers/test/rand", [T.utf8(label), T.intField(n++)]))));
}

function nonceSource(nonces, seed) {
  if (seed != null) return seededSource(seed);
  if (nonces == null) return T.randomScalar;
  const queue = nonces.map(scalar);
  return () => {
    if (queue.length === 0) throw new Error("ran out of injected nonces");
    return queue.shift();
  };
}

const OPS = {
  short_text: (c) => T.shortText(bytes(c.bytes)),
  election_fingerprint: (c) => {
    const fp = T.electionFingerprint(c.manifest, c.joint_key, c.credentials_hash);
    return { fingerprint: hex(fp), short: T.shortText(fp) };
  },
  scalar_roundtrip: (c) => scalarHex(scalar(c.scalar)),
  point_decode: (c) => pointHex(point(c.point, c.allow_infinity ?? false)),
  base_times: (c) => pointHex(T.baseTimes(scalar(c.k))),
  times: (c) => pointHex(T.times(point(c.point, true), scalar(c.k))),
  add: (c) => pointHex(point(c.a, true).add(point(c.b, true))),
  hash_fields: (c) => hex(T.hashFields(c.tag, c.fields.map(bytes))),
  int_field: (c) => hex(T.intField(c.value)),
  challenge: (c) =>
    scalarHex(T.challenge(c.tag, bytes(c.fingerprint), c.statement.map(statementItem))),
  hash_to_point: (c) => pointHex(T.hashToPoint(c.tag, bytes(c.data))),
  plaintext_point: (c) => pointHex(T.plaintextPoint(c.m)),
  encrypt: (c) => {
    const ct = T.encrypt(point(c.public), c.m, scalar(c.r));
    return { alpha: pointHex(ct.alpha), beta: pointHex(ct.beta) };
  },
  prove_range: (c) => {
    const H = point(c.public);
    const ct = c.alpha
      ? { alpha: point(c.alpha), beta: point(c.beta) }
      : T.encrypt(H, c.m, scalar(c.r));
    const proof = T.proveRange(bytes(c.fingerprint), H, ct, c.m, scalar(c.r), c.lo, c.hi, {
      context: bytes(c.context ?? ""),
      rand: nonceSource(c.nonces),
    });
    T.checkRange(bytes(c.fingerprint), H, ct, c.lo, c.hi, proof, { context: bytes(c.context ?? "") });
    return {
      alpha: pointHex(ct.alpha),
      beta: pointHex(ct.beta),
      challenges: proof.challenges.map(scalarHex),
      responses: proof.responses.map(scalarHex),
    };
  },
  ranking_values: (c) => T.rankingValues(c.ranking, c.candidates, c.preferences),
  prove_preference: (c) => {
    const H = point(c.public);
    const ct = T.encrypt(H, c.m, scalar(c.r));
    const context = bytes(c.context);
    const proof = T.provePreference(bytes(c.fingerprint), H, ct, scalar(c.r), { context, rand: () => scalar(c.nonce) });
    T.checkPreference(bytes(c.fingerprint), H, ct, proof, { context });
    return {
      alpha: pointHex(ct.alpha),
      beta: pointHex(ct.beta),
      proof: { c: scalarHex(proof.challenge), s: scalarHex(proof.response) },
    };
  },
  check_preference: (c) => {
    const ct = { alpha: point(c.alpha), beta: point(c.beta) };
    const proof = { challenge: scalar(c.proof.c), response: scalar(c.proof.s) };
    T.checkPreference(bytes(c.fingerprint), point(c.public), ct, proof, { context: bytes(c.context) });
    return true;
  },
  ranked_row: (c) => {
    const { preferences, randomness } = T.encryptRanking(bytes(c.fingerprint), point(c.public), c.values, {
      credential: bytes(c.credential),
      contestIndex: c.contest_index,
      rand: nonceSource(c.nonces, c.seed),
    });
    return {
      preferences: preferences.map(T.preferenceJson),
      randomness: randomness.map(scalarHex),
      contest_hash: hex(T.rankedContestHash(c.contest_id, preferences)),
    };
  },
  bip340_public_key: (c) => hex(T.bip340PublicKey(scalar(c.secret))),
  normalise_code: (c) => T.normaliseCode(c.input),
  derive_signing_key: (c) => scalarHex(T.deriveSigningKey(bytes(c.election_id), c.code)),
  public_credential: (c) => hex(T.publicCredential(bytes(c.election_id), c.code)),
  encrypt_ballot: (c) => {
    const key = c.signing_key
      ? scalar(c.signing_key)
      : T.deriveSigningKey(T.utf8(c.manifest.election_id), c.code);
    const out = T.encryptBallot(c.manifest, bytes(c.fingerprint), point(c.election_key), key, c.constituency, c.selections, {
      rand: nonceSource(c.nonces, c.seed),
      auxRandomness: c.aux == null ? undefined : bytes(c.aux),
    });
    return { ...out, canonical: T.canonicalJson(out.ballot) };
  },
  bip340_sign: (c) => {
    const aux = c.aux == null ? undefined : bytes(c.aux);
    return hex(T.bip340Sign(scalar(c.secret), bytes(c.message), aux));
  },
};

const cases = JSON.parse(readFileSync(0, "utf8"));
const results = cases.map((c) => {
  const op = OPS[c.op];
  if (!op) return { error: `unknown op ${c.op}` };
  try {
    return { ok: op(c) };
  } catch (e) {
    return { error: String(e?.message ?? e) };
  }
});
process.stdout.write(JSON.stringify(results));
