// Entry point of the browser bundle (src/tellers/web/static/tellers/tellers.js).
//
// Pages load it with <script type="module">; it exports the crypto module and,
// in a browser, marks the document so pages and tests can tell it loaded.

export * from "./crypto.js";

if (typeof document !== "undefined") {
  document.documentElement.dataset.tellersCrypto = "ready";
}
