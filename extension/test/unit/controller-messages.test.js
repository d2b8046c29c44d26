// Who may ask the background for what: the extension's pages for anything, a content script
// (inside a page that may be hostile) only for its page's banner, anyone else for nothing.
// And the warning page's requests: Continue keeps a reminder on the site, in that tab only.

import assert from "node:assert/strict";
import { test } from "node:test";

import { TOOLBAR } from "../../src/lib/toolbar-state.js";
import { EXTENSION } from "./fakes/browser.js";
import { PAIRING_CODE, phishing } from "./fakes/daemon.js";
import { contentScriptIn, setUp, until, warningPageIn, warningUrl } from "./fakes/setup.js";

const EVIL = "http://account-verify-center.example/login";
const REFUSED = { error: "baitwatch does not accept this request from here." };
const PRIVILEGED = [
  { type: "set-port", port: 1234 },
  { type: "pair", code: PAIRING_CODE },
  { type: "set-enabled", enabled: false },
  { type: "continue", trust: true },
  { type: "trust-site" },
  { type: "report" },
  { type: "popup-state" },
  { type: "get-port" },
];

test("a content script may only say hello; what it asks beyond that is refused and has no effect", async () => {
  const { browser, daemon, openTab, visit, ask } = setUp();
  const tab = await openTab();
  await visit(tab, EVIL);
  for (const message of PRIVILEGED) assert.deepEqual(await ask(message, contentScriptIn(tab, EVIL)), REFUSED, message.type);
  assert.equal(browser.privateSettings.values.has("daemonPort"), false);
  assert.equal(daemon.enabled, true);
  assert.deepEqual(daemon.allowlist, []);
  assert.deepEqual(await ask({ type: "hello" }, contentScriptIn(tab, EVIL)), { reminder: null, notice: null });
});

test("other extensions, senders without a tab and messages without a type are refused", async () => {
  const { openTab, ask } = setUp();
  const tab = await openTab();
  const strangers = [
    { id: "another-extension", url: `${EXTENSION.origin}popup/popup.html` },
    { id: EXTENSION.id, url: "https://a.example/" },
    undefined,
  ];
  for (const sender of strangers) assert.deepEqual(await ask({ type: "hello" }, sender), REFUSED);
  for (const message of [null, {}, { type: 7 }, { type: "toString" }]) assert.deepEqual(await ask(message), REFUSED);
  assert.deepEqual(await ask({ type: "set-port", port: 1234 }, warningPageIn(tab, EVIL)), { port: 1234 }, "an extension page may");
});

test("Continue returns to the flagged site with a reminder in that tab, and Back to safety leaves", async () => {
  const { browser, daemon, openTab, visit, readPage, title, ask } = setUp();
  daemon.answers.set(EVIL, phishing(EVIL));
  const tab = await openTab();
  await visit(tab, EVIL);
  await until(() => daemon.checked.length === 1, "the check");
  await readPage(tab, EVIL); // a sign-in form: the warning held for the page shows
  await until(() => browser.sent.length === 1, "the warning");
  await visit(tab, warningUrl(EVIL)); // the warning page arrives
  assert.equal(title(tab), TOOLBAR.warning.title);
  const details = await ask({ type: "warning-details", url: EVIL }, warningPageIn(tab, EVIL));
  assert.deepEqual([details.flagged, details.url, details.site], [true, EVIL, "account-verify-center.example"]);

  assert.deepEqual(await ask({ type: "continue", trust: false }, warningPageIn(tab, EVIL)), {});
  assert.deepEqual(browser.sent.at(-1), [tab, EVIL]);
  await visit(tab, EVIL);
  await readPage(tab, EVIL);
  await until(() => browser.reminders.includes(tab), "the reminder");
  assert.equal(browser.sent.length, 2, "no second warning in this tab");
  assert.match((await ask({ type: "hello" }, contentScriptIn(tab, EVIL))).reminder, /may be a phishing site/);
  assert.deepEqual(daemon.allowlist, [], "continuing trusts nothing");

  const other = await openTab();
  await visit(other, EVIL);
  await readPage(other, EVIL);
  await until(() => browser.sent.length === 3, "the warning in another tab");
  await visit(other, warningUrl(EVIL));
  assert.deepEqual(await ask({ type: "back-to-safety" }, warningPageIn(other, EVIL)), {});
  assert.deepEqual(browser.sent.at(-1), [other, "chrome://newtab/"]);
});
