// baitwatch's version is written in one place, daemon/baitwatch/__init__.py (the Python
// package reads it from there too); the build writes it into each browser's manifest.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const VERSION_FILE = join(dirname(fileURLToPath(import.meta.url)), "..", "daemon", "baitwatch", "__init__.py");

// A manifest version is one to four dot-separated numbers, so nothing else is accepted.
export function projectVersion(source = readFileSync(VERSION_FILE, "utf8")) {
  const match = /^__version__ = "(\d+(?:\.\d+){0,3})"$/m.exec(source);
  if (!match) throw new Error(`no __version__ = "X.Y.Z" line in ${VERSION_FILE}`);
  return match[1];
}
