// Your reports protect at once, in real Chromium with the real daemon: This is phishing on a
// page that was let through warns on the next visit; This is not phishing on a flagged page
// stops the warning; withdrawing the report on the options page brings it back.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import {
  Daemon, expectWarningPage, extensionPage, freePort, launchBrowser, openPopup, openTab, pairExtension, setDaemonPort, startWebServer,
  toolbarTitle, waitFor,
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
  browser = await launchBrowser([QUIET_HOST, FLAGGED_HOST]);
  await setDaemonPort(browser, daemon.port);
  await pairExtension(browser, daemon);
});

after(async () => {
  await browser?.context.close();
  web?.close();
  await daemon?.stop();
});

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
