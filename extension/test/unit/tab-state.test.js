import assert from "node:assert/strict";
import { test } from "node:test";

import { initialTab, onDismiss, onNavigate, onUnreachable, onVerdict, showsBanner } from "../../src/lib/tab-state.js";

const PHISHING = { verdict: "phishing", score: 0.97, reason: "model" };
const SAFE = { verdict: "safe", score: 0.02, reason: "model" };

test("a navigation to a checkable page waits for its verdict", () => {
  const tab = onNavigate(initialTab(), "https://a.example/", true);
  assert.equal(tab.status, "checking");
  assert.equal(showsBanner(tab), false);
  assert.equal(onNavigate(tab, "chrome://newtab/", false).status, "idle");
});

test("a phishing verdict shows the banner until dismissed", () => {
  let tab = onVerdict(onNavigate(initialTab(), "https://a.example/", true), "https://a.example/", PHISHING);
  assert.equal(tab.status, "phishing");
  assert.equal(showsBanner(tab), true);
  tab = onDismiss(tab);
  assert.equal(showsBanner(tab), false);
  assert.equal(tab.status, "phishing");
});

test("a late verdict for a page the tab already left is ignored", () => {
  const moved = onNavigate(onNavigate(initialTab(), "https://a.example/", true), "https://b.example/", true);
  assert.deepEqual(onVerdict(moved, "https://a.example/", PHISHING), moved);
  assert.deepEqual(onUnreachable(moved, "https://a.example/"), moved);
  assert.equal(onVerdict(moved, "https://b.example/", SAFE).status, "safe");
});

test("a new navigation forgets the dismissal and the old verdict", () => {
  const dismissed = onDismiss(onVerdict(onNavigate(initialTab(), "https://a.example/", true), "https://a.example/", PHISHING));
  const next = onNavigate(dismissed, "https://a.example/", true);
  assert.equal(next.dismissed, false);
  assert.equal(next.verdict, null);
});

test("an unreachable daemon leaves the page unchecked, never warned", () => {
  const tab = onUnreachable(onNavigate(initialTab(), "https://a.example/", true), "https://a.example/");
  assert.equal(tab.status, "unreachable");
  assert.equal(showsBanner(tab), false);
});
