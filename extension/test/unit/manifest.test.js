import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { projectVersion } from "../../project-version.mjs";

const EXTENSION = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const readJson = (...path) => JSON.parse(readFileSync(join(EXTENSION, ...path), "utf8"));

test("the version is written only in daemon/baitwatch/__init__.py, so it cannot drift", () => {
  assert.match(projectVersion(), /^\d+\.\d+\.\d+$/);
  assert.equal(readJson("src", "manifest.json").version, undefined, "src/manifest.json has no version of its own");
  assert.equal(readJson("package.json").version, undefined, "package.json has no version of its own");
  const lock = readJson("package-lock.json");
  assert.equal(lock.version ?? lock.packages[""].version, undefined, "package-lock.json has no version of its own");
});

test("a version line the browsers would refuse is an error, not a broken manifest", () => {
  assert.equal(projectVersion('import os\n__version__ = "1.2.3"\n'), "1.2.3");
  assert.throws(() => projectVersion('__version__ = "1.2.3rc1"\n'), /no __version__/);
  assert.throws(() => projectVersion("VERSION = '1.2.3'\n"), /no __version__/);
});

// The size a PNG says it has, from its IHDR chunk.
function pngSize(path) {
  const png = readFileSync(path);
  assert.equal(png.toString("ascii", 12, 16), "IHDR", `${path} is a PNG`);
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

test("every icon the manifest names exists at the size it is declared for", () => {
  const manifest = readJson("src", "manifest.json");
  assert.deepEqual(Object.keys(manifest.icons), ["16", "32", "48", "128"]);
  for (const icons of [manifest.icons, manifest.action.default_icon]) {
    for (const [size, path] of Object.entries(icons)) {
      assert.deepEqual(pngSize(join(EXTENSION, "src", path)), [Number(size), Number(size)], path);
    }
  }
});
