import assert from "node:assert/strict";
import { test } from "node:test";

import { welcomeSteps } from "../../src/lib/welcome-steps.js";

const READY = { reachable: true, paired: true, genuine: true, enabled: true };

test("everything in place: every step done, and the page turns green", () => {
  assert.deepEqual(welcomeSteps(READY), { steps: { daemon: "done", pair: "done", protection: "done" }, ready: true });
});

test("daemon down: starting it is the next step, and pairing waits for it", () => {
  const { steps, ready } = welcomeSteps({ ...READY, reachable: false, paired: false });
  assert.deepEqual(steps, { daemon: "todo", pair: "waiting", protection: "waiting" });
  assert.equal(ready, false);
});

test("daemon down after pairing: pairing stays done, protection is not ready", () => {
  const { steps, ready } = welcomeSteps({ ...READY, reachable: false });
  assert.deepEqual(steps, { daemon: "todo", pair: "done", protection: "waiting" });
  assert.equal(ready, false);
});

test("daemon up, not paired: pairing is the next step", () => {
  const { steps, ready } = welcomeSteps({ ...READY, paired: false, genuine: true });
  assert.deepEqual(steps, { daemon: "done", pair: "todo", protection: "waiting" });
  assert.equal(ready, false);
});

test("another program on the daemon's port is never taken for the daemon", () => {
  const { steps, ready } = welcomeSteps({ ...READY, genuine: false });
  assert.deepEqual(steps, { daemon: "impostor", pair: "done", protection: "waiting" });
  assert.equal(ready, false);
});

test("protection switched off: turning it on is the next step", () => {
  const { steps, ready } = welcomeSteps({ ...READY, enabled: false });
  assert.deepEqual(steps, { daemon: "done", pair: "done", protection: "todo" });
  assert.equal(ready, false);
});
