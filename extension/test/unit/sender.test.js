import assert from "node:assert/strict";
import { test } from "node:test";

import { senderKind } from "../../src/lib/sender.js";

const EXTENSION = { id: "abcdefgh", origin: "chrome-extension://abcdefgh/" };
const TAB = { id: 7, url: "http://evil.example/" };

test("the extension's own pages are trusted, in a tab or not", () => {
  assert.equal(senderKind({ id: "abcdefgh", url: "chrome-extension://abcdefgh/popup/popup.html", origin: "chrome-extension://abcdefgh" }, EXTENSION), "extension-page");
  assert.equal(senderKind({ id: "abcdefgh", url: "chrome-extension://abcdefgh/warning/warning.html?url=x", tab: TAB, frameId: 0 }, EXTENSION), "extension-page");
});

test("a content script is a content script, whatever its page's address says", () => {
  assert.equal(senderKind({ id: "abcdefgh", url: "http://evil.example/", origin: "http://evil.example", tab: TAB, frameId: 0 }, EXTENSION), "content-script");
  // A page address that merely starts like the extension's is still the page's origin.
  const lookalike = { id: "abcdefgh", url: "chrome-extension://abcdefgh/x", origin: "http://evil.example", tab: TAB, frameId: 3 };
  assert.equal(senderKind(lookalike, EXTENSION), "content-script");
});

test("other extensions, missing fields and nonsense are strangers", () => {
  for (const sender of [
    undefined,
    {},
    { id: "other", url: "chrome-extension://abcdefgh/popup/popup.html" },
    { id: "abcdefgh" },
    { id: "abcdefgh", url: "chrome-extension://other/popup.html" },
    { id: "abcdefgh", url: "http://evil.example/" }, // no tab: not a content script either
    { id: "abcdefgh", url: "http://evil.example/", tab: TAB }, // no frame
  ]) {
    assert.equal(senderKind(sender, EXTENSION), "stranger", JSON.stringify(sender));
  }
});
