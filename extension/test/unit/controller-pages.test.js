// What a page shows weighs beside its address: the controller asks the page's script to send
// its page only where the daemon scores the address, holds the warning of an address the
// model flagged until the page has been read, and lets a page raise a verdict at any time.

import assert from "node:assert/strict";
import { test } from "node:test";

import { PAGE_WAIT_MS } from "../../src/controller/page-evidence.js";
import { TOOLBAR } from "../../src/lib/toolbar-state.js";
import { pageAsksNothing, pageImitates, phishing } from "./fakes/daemon.js";
import { contentScriptIn, settle, setUp, until, warningUrl } from "./fakes/setup.js";

const FLAGGED = "https://weekend-recipes-blog.example/";
const PLAIN = "https://new-shop-name.example/";

test("an address the model flagged whose page asks for nothing gets the calm notice, not the warning", async () => {
  const { browser, clock, daemon, openTab, visit, readPage, title } = setUp();
  daemon.answers.set(FLAGGED, phishing(FLAGGED));
  daemon.pageAnswers.set(FLAGGED, pageAsksNothing(FLAGGED));
  const tab = await openTab();
  await visit(tab, FLAGGED);
  await until(() => daemon.checked.length === 1, "the address's check");
  await settle();
  assert.deepEqual(browser.sent, [], "the warning waits for the page");
  assert.equal(await readPage(tab, FLAGGED, "<p>My recipes</p>"), true);
  await until(() => title(tab) === TOOLBAR.suspicious.title, "the notice");
  await clock.advance(PAGE_WAIT_MS);
  await settle();
  assert.deepEqual(browser.sent, [], "and never comes");
  assert.deepEqual(daemon.pagesRead, [[FLAGGED, "<p>My recipes</p>"]]);
});

test("the held warning shows when the page asks for a password, or when no page comes in time", async () => {
  const { browser, clock, daemon, openTab, visit, readPage } = setUp();
  daemon.answers.set(FLAGGED, phishing(FLAGGED));
  const tab = await openTab();
  await visit(tab, FLAGGED);
  await until(() => daemon.checked.length === 1, "the address's check");
  await readPage(tab, FLAGGED);
  await until(() => browser.sent.length === 1, "the warning");
  const other = await openTab();
  await visit(other, FLAGGED);
  await settle();
  assert.equal(browser.sent.length, 1);
  await clock.advance(PAGE_WAIT_MS); // a page that never answers is no reason to stay quiet
  await until(() => browser.sent.length === 2, "the warning without a page");
  assert.deepEqual(browser.sent[1], [other, warningUrl(FLAGGED)]);
});

test("a page the address did not give away raises the warning, in the top frame or a sub-frame", async () => {
  const { browser, daemon, openTab, visit, readPage, title } = setUp();
  daemon.pageAnswers.set(PLAIN, pageImitates(PLAIN, "paypal.com"));
  const tab = await openTab();
  await visit(tab, PLAIN);
  await until(() => title(tab) === TOOLBAR.safe.title, "the address's verdict");
  await readPage(tab, PLAIN);
  await until(() => browser.sent.length === 1, "the warning");
  assert.deepEqual(browser.sent[0], [tab, warningUrl(PLAIN)]);

  const framed = "https://cdn-forms.example/embed";
  daemon.pageAnswers.set(framed, pageImitates(framed, "microsoft.com"));
  const host = await openTab();
  await visit(host, "https://blog.example/post");
  await until(() => title(host) === TOOLBAR.safe.title, "the host page's verdict");
  await readPage(host, framed, "<form><input type=password></form>", 3);
  await until(() => browser.sent.length === 2 && title(host) === TOOLBAR.warning.title, "the warning for the framed page");
  assert.deepEqual(browser.sent[1], [host, warningUrl(framed)]);
});

