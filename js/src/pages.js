// The member's pages (sign-in and ballot), wired without inline script: the
// server puts what the page needs in data- attributes and in
// <script type="application/json"> blocks; this module reads them.
//
// The credential code is typed into an input with no name, normalised and
// checked here, and never sent: the server sees the public credential and
// signatures. The sign-in form is posted with fetch, so a refused sign-in
// leaves the page (and what the member typed) as it was: the code is never
// put back by the server, and is kept in sessionStorage for this tab only
// once the server has accepted it (docs/security.md, "The voting code in the
// browser").

import { bytesToHex, hashFields, hexToBytes, pointFromBytes, bip340Sign, utf8 } from "./crypto.js";
import { deriveSigningKey, normaliseCode, publicCredential } from "./credentials.js";
import { canonicalJson, encryptBallot, isRanked, maxSelections } from "./ballot.js";
import { electionFingerprint, shortText } from "./fingerprint.js";

const codeKey = (slug) => `tellers:code:${slug}`;

function show(el, text) {
  if (!el) return;
  el.textContent = text;
  el.hidden = !text;
}

function serverErrors(target, paragraphs) {
  target.replaceChildren(
    ...paragraphs.map((text) => {
      const p = document.createElement("p");
      p.className = "error";
      p.setAttribute("role", "alert");
      p.textContent = text;
      return p;
    }),
  );
}

// What is wrong with a typed code, in the page's language: the sentences are the sign-in
// form's data- attributes (translated by the server), the details InvalidCredential's.
function codeProblemText(form, problem) {
  const p = problem ?? { kind: "text" };
  const sentence = {
    character: form.dataset.codeCharacter,
    length: form.dataset.codeLength,
    check: form.dataset.codeCheck,
  }[p.kind];
  if (!sentence) return form.dataset.codeProblem;
  const filled = sentence
    .replace("%(character)s", () => String(p.character))
    .replace("%(position)s", () => String(p.position))
    .replace("%(found)s", () => String(p.found));
  return `${form.dataset.codeProblem} ${filled}`;
}

// The server's answer to a refused sign-in is the sign-in page again, with its errors and a
// challenge for the next try (or, once voting has closed, a page without the form).
function takeRefusal(form, html) {
  const answer = new DOMParser().parseFromString(html, "text/html");
  const next = answer.getElementById("sign-in-form");
  const errors = [...answer.querySelectorAll("#sign-in-errors .error")].map((p) => p.textContent);
  if (!next) {
    document.querySelector("main").replaceChildren(...answer.querySelector("main").childNodes);
    return;
  }
  form.dataset.challenge = next.dataset.challenge;
  const token = next.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) form.querySelector("input[name=csrfmiddlewaretoken]").value = token.value;
  serverErrors(document.getElementById("sign-in-errors"), errors);
}

function signIn(form) {
  const slug = form.dataset.slug;
  const electionId = form.dataset.electionId;
  const codeInput = form.querySelector("#code");
  const error = form.querySelector("#code-error");
  const progress = form.querySelector("#sign-in-status");
  const button = form.querySelector("#sign-in");
  const forgetCode = () => {
    codeInput.value = "";
  };
  // A page restored from the back-forward cache must not show a code typed earlier.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) forgetCode();
  });
  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    show(error, "");
    codeInput.removeAttribute("aria-invalid");
    let code;
    try {
      code = normaliseCode(codeInput.value);
    } catch (e) {
      show(error, codeProblemText(form, e.problem));
      codeInput.setAttribute("aria-invalid", "true");
      codeInput.focus();
      return;
    }
    const challenge = hexToBytes(form.dataset.challenge);
    const key = deriveSigningKey(electionId, code);
    const message = hashFields("tellers/v1/sign-in", [challenge]);
    form.querySelector("input[name=credential]").value = bytesToHex(publicCredential(electionId, code));
    form.querySelector("input[name=signature]").value = bytesToHex(bip340Sign(key, message));
    // Busy, not disabled: a disabled button would drop the keyboard focus.
    busy = true;
    button.setAttribute("aria-disabled", "true");
    progress.textContent = form.dataset.checking;
    let response;
    try {
      // The code's input has no name: FormData(form) carries the credential, never the code.
      response = await fetch(window.location.href, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        redirect: "manual",
      });
    } catch {
      response = null;
    }
    busy = false;
    button.removeAttribute("aria-disabled");
    progress.textContent = "";
    if (response === null) {
      serverErrors(document.getElementById("sign-in-errors"), [form.dataset.offline]);
      return;
    }
    if (response.type === "opaqueredirect") {
      // Accepted: the session is signed in, and the code goes to the ballot page in this
      // tab's sessionStorage only.
      sessionStorage.setItem(codeKey(slug), code);
      forgetCode();
      window.location.assign(form.dataset.ballotUrl);
      return;
    }
    takeRefusal(form, await response.text());
  });
}

