// The roll upload's progress indicator (officer/roll_views.py). Without this script the
// form posts as any form does; with it, the same POST goes by XMLHttpRequest so that the
// page can show the bytes sent, then the members checked, polled from the progress URL.
function start(form) {
  const box = document.getElementById("roll-progress");
  const bar = document.getElementById("roll-progress-bar");
  const text = document.getElementById("roll-progress-text");
  if (!box || !bar || !text) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    let polling = null;
    const show = (done, total, words) => {
      box.hidden = false;
      if (total > 0) { bar.max = total; bar.value = done; } else { bar.removeAttribute("value"); }
      text.textContent = words;
    };
    const poll = async () => {
      try {
        const answer = await fetch(form.dataset.progress, { credentials: "same-origin" });
        const p = await answer.json();
        if (p.phase === "uploading") return;
        const rows = p.rows.toLocaleString();
        show(p.bytes, p.size, `${p.phase_text}: ${rows}`);
      } catch (_) { /* the next poll will tell */ }
    };
    xhr.upload.addEventListener("progress", (e) => {
      const mb = (n) => (n / 1048576).toFixed(1);
      show(e.loaded, e.lengthComputable ? e.total : 0, `${mb(e.loaded)} MB`);
      if (e.lengthComputable && e.loaded === e.total && polling === null) {
        polling = setInterval(poll, 1000);
      }
    });
    xhr.addEventListener("loadend", () => {
      if (polling !== null) clearInterval(polling);
      if (xhr.status === 200 && xhr.responseURL && xhr.responseURL !== form.action) {
        window.location.assign(xhr.responseURL); // redirected to the report
        return;
      }
      const page = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
      const main = page.querySelector("main");
      if (main) {
        document.querySelector("main").replaceWith(main);
        const again = document.getElementById("roll-form");
        if (again) start(again);
      } else {
        form.submit();
      }
    });
    xhr.open("POST", form.action || window.location.href);
    xhr.send(new FormData(form));
  });
}

const form = document.getElementById("roll-form");
if (form) start(form);