test("a page whose address is skipped is never read, and a lookalike is warned at once", async () => {
  const { browser, daemon, openTab, visit, readPage } = setUp();
  const popular = "https://www.popular.example/";
  daemon.answers.set(popular, { url: popular, verdict: "skipped", reason: "known-good", domain: "popular.example" });
  const tab = await openTab();
  await visit(tab, popular);
  assert.equal(await readPage(tab, popular), false);
  assert.deepEqual(daemon.pagesRead, []);

  const lookalike = "https://paypa1.example/";
  daemon.answers.set(lookalike, { ...phishing(lookalike), reason: "lookalike", imitates: "paypal.com", score: null });
  const other = await openTab();
  await visit(other, lookalike);
  await until(() => browser.sent.length === 1, "the lookalike's warning, with no page to wait for");
});

test("a page's copy from a document the tab has left changes nothing", async () => {
  const { browser, daemon, openTab, visit, readPage, title } = setUp();
  daemon.pageAnswers.set(PLAIN, pageImitates(PLAIN, "paypal.com"));
  const tab = await openTab();
  await visit(tab, PLAIN);
  await visit(tab, "https://elsewhere.example/");
  await until(() => title(tab) === TOOLBAR.safe.title, "the new page's verdict");
  await readPage(tab, PLAIN);
  await settle();
  assert.deepEqual(browser.sent, []);
  assert.deepEqual(daemon.pagesRead, [], "not even sent to the daemon");
});

test("This is phishing reports the front tab's page, of any verdict, and checks it again at once", async () => {
  const { browser, clock, daemon, openTab, visit, ask, title } = setUp();
  const tab = await openTab();
  browser.front = tab;
  await visit(tab, PLAIN);
  await until(() => title(tab) === TOOLBAR.safe.title, "the safe verdict");
  const checks = daemon.checked.length;
  assert.deepEqual(await ask({ type: "report-phishing" }), {});
  assert.deepEqual(daemon.feedback, [[PLAIN, "phishing"]]);
  await clock.advance(300); // a re-check waits its turn after the tab's last check
  await until(() => daemon.checked.length === checks + 1, "the check that follows the report");
  const blank = await openTab();
  browser.front = blank;
  await visit(blank, "about:blank");
  assert.match((await ask({ type: "report-phishing" })).error, /no web page in this tab/);
});

test("a flagged page that keeps changing its address cannot put its warning off", async () => {
  const { browser, clock, daemon, openTab, visit, controller } = setUp();
  daemon.answers.set(FLAGGED, phishing(FLAGGED));
  const tab = await openTab();
  await visit(tab, FLAGGED);
  await until(() => daemon.checked.length === 1, "the address's check");
  for (let step = 1; step <= 3; step += 1) {
    await clock.advance(PAGE_WAIT_MS - 1000);
    const moved = `${FLAGGED}#step${step}`;
    daemon.answers.set(moved, phishing(moved));
    await controller.onSameDocument({ tabId: tab, frameId: 0, url: moved });
    await clock.advance(300); // the re-check's turn
    await settle();
  }
  await until(() => browser.sent.length === 1, "the warning, once its one wait is over");
});

test("a copy that names another document than the tab's is not taken for it", async () => {
  const { browser, clock, daemon, openTab, visit, ask, title } = setUp();
  daemon.answers.set(FLAGGED, phishing(FLAGGED));
  daemon.pageAnswers.set(FLAGGED, pageAsksNothing(FLAGGED));
  const tab = await openTab();
  await visit(tab, FLAGGED);
  await until(() => daemon.checked.length === 1, "the address's check");
  await ask({ type: "page-evidence", document: 0, html: "<p>an older page</p>" }, contentScriptIn(tab, FLAGGED));
  await clock.advance(PAGE_WAIT_MS);
  await until(() => browser.sent.length === 1, "the warning: no answer for this document came");
  assert.notEqual(title(tab), TOOLBAR.suspicious.title);
  assert.deepEqual(daemon.pagesRead, [], "not even sent to the daemon");
});
