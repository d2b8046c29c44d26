// Emits dist/chrome and dist/firefox from one source tree; only the manifest differs, and
// each gets the version from its one source. `node build.mjs --out DIR` writes DIR/chrome and
// DIR/firefox instead (the installer's copy). It needs no npm package, only Node.js.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { projectVersion } from "./project-version.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const outAt = process.argv.indexOf("--out");
if (outAt !== -1 && !process.argv[outAt + 1]) throw new Error("--out needs a folder");
const outRoot = outAt === -1 ? join(here, "dist") : resolve(process.argv[outAt + 1]);
const manifest = { ...JSON.parse(readFileSync(join(here, "src", "manifest.json"), "utf8")), version: projectVersion() };

const BROWSERS = {
  chrome: {
    background: { service_worker: "background.js", type: "module" },
    minimum_chrome_version: "116",
  },
  firefox: {
    background: { scripts: ["background.js"], type: "module" },
    browser_specific_settings: {
      gecko: { id: "baitwatch@baitwatch.org", strict_min_version: "142.0", data_collection_permissions: { required: ["none"] } },
    },
  },
};

for (const [browser, extra] of Object.entries(BROWSERS)) {
  const out = join(outRoot, browser);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(join(here, "src"), out, { recursive: true, filter: (path) => !path.endsWith("manifest.json") });
  writeFileSync(join(out, "manifest.json"), JSON.stringify({ ...manifest, ...extra }, null, 2) + "\n");
  console.log(`built ${out}`);
}
