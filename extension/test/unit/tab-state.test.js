import assert from "node:assert/strict";
import { test } from "node:test";

import { checkRequest, initialTab, isFlagged, onCheckFailed, onNewDocument, onSameDocument, onVerdict, onWarningShown } from "../../src/lib/tab-state.js";

const PHISHING = { verdict: "phishing", score: 0.97, reason: "model", domain: "evil.example" };
const SAFE = { verdict: "safe", score: 0.02, reason: "model" };

const loaded = (url) => onNewDocument(initialTab(), url, true);

test("a navigation to a checkable page waits for its verdict", () => {
  const tab = loaded("https://a.example/");
  assert.equal(tab.status, "checking");
  assert.equal(isFlagged(tab), false);
  assert.equal(onNewDocument(tab, "chrome://newtab/", false).status, "idle");
});

test("a phishing verdict flags the document", () => {
  const tab = loaded("https://a.example/");
  const flagged = onVerdict(tab, checkRequest(tab), PHISHING);
  assert.equal(isFlagged(flagged), true);
});

test("a same-document URL change never clears a warning", () => {
  let tab = loaded("https://evil.example/login");
  tab = onVerdict(tab, checkRequest(tab), PHISHING);
  tab = onSameDocument(tab, "https://evil.example/", true);
  assert.equal(isFlagged(tab), true);
  assert.equal(tab.url, "https://evil.example/");
  tab = onVerdict(tab, checkRequest(tab), SAFE);
  assert.equal(isFlagged(tab), true, "a safe verdict for the new URL does not clear it");
  assert.equal(isFlagged(onCheckFailed(tab, checkRequest(tab), "error")), true);
});

test("a same-document URL change can raise a warning", () => {
  let tab = loaded("https://a.example/");
  tab = onVerdict(tab, checkRequest(tab), SAFE);
  tab = onSameDocument(tab, "https://a.example/login", true);
  assert.equal(tab.status, "checking");
  assert.equal(isFlagged(onVerdict(tab, checkRequest(tab), PHISHING)), true);
});

test("a phishing verdict for a URL the document moved away from still flags it", () => {
  let tab = loaded("https://evil.example/login");
  const firstCheck = checkRequest(tab);
  tab = onSameDocument(tab, "https://evil.example/", true); // replaceState before the verdict came
  assert.equal(isFlagged(onVerdict(tab, firstCheck, PHISHING)), true);
  assert.equal(onVerdict(tab, firstCheck, SAFE).status, "checking", "but a safe one for an old URL says nothing");
});

test("a new document starts afresh, and late answers for the old one are ignored", () => {
  let tab = loaded("https://evil.example/login");
  const oldCheck = checkRequest(tab);
  tab = onVerdict(tab, oldCheck, PHISHING);
  tab = onNewDocument(tab, "https://b.example/", true);
  assert.equal(tab.status, "checking");
  assert.deepEqual(onVerdict(tab, oldCheck, PHISHING), tab);
  assert.deepEqual(onCheckFailed(tab, oldCheck, "unreachable"), tab);
});

test("a check that fails is 'could not check', never safe", () => {
  const tab = loaded("https://a.example/");
  assert.equal(onCheckFailed(tab, checkRequest(tab), "error").status, "unchecked");
  assert.equal(onCheckFailed(tab, checkRequest(tab), "unreachable").status, "unreachable");
});

test("the warning page is a flagged document of its own", () => {
  const tab = onWarningShown(loaded("https://evil.example/"), "chrome-extension://x/warning/warning.html", PHISHING);
  assert.equal(isFlagged(tab), true);
  assert.equal(tab.document, 2);
});
