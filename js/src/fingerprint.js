// What the member's browser checks before it encrypts (record.md §3.4, parties.md §3):
// the election fingerprint recomputed from the manifest, joint key and credentials hash
// the page was given, and its short form to compare with the notice of election.

import { ALPHABET } from "./credentials.js";
import { hashFields, hexToBytes, utf8 } from "./crypto.js";
import { canonicalJson } from "./ballot.js";

export function manifestHash(manifest) {
  return hashFields("tellers/v1/manifest", [utf8(canonicalJson(manifest))]);
}

// fingerprint = H("tellers/v1/election"; manifest_hash, enc(joint key), credentials_hash)
export function electionFingerprint(manifest, jointKeyHex, credentialsHashHex) {
  return hashFields("tellers/v1/election", [
    manifestHash(manifest),
    hexToBytes(jointKeyHex, "election_key"),
    hexToBytes(credentialsHashHex, "credentials_hash"),
  ]);
}

// The first 80 bits as XXXX-XXXX-XXXX-XXXX in the credential alphabet.
export function shortText(bytes) {
  let bits = 0n;
  for (const b of bytes.slice(0, 10)) bits = (bits << 8n) | BigInt(b);
  let chars = "";
  for (let p = 0; p < 16; p++) chars += ALPHABET[Number((bits >> BigInt(5 * (15 - p))) & 31n)];
  return chars.match(/.{4}/g).join("-");
}
