// While the daemon is down the controller asks it again with growing delays, tells the
// person once that protection is off, and checks the tabs it missed once the daemon is back.

import assert from "node:assert/strict";
import { test } from "node:test";

import { NOTICE_ID } from "../../src/controller/unreachable-notification.js";
import { TOOLBAR } from "../../src/lib/toolbar-state.js";
import { NOTICE_AFTER_MS } from "../../src/lib/unreachable-notice.js";
import { settle, setUp, until } from "./fakes/setup.js";

const probes = (daemon) => daemon.requests.filter((request) => request === "GET /v1/status").length;

test("a daemon that stays down is probed with growing delays and told once; when back, the missed tab is checked", async () => {
  const { browser, clock, daemon, openTab, visit, title } = setUp();
  daemon.up = false;
  const tab = await openTab();
  await visit(tab, "https://a.example/");
  await until(() => title(tab) === TOOLBAR.unreachable.title, "the unreachable toolbar");

  const probedAt = [];
  for (let ms = 0; ms < 16000; ms += 500) {
    const before = probes(daemon);
    await clock.advance(500);
    await settle();
    if (probes(daemon) > before) probedAt.push(clock.now());
  }
  assert.deepEqual(probedAt, [1000, 3000, 7000, 15000], "1, 2, 4 and 8 s apart: one chain of retries");
  for (const url of ["https://b.example/", "https://c.example/"]) await visit(await openTab(), url); // more pages fail
  await clock.advance(NOTICE_AFTER_MS);
  await settle();
  assert.equal(browser.notifications.created, 1, "told once, not once per page");
  assert.ok(browser.notifications.shown.has(NOTICE_ID));

  daemon.up = true;
  await clock.advance(16000); // the next probe finds it
  await until(() => title(tab) === TOOLBAR.safe.title, "the missed tab checked");
  assert.equal(browser.notifications.shown.size, 0, "the notice goes: it is no longer true");
});

test("a daemon back before the next probe still gets the missed tabs checked, when another page's check finds it", async () => {
  const { clock, daemon, openTab, visit, title } = setUp();
  daemon.up = false;
  const missed = await openTab();
  await visit(missed, "https://a.example/");
  await until(() => title(missed) === TOOLBAR.unreachable.title, "the unreachable toolbar");
  daemon.up = true;
  const other = await openTab();
  await visit(other, "https://b.example/");
  await until(() => title(other) === TOOLBAR.safe.title, "the other page's verdict");
  await clock.advance(60000);
  await until(() => title(missed) === TOOLBAR.safe.title, "the missed tab checked");
});
