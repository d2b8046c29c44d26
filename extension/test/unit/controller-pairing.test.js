// A token the daemon refuses (401) means the pairing is gone: the toolbar says "not paired"
// and no address goes to the daemon until the person pairs again.

import assert from "node:assert/strict";
import { test } from "node:test";

import { TOOLBAR } from "../../src/lib/toolbar-state.js";
import { PAIRING_CODE } from "./fakes/daemon.js";
import { settle, setUp, until } from "./fakes/setup.js";

const checks = (daemon) => daemon.requests.filter((request) => request === "POST /v1/check").length;

test("a refused token unpairs; nothing is sent until the person pairs again, then the tab is checked", async () => {
  const { browser, clock, daemon, openTab, visit, title, ask } = setUp();
  const tab = await openTab();
  await visit(tab, "https://a.example/");
  await until(() => title(tab) === TOOLBAR.safe.title, "the first verdict");
  daemon.newToken(); // paired again from another browser profile: this one's token is void

  await visit(tab, "https://b.example/");
  await until(() => title(tab) === TOOLBAR.unpaired.title, "the unpaired toolbar");
  assert.equal(browser.privateSettings.values.has("token"), false, "the void token is dropped");
  const sent = checks(daemon);
  await visit(tab, "https://c.example/");
  await settle();
  assert.equal(checks(daemon), sent, "no address sent while unpaired");
  assert.equal(title(tab), TOOLBAR.unpaired.title);
  assert.equal((await ask({ type: "popup-state" })).daemon.paired, false);

  assert.deepEqual(await ask({ type: "pair", code: PAIRING_CODE }), { paired: true });
  await clock.advance(300); // a re-check waits its turn after the tab's last check
  await until(() => title(tab) === TOOLBAR.safe.title, "the tab checked once paired");
  assert.equal(daemon.checked.at(-1), "https://c.example/");
});

test("a 401 for a check sent before the person paired again does not undo the new pairing; the check is made again", async () => {
  const { browser, daemon, openTab, visit, title, ask } = setUp();
  const tab = await openTab();
  daemon.holding = true;
  await visit(tab, "https://a.example/");
  await until(() => daemon.heldCount() === 1, "the check to be under way");
  daemon.holding = false;
  assert.deepEqual(await ask({ type: "pair", code: PAIRING_CODE }), { paired: true }); // the daemon's token changes
  daemon.release(); // the old check now carries a token the daemon no longer takes: 401
  await until(() => daemon.refused === 1, "the old check's refusal");
  await until(() => title(tab) === TOOLBAR.safe.title, "the check, made again with the new token");
  assert.equal(browser.privateSettings.values.get("token"), daemon.token, "the new token is kept");
  assert.equal((await ask({ type: "popup-state" })).daemon.paired, true);
});
