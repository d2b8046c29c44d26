import assert from "node:assert/strict";
import { test } from "node:test";

import { initialNotice, NOTICE_AFTER_MS, onNotified, onReachable, onUnreachable, shouldNotify } from "../../src/lib/unreachable-notice.js";

// The notice after a run of failed attempts at the given times, notifying when it should;
// returns the final state and the times at which it notified.
function run(events) {
  let notice = initialNotice();
  const shownAt = [];
  for (const [kind, now] of events) {
    if (kind === "up") {
      notice = onReachable(notice);
      continue;
    }
    notice = onUnreachable(notice, now);
    if (shouldNotify(notice, now)) {
      notice = onNotified(notice);
      shownAt.push(now);
    }
  }
  return { notice, shownAt };
}

test("a blip shorter than the wait never notifies", () => {
  const { shownAt } = run([["down", 0], ["down", 1000], ["down", NOTICE_AFTER_MS - 1], ["up"], ["down", NOTICE_AFTER_MS + 5000]]);
  assert.deepEqual(shownAt, []);
});

test("a daemon that stays down is told once, however many pages fail after that", () => {
  const later = Array.from({ length: 20 }, (_, i) => ["down", NOTICE_AFTER_MS + 1000 * i]);
  const { shownAt } = run([["down", 0], ["down", 3000], ...later]);
  assert.deepEqual(shownAt, [NOTICE_AFTER_MS]);
});

test("after the daemon was reachable again, the next outage is told again", () => {
  const { shownAt } = run([["down", 0], ["down", NOTICE_AFTER_MS], ["up"], ["down", 50000], ["down", 50000 + NOTICE_AFTER_MS]]);
  assert.deepEqual(shownAt, [NOTICE_AFTER_MS, 50000 + NOTICE_AFTER_MS]);
});

test("state that does not change is returned as is, so the background stores nothing on every answer", () => {
  const calm = initialNotice();
  assert.equal(onReachable(calm), calm);
  const down = onUnreachable(calm, 5);
  assert.equal(onUnreachable(down, 9), down);
  assert.equal(down.downSince, 5, "the outage started at the first failure");
});
