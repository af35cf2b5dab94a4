// Entry point of the browser bundle (src/tellers/web/static/tellers/tellers.js).
//
// Pages load it with <script type="module">; it exports the crypto, credential
// and ballot modules and, in a browser, wires the member's pages and marks the
// document so pages and tests can tell it loaded.

export * from "./crypto.js";
export * from "./credentials.js";
export * from "./ballot.js";
export * from "./fingerprint.js";
import { wirePages } from "./pages.js";

if (typeof document !== "undefined") {
  wirePages(document);
  document.documentElement.dataset.tellersCrypto = "ready";
}
