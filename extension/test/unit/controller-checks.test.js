// The controller checks each page with the daemon and paints the answer on the tab that
// asked, and only while that tab still shows the page that was checked.

import assert from "node:assert/strict";
import { test } from "node:test";

import { TOOLBAR } from "../../src/lib/toolbar-state.js";
import { PAGE_WAIT_MS } from "../../src/controller/page-evidence.js";
import { phishing } from "./fakes/daemon.js";
import { POPUP, settle, setUp, until, warningUrl } from "./fakes/setup.js";

const EVIL = "http://account-verify-center.example/login";
const GOOD = "https://news.example/";

test("each tab is painted with its own verdict, and a flagged tab goes to the warning page", async () => {
  const { browser, clock, daemon, openTab, visit, title } = setUp();
  daemon.answers.set(EVIL, phishing(EVIL));
  const [evilTab, goodTab] = [await openTab(), await openTab()];
  await Promise.all([visit(evilTab, EVIL), visit(goodTab, GOOD)]);
  await until(() => title(goodTab) === TOOLBAR.safe.title, "the safe verdict");
  await clock.advance(PAGE_WAIT_MS); // the model flagged it, and no page came in time: the warning shows
  await until(() => title(evilTab) === TOOLBAR.warning.title && title(goodTab) === TOOLBAR.safe.title, "both verdicts");
  assert.deepEqual(browser.sent, [[evilTab, warningUrl(EVIL)]]);
});

for (const [how, answer] of [["a phishing verdict", phishing(EVIL)], ["an error", 500]]) {
  test(`${how} for a page the tab has left is not painted on the page it shows now`, async () => {
    const { browser, daemon, openTab, visit, title } = setUp();
    daemon.answers.set(EVIL, answer);
    const tab = await openTab();
    daemon.holding = true;
    await visit(tab, EVIL);
    await until(() => daemon.heldCount() === 1, "the check to be under way");
    daemon.holding = false;
    await visit(tab, GOOD);
    await until(() => title(tab) === TOOLBAR.safe.title, "the new page's verdict");
    daemon.release();
    await until(() => daemon.checked.length === 2, "the old page's answer");
    await settle();
    assert.equal(title(tab), TOOLBAR.safe.title);
    assert.deepEqual(browser.sent, [], "no warning for a page the tab has left");
  });

  test(`${how} that comes after its tab closed neither paints the tab nor brings it back`, async () => {
    const { browser, daemon, openTab, visit, closeTab, ask } = setUp();
    daemon.answers.set(EVIL, answer);
    const tab = await openTab();
    daemon.holding = true;
    await visit(tab, EVIL);
    await until(() => daemon.heldCount() === 1, "the check to be under way");
    await closeTab(tab);
    daemon.release();
    await until(() => daemon.checked.length === 1, "the answer");
    await settle();
    await ask({ type: "set-enabled", enabled: true }, POPUP); // repaints every tab the controller knows
    assert.deepEqual(browser.paintedClosed, []);
    assert.deepEqual(browser.sent, []);
  });
}

test("checks that end together are each counted, and so are the warnings they raise", async () => {
  const { clock, daemon, openTab, visit, ask } = setUp();
  const urls = ["a", "b", "c", "d", "e"].map((name) => `https://${name}.example/`);
  for (const url of urls.slice(0, 3)) daemon.answers.set(url, phishing(url));
  const tabs = await Promise.all(urls.map(() => openTab()));
  daemon.holding = true;
  await Promise.all(urls.map((url, i) => visit(tabs[i], url)));
  await until(() => daemon.heldCount() === urls.length, "every check to be under way");
  daemon.release();
  await until(() => daemon.checked.length === urls.length, "every answer");
  await settle();
  await clock.advance(PAGE_WAIT_MS);
  await settle();
  const { checked, warnings } = await ask({ type: "popup-state" });
  assert.deepEqual({ checked, warnings }, { checked: 5, warnings: 3 });
});

test("a page held by beforeunload gets the warning in a new tab in its place", async () => {
  const { browser, clock, daemon, openTab, visit } = setUp();
  daemon.answers.set(EVIL, phishing(EVIL));
  const tab = await openTab();
  await visit(tab, EVIL);
  await until(() => daemon.checked.length === 1, "the check");
  await settle();
  await clock.advance(PAGE_WAIT_MS);
  await until(() => browser.sent.length === 1, "the warning");
  await clock.advance(1500); // the tab never reached the warning page
  await until(() => !browser.isOpen(tab), "the held tab to close");
  const [replacement] = await browser.tabs.query({});
  assert.equal(replacement.url, warningUrl(EVIL));
});
