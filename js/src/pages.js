// The member's pages (sign-in and ballot), wired without inline script: the
// server puts what the page needs in data- attributes and in
// <script type="application/json"> blocks; this module reads them.
//
// The credential code is typed into an input with no name, normalised and
// checked here, kept in sessionStorage for this tab only, and never sent:
// the server sees the public credential and signatures.

import { bytesToHex, hashFields, hexToBytes, pointFromBytes, bip340Sign, utf8 } from "./crypto.js";
import { deriveSigningKey, normaliseCode, publicCredential } from "./credentials.js";
import { canonicalJson, encryptBallot, maxSelections } from "./ballot.js";
import { electionFingerprint, shortText } from "./fingerprint.js";

const codeKey = (slug) => `tellers:code:${slug}`;

function show(el, text) {
  if (!el) return;
  el.textContent = text;
  el.hidden = !text;
}

function signIn(form) {
  const slug = form.dataset.slug;
  const electionId = form.dataset.electionId;
  const challenge = hexToBytes(form.dataset.challenge);
  const codeInput = form.querySelector("#code");
  const error = form.querySelector("#code-error");
  form.addEventListener("submit", (event) => {
    show(error, "");
    codeInput.removeAttribute("aria-invalid");
    let code;
    try {
      code = normaliseCode(codeInput.value);
    } catch (e) {
      event.preventDefault();
      const text = String(e.message).replace(/^credential code: /, "");
      show(error, `${form.dataset.codeProblem} ${text.charAt(0).toUpperCase()}${text.slice(1)}.`);
      codeInput.setAttribute("aria-invalid", "true");
      codeInput.focus();
      return;
    }
    const key = deriveSigningKey(electionId, code);
    const message = hashFields("tellers/v1/sign-in", [challenge]);
    form.querySelector("input[name=credential]").value = bytesToHex(publicCredential(electionId, code));
    form.querySelector("input[name=signature]").value = bytesToHex(bip340Sign(key, message));
    sessionStorage.setItem(codeKey(slug), code);
  });
}

function selections(form) {
  const out = {};
  for (const fieldset of form.querySelectorAll("fieldset[data-contest]")) {
    const id = fieldset.dataset.contest;
    out[id] = [...fieldset.querySelectorAll("input:checked")].map((i) => i.value).filter((v) => v);
  }
  return out;
}

async function post(url, csrf, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    body,
    credentials: "same-origin",
  });
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = { message: `${response.status} ${response.statusText}` };
  }
  return { ok: response.ok, data };
}

function ballotPage(form) {
  const data = JSON.parse(document.getElementById("ballot-data").textContent);
  const text = JSON.parse(document.getElementById("ballot-text").textContent);
  const csrf = form.dataset.csrf;
  const status = document.getElementById("ballot-status");
  const trackerBox = document.getElementById("tracker-box");
  const trackerOut = document.getElementById("tracker");
  const castButton = document.getElementById("cast");
  const auditButton = document.getElementById("audit");
  const auditResult = document.getElementById("audit-result");
  let current = null;
  let signingKey = null;

  // The page's election data must be the election it says it is: recompute the fingerprint
  // from the manifest, key and credential list it was served, and show its short form.
  let checked = null;
  try {
    checked = bytesToHex(electionFingerprint(data.manifest, data.election_key, data.credentials_hash));
  } catch {
    checked = null;
  }
  const shortOut = document.getElementById("election-fingerprint");
  if (checked !== data.fingerprint) {
    form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    document.getElementById("encrypt").disabled = true;
    show(status, text.fingerprint_mismatch);
    status.setAttribute("role", "alert");
    return;
  }
  if (shortOut) shortOut.textContent = shortText(hexToBytes(checked));

  const forget = () => {
    current = null;
    trackerBox.hidden = true;
    trackerOut.textContent = "";
  };
  form.addEventListener("change", () => {
    if (current) {
      forget();
      show(status, text.changed);
    }
  });
  form.addEventListener("submit", (event) => event.preventDefault());

  document.getElementById("encrypt").addEventListener("click", () => {
    show(status, "");
    auditResult.hidden = true;
    const code = sessionStorage.getItem(codeKey(data.slug));
    if (!code) return show(status, text.no_code);
    let key;
    try {
      key = deriveSigningKey(data.election_id, normaliseCode(code));
    } catch {
      return show(status, text.no_code);
    }
    const chosen = selections(form);
    for (const contest of data.manifest.contests) {
      if (!(contest.id in chosen)) continue;
      const k = maxSelections(contest);
      if (chosen[contest.id].length > k) {
        return show(status, text.too_many.replace("%(title)s", contest.title).replace("%(k)s", k));
      }
      if (chosen[contest.id].length === 0 && contest.allow_blank === false) {
        return show(status, text.blank_not_allowed.replace("%(title)s", contest.title));
      }
    }
    try {
      current = encryptBallot(
        data.manifest,
        hexToBytes(data.fingerprint),
        pointFromBytes(hexToBytes(data.election_key), "election_key"),
        key,
        data.constituency,
        chosen,
      );
    } catch (e) {
      return show(status, `${text.failed} ${e.message}`);
    }
    if (current.ballot.credential !== data.credential) {
      current = null;
      return show(status, text.no_code);
    }
    signingKey = key;
    trackerOut.textContent = current.tracker;
    trackerBox.hidden = false;
    trackerOut.focus();
  });

  auditButton.addEventListener("click", async () => {
    if (!current) return;
    const sent = current;
    forget();
    show(status, text.auditing);
    // The member asks for this audit, signed: nobody else can have a ballot opened.
    const request = hashFields("tellers/v1/audit-request", [
      hexToBytes(sent.tracker),
      utf8(canonicalJson(sent.reveal)),
    ]);
    const signature = bytesToHex(bip340Sign(signingKey, request));
    const { ok, data: answer } = await post(
      data.audit_url,
      csrf,
      canonicalJson({ ballot: sent.ballot, reveal: sent.reveal, signature }),
    );
    if (!ok || !answer.audited) return show(status, answer.message ?? text.failed);
    show(status, "");
    const list = document.getElementById("audit-choices");
    list.replaceChildren();
    for (const line of answer.choices) {
      const item = document.createElement("li");
      item.textContent = `${line.contest}: ${line.chosen}`;
      list.append(item);
    }
    document.getElementById("audit-tracker").textContent = answer.tracker;
    auditResult.hidden = false;
    auditResult.focus();
  });

  if (castButton) {
    castButton.addEventListener("click", async () => {
      if (!current) return;
      castButton.disabled = true;
      show(status, text.casting);
      const { ok, data: answer } = await post(data.cast_url, csrf, canonicalJson(current.ballot));
      castButton.disabled = false;
      if (ok && answer.accepted) {
        sessionStorage.removeItem(codeKey(data.slug)); // the code has done its work here
        window.location.assign(answer.receipt_url);
        return;
      }
      forget();
      show(status, answer.message ?? text.failed);
    });
  }
}

function signOut(form) {
  form.addEventListener("submit", () => sessionStorage.removeItem(codeKey(form.dataset.slug)));
}

export function wirePages(doc) {
  const signInForm = doc.getElementById("sign-in-form");
  if (signInForm) signIn(signInForm);
  for (const form of doc.querySelectorAll("form.sign-out")) signOut(form);
  const ballotForm = doc.getElementById("ballot-form");
  if (ballotForm) ballotPage(ballotForm);
}
