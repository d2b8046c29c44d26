import assert from "node:assert/strict";
import { test } from "node:test";

import { TOOLBAR, toolbarState } from "../../src/lib/toolbar-state.js";

const UP = { reachable: true, enabled: true, paired: true, genuine: true };

test("each state has its own look", () => {
  const badges = Object.values(TOOLBAR).map((look) => `${look.badge}|${look.title}`);
  assert.equal(new Set(badges).size, badges.length);
});

test("a warning outranks everything", () => {
  assert.equal(toolbarState({ status: "phishing" }, { reachable: false, enabled: false, paired: false, genuine: false }), "warning");
});

test("daemon down, not paired, not the daemon, could not check, protection off, checked safe", () => {
  assert.equal(toolbarState({ status: "unreachable" }, UP), "unreachable");
  assert.equal(toolbarState({ status: "idle" }, { ...UP, reachable: false }), "unreachable");
  assert.equal(toolbarState({ status: "unchecked" }, { ...UP, paired: false }), "unpaired");
  assert.equal(toolbarState({ status: "unchecked" }, { ...UP, genuine: false }), "impostor");
  assert.equal(toolbarState({ status: "unchecked" }, UP), "unchecked");
  assert.equal(toolbarState({ status: "skipped" }, { ...UP, enabled: false }), "off");
  assert.equal(toolbarState({ status: "safe" }, UP), "safe");
  assert.equal(toolbarState({ status: "idle" }, UP), "idle");
});

test("a skipped page says why it was not checked, and a suspicious one asks for care", () => {
  assert.equal(toolbarState({ status: "skipped", verdict: { reason: "user-allowlist" } }, UP), "trusted");
  assert.equal(toolbarState({ status: "skipped", verdict: { reason: "known-good" } }, UP), "popular");
  assert.equal(toolbarState({ status: "skipped", verdict: { reason: "not-web" } }, UP), "idle");
  assert.equal(toolbarState({ status: "suspicious", verdict: { reason: "model" } }, UP), "suspicious");
  for (const look of [TOOLBAR.trusted, TOOLBAR.popular]) assert.match(look.title, /not checked/);
});
