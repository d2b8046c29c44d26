// Your reports protect at once, in real Chromium with the real daemon: This is phishing on a
// page that was let through warns on the next visit; This is not phishing on a flagged page
// stops the warning; withdrawing the report on the options page brings it back. Learn from my
// reports runs the daemon's retrain from the popup, while pages are still checked, and says
// how it ended.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import {
  ARTIFACTS, Daemon, expectWarningPage, extensionPage, freePort, openPopup, openTab, pairedBrowser, startWebServer, stopAll, toolbarTitle,
  waitFor,
} from "./harness.js";

const QUIET_HOST = "oakwoodlibrary.org"; // the model lets it through
const FLAGGED_HOST = "quiet-recipes-corner.xyz"; // the model flags it
const BLOG = `<!doctype html><title>Oakwood library notes</title><h1>Notes from the library</h1>
  <p>${"This week the reading group met on Tuesday to talk about the new books that arrived. ".repeat(4)}</p>`;

let daemon;
let web;
let browser;
let quiet;
let flagged;

before(async () => {
  daemon = new Daemon(await freePort());
  await daemon.start();
  web = await startWebServer({ "/blog": BLOG });
  const port = web.address().port;
  quiet = `http://${QUIET_HOST}:${port}/blog`;
  flagged = `http://${FLAGGED_HOST}:${port}/signin/verify.php?session=update`; // the harness's sign-in form
  browser = await pairedBrowser(daemon, [QUIET_HOST, FLAGGED_HOST]);
});

after(() => stopAll({ browser, web, daemon }));

test("a page that was let through, reported as phishing, is warned about on the next visit", async () => {
  const page = await openTab(browser, quiet);
  await waitFor(async () => /no sign of phishing/.test(await toolbarTitle(browser.worker, page)), { what: "the safe verdict" });
  const popup = await openPopup(browser, page);
  await popup.click("#report-phishing");
  await waitFor(() => popup.textContent("#message").then((text) => /Reported as phishing/.test(text)), { what: "the report" });
  await popup.close();
  await expectWarningPage(browser, page); // this tab is checked again at once
  const again = await openTab(browser, quiet);
  await expectWarningPage(browser, again);
  await again.waitForFunction(() => document.getElementById("why")?.textContent !== "");
  assert.match(await again.textContent("#why"), /^You reported this site as phishing\./);
  await Promise.all([page.close(), again.close()]);
});

test("a flagged page reported as not phishing is not warned about again, until the report is withdrawn", async () => {
  const page = await openTab(browser, flagged);
  await expectWarningPage(browser, page);
  const popup = await openPopup(browser, page);
  await popup.click("#report");
  await popup.close();
  await waitFor(() => page.url() === flagged, { what: "the tab back on the page" });
  const again = await openTab(browser, flagged);
  await waitFor(async () => /no sign of phishing/.test(await toolbarTitle(browser.worker, again)), { what: "no warning" });
  assert.equal(again.url(), flagged);

  const options = await extensionPage(browser, "options/options.html");
  const withdraw = options.getByRole("button", { name: `Withdraw ${FLAGGED_HOST}: not phishing` });
  await withdraw.click();
  await waitFor(() => options.getByRole("button", { name: `Withdraw ${FLAGGED_HOST}: not phishing` }).count().then((n) => n === 0), { what: "the report withdrawn" });
  await options.close();
  const third = await openTab(browser, flagged);
  await expectWarningPage(browser, third);
  await Promise.all([page.close(), again.close(), third.close()]);
});

test("Learn from my reports in the popup: what the retrain does, its result in words while pages are checked, and Undo", async () => {
  const alarm = await openTab(browser, flagged);
  await expectWarningPage(browser, alarm);
  const reporting = await openPopup(browser, alarm);
  await reporting.click("#report"); // This is not phishing: the false alarm the retrain learns
  await reporting.close();
  const page = await openTab(browser, quiet);
  const popup = await openPopup(browser, page);
  await popup.click("#learn");
  await waitFor(() => popup.textContent("#learning-status").then((text) => /^Learning from your reports: /.test(text)), { what: "the retrain's stage" });
  assert.equal(await popup.isDisabled("#learn"), true);
  mkdirSync(ARTIFACTS, { recursive: true });
  await popup.screenshot({ path: join(ARTIFACTS, "popup-retrain-progress.png") });
  const meanwhile = await openTab(browser, quiet);
  await expectWarningPage(browser, meanwhile); // checked meanwhile, and the report still protects
  // Both reports name sites of their own, so the model remembers both and the gate finds the
  // held-out rows unmoved (model_export/retrain.py).
  const done = /^The new model learnt 2 of your 2 reports and is in use \(on the held-out rows, false alarms /;
  await waitFor(() => popup.textContent("#learning-status").then((text) => done.test(text)), { what: "the retrain's result", timeoutMs: 600_000 });
  await popup.screenshot({ path: join(ARTIFACTS, "popup-retrain-result.png") });
  assert.equal(await popup.isDisabled("#learn"), false);
  const retrained = (await popup.textContent("#model")).match(/^Model (\S+),/)[1];
  await popup.click("#undo");
  await waitFor(() => popup.textContent("#learning-status").then((text) => /^Undone: the model \S+ is in use again\.$/.test(text)), { what: "the undo" });
  assert.equal(await popup.isHidden("#undo"), true);
  await waitFor(() => popup.textContent("#model").then((text) => !text.includes(retrained)), { what: "the model before, named" });
  await Promise.all([popup.close(), page.close(), meanwhile.close(), alarm.close()]);
});