const fill = (template, values) =>
  Object.entries(values).reduce((t, [k, v]) => t.replace(`%(${k})s`, () => String(v)), template);

// A ranked contest (ranked.md §2): the member adds candidates one by one, each as the next
// preference, and can remove one or move it up or down. The order lives in the list the
// page shows, so what is encrypted is what the member sees; a candidate already ranked has
// no Add button to press and nothing can be added past W, so the page never makes a ranking
// the core would refuse. Each candidate's button stays in place (Add, then Remove), and a
// moved preference keeps the focus, so the keyboard focus is never lost.
function rankedContest(fieldset, text, onChange) {
  const box = fieldset.querySelector("[data-ranked]");
  const width = Number(box.dataset.ranked);
  const list = box.querySelector(".ranking-order");
  const none = box.querySelector(".ranking-none");
  const status = box.querySelector(".ranking-status");
  const names = new Map(
    [...box.querySelectorAll(".candidate")].map((li) => [li.dataset.choice, li.querySelector(".candidate-name").textContent]),
  );
  let order = [];
  const orderText = () =>
    order.length ? order.map((id, i) => `${i + 1}. ${names.get(id)}`).join("  ") : text.no_preferences;

  const moveButton = (id, at, step, label) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary rank-move";
    button.dataset.move = String(step);
    button.textContent = label;
    button.setAttribute("aria-label", `${label}: ${names.get(id)}`);
    const blocked = at + step < 0 || at + step >= order.length;
    if (blocked) button.setAttribute("aria-disabled", "true");
    button.addEventListener("click", () => {
      const from = order.indexOf(id);
      const to = from + step;
      if (to < 0 || to >= order.length) return;
      [order[from], order[to]] = [order[to], order[from]];
      render();
      status.textContent = fill(text.moved, { name: names.get(id), n: to + 1 });
      list.querySelector(`li[data-choice="${CSS.escape(id)}"] button[data-move="${step}"]`).focus();
      onChange();
    });
    return button;
  };

  const render = () => {
    list.replaceChildren(
      ...order.map((id, at) => {
        const item = document.createElement("li");
        item.dataset.choice = id;
        const name = document.createElement("span");
        name.className = "candidate-name";
        name.textContent = names.get(id);
        const actions = document.createElement("span");
        actions.className = "rank-actions";
        actions.append(moveButton(id, at, -1, text.move_up), moveButton(id, at, 1, text.move_down));
        item.append(name, actions);
        return item;
      }),
    );
    none.hidden = order.length > 0;
    for (const li of box.querySelectorAll(".candidate")) {
      const button = li.querySelector(".rank-toggle");
      const at = order.indexOf(li.dataset.choice);
      li.classList.toggle("ranked", at >= 0);
      if (at >= 0) {
        button.textContent = fill(text.remove, { n: at + 1 });
        button.removeAttribute("aria-disabled");
      } else if (order.length >= width) {
        button.textContent = fill(text.full, { k: width });
        button.setAttribute("aria-disabled", "true");
      } else {
        button.textContent = fill(text.add, { n: order.length + 1 });
        button.removeAttribute("aria-disabled");
      }
    }
  };

  for (const li of box.querySelectorAll(".candidate")) {
    const id = li.dataset.choice;
    li.querySelector(".rank-toggle").addEventListener("click", () => {
      const at = order.indexOf(id);
      if (at >= 0) {
        order.splice(at, 1);
        render();
        status.textContent = fill(text.removed, { name: names.get(id), order: orderText() });
      } else if (order.length >= width) {
        status.textContent = fill(text.full_note, { k: width });
        return;
      } else {
        order.push(id);
        render();
        status.textContent = fill(text.added, { name: names.get(id), n: order.length });
      }
      onChange();
    });
  }
  render();
  return {
    ranking: () => [...order],
    clear: () => {
      order = [];
      render();
      status.textContent = "";
    },
    text: orderText,
  };
}

