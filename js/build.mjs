// Bundle js/src/index.js into the Django static tree (run by scripts/setup-test-env).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const outfile = path.join(here, "..", "src", "tellers", "web", "static", "tellers", "tellers.js");

await build({
  entryPoints: [path.join(here, "src", "index.js")],
  bundle: true,
  format: "esm",
  target: ["es2020"],
  minify: true,
  sourcemap: false,
  legalComments: "eof",
  outfile,
  logLevel: "warning",
});
console.log(`built ${path.relative(process.cwd(), outfile)}`);