const rankings = new WeakMap();

function selections(form) {
  const out = {};
  for (const fieldset of form.querySelectorAll("fieldset[data-contest]")) {
    const id = fieldset.dataset.contest;
    const ranked = rankings.get(fieldset);
    out[id] = ranked
      ? ranked.ranking()
      : [...fieldset.querySelectorAll("input:checked")].map((i) => i.value).filter((v) => v);
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

function contestFieldsets(form) {
  return [...form.querySelectorAll("fieldset[data-contest]")];
}

// Contests left without a choice that the member did not mark blank themselves (by the
// "No choice" radio): the page asks before encrypting a blank vote there.
function unmarkedBlanks(form, manifest, chosen) {
  const out = [];
  for (const fieldset of contestFieldsets(form)) {
    const id = fieldset.dataset.contest;
    if ((chosen[id] ?? []).length) continue;
    if (fieldset.querySelector('input[value=""]:checked')) continue;
    const contest = manifest.contests.find((c) => c.id === id);
    if (contest && contest.allow_blank !== false) out.push({ contest, fieldset });
  }
  return out;
}

function summarise(target, manifest, chosen, text) {
  const rows = [];
  for (const contest of manifest.contests) {
    if (!(contest.id in chosen)) continue;
    const dt = document.createElement("dt");
    dt.textContent = contest.title;
    const dd = document.createElement("dd");
    dd.dataset.contest = contest.id;
    if (isRanked(contest)) {
      const name = new Map(contest.choices.map((c) => [c.id, c.name]));
      const order = chosen[contest.id].map((id, i) => `${i + 1}. ${name.get(id)}`);
      dd.textContent = order.length ? order.join("  ") : text.no_preferences;
      rows.push(dt, dd);
      continue;
    }
    const names = contest.choices.filter((c) => chosen[contest.id].includes(c.id)).map((c) => c.name);
    dd.textContent = names.length ? names.join(", ") : text.blank;
    rows.push(dt, dd);
  }
  target.replaceChildren(...rows);
}

function ballotPage(form) {
  const data = JSON.parse(document.getElementById("ballot-data").textContent);
  const text = JSON.parse(document.getElementById("ballot-text").textContent);
  const csrf = form.dataset.csrf;
  const status = document.getElementById("ballot-status");
  const progress = document.getElementById("ballot-progress");
  const trackerBox = document.getElementById("tracker-box");
  const trackerOut = document.getElementById("tracker");
  const castButton = document.getElementById("cast");
  const auditButton = document.getElementById("audit");
  const auditResult = document.getElementById("audit-result");
  const blankQuestion = document.getElementById("blank-question");
  let current = null;
  let signingKey = null;
  let busy = false;

  // Back to this page after casting or signing out: never show the choices again.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      form.reset();
      window.location.reload();
    }
  });

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
    document.getElementById("summary").replaceChildren();
  };
  for (const fieldset of contestFieldsets(form)) {
    if (!fieldset.querySelector("[data-ranked]")) continue;
    // A change of ranking is a change of choices, as a ticked box is.
    const changed = () => fieldset.dispatchEvent(new Event("change", { bubbles: true }));
    rankings.set(fieldset, rankedContest(fieldset, text, changed));
  }
  form.addEventListener("change", () => {
    blankQuestion.hidden = true;
    if (current) {
      forget();
      show(status, text.changed);
    }
  });
  form.addEventListener("submit", (event) => event.preventDefault());

  const encrypt = (blankConfirmed) => {
    show(status, "");
    auditResult.hidden = true;
    blankQuestion.hidden = true;
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
    const blanks = unmarkedBlanks(form, data.manifest, chosen);
    if (blanks.length && !blankConfirmed) {
      const list = document.getElementById("blank-contests");
      list.replaceChildren(
        ...blanks.map(({ contest }) => {
          const item = document.createElement("li");
          item.textContent = contest.title;
          return item;
        }),
      );
      blankQuestion.hidden = false;
      document.getElementById("blank-heading").focus();
      return;
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
    summarise(document.getElementById("summary"), data.manifest, chosen, text);
    trackerOut.textContent = current.tracker;
    trackerBox.hidden = false;
    document.getElementById("summary-heading").focus();
  };

  document.getElementById("encrypt").addEventListener("click", () => encrypt(false));
  document.getElementById("blank-yes").addEventListener("click", () => encrypt(true));
  document.getElementById("blank-no").addEventListener("click", () => {
    const blanks = unmarkedBlanks(form, data.manifest, selections(form));
    blankQuestion.hidden = true;
    const first = blanks.length ? blanks[0].fieldset.querySelector("input, button") : null;
    if (first) first.focus();
  });

  auditButton.addEventListener("click", async () => {
    if (!current || busy) return;
    const sent = current;
    forget();
    busy = true;
    progress.textContent = text.auditing;
    // The member asks for this audit, signed: nobody else can have a ballot opened.
    const request = hashFields("tellers/v1/audit-request", [
      hexToBytes(sent.tracker),
      utf8(canonicalJson(sent.reveal)),
    ]);
    const signature = bytesToHex(bip340Sign(signingKey, request));
    let answer;
    let ok = false;
    try {
      ({ ok, data: answer } = await post(
        data.audit_url,
        csrf,
        canonicalJson({ ballot: sent.ballot, reveal: sent.reveal, signature }),
      ));
    } catch {
      answer = { message: text.offline };
    }
    busy = false;
    progress.textContent = "";
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
    document.getElementById("audit-heading").focus();
  });

  if (castButton) {
    castButton.addEventListener("click", async () => {
      if (!current || busy) return;
      busy = true;
      castButton.setAttribute("aria-disabled", "true");
      show(status, "");
      progress.textContent = text.casting;
      let answer;
      let ok = false;
      try {
        ({ ok, data: answer } = await post(data.cast_url, csrf, canonicalJson(current.ballot)));
      } catch {
        // No answer: keep this ballot, so that pressing Cast again sends the same one (the
        // board takes it once; a second copy is refused as a replay).
        busy = false;
        castButton.removeAttribute("aria-disabled");
        progress.textContent = "";
        return show(status, text.offline);
      }
      if (ok && answer.accepted) {
        // Cast: the code has done its work here. Clear it and the choices, end the voting
        // session, and replace this page in the history, so that Back cannot return to it.
        sessionStorage.removeItem(codeKey(data.slug));
        form.reset();
        for (const fieldset of contestFieldsets(form)) rankings.get(fieldset)?.clear();
        forget();
        try {
          await fetch(data.sign_out_url, {
            method: "POST",
            headers: { "X-CSRFToken": csrf },
            credentials: "same-origin",
            redirect: "manual",
          });
        } catch {
          // The cast view ends the session on its own; this request only makes sure of it.
        }
        window.location.replace(answer.receipt_url);
        return;
      }
      busy = false;
      castButton.removeAttribute("aria-disabled");
      progress.textContent = "";
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
