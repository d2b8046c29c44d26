// The extension in real Chromium against a real daemon with the shipped model.

import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import {
  accessibilityNodes, ARTIFACTS, Daemon, expectWarningPage, extensionPage, freePort, launchBrowser, openPopup, openTab, pairExtension,
  setDaemonPort, startWebServer, stopAll, toolbarTitle, waitFor,
} from "./harness.js";

const PHISHING_HOST = "account-verify-center.xyz"; // flagged by the model
const OTHER_PHISHING_HOST = "appleid.apple.com.signin-verify-account.top"; // flagged by the lookalike rule
const KNOWN_GOOD_HOST = "www.ikea.com"; // on the known-good list and not HSTS-preloaded, so plain http works

let daemon;
let web;
let browser;
let urls;

before(async () => {
  daemon = new Daemon(await freePort());
  await daemon.start();
  web = await startWebServer();
  const port = web.address().port;
  urls = {
    phishing: `http://${PHISHING_HOST}:${port}/signin/verify.php?account=update`,
    otherPhishing: `http://${OTHER_PHISHING_HOST}:${port}/login.php`,
    knownGood: `http://${KNOWN_GOOD_HOST}:${port}/wiki/Main_Page`,
  };
  browser = await launchBrowser([PHISHING_HOST, OTHER_PHISHING_HOST, KNOWN_GOOD_HOST]);
  await setDaemonPort(browser, daemon.port);
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(() => stopAll({ browser, web, daemon }));

async function expectToolbar(page, title) {
  await waitFor(async () => (await toolbarTitle(browser.worker, page))?.includes(title), { what: `toolbar: ${title}` });
}

// The page stayed where it was and its verdict is in: no warning came.
async function expectNoWarning(page, url, title) {
  await expectToolbar(page, title);
  await new Promise((done) => setTimeout(done, 300)); // a warning would follow the verdict at once
  assert.equal(page.url(), url);
}

// The reminder's text, if the page has one in an alert, as a screen reader finds it.
async function reminderText(context, page) {
  const nodes = await accessibilityNodes(context, page);
  if (!nodes.some((n) => n.role === "alert")) return undefined;
  return nodes.find((n) => n.name.startsWith("Reminder:"))?.name;
}

const feedbackLines = () => {
  try {
    return readFileSync(join(daemon.env.BAITWATCH_DATA_DIR, "feedback.jsonl"), "utf8").trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
};

test("the daemon's own verdicts: the phishing host is flagged, the known-good host skipped", async () => {
  const phishing = await (await fetch(`${daemon.base}/v1/check`, { method: "POST", body: JSON.stringify({ url: urls.phishing }) })).json();
  assert.equal(phishing.verdict, "phishing");
  assert.equal(phishing.reason, "model");
  const lookalike = await (await fetch(`${daemon.base}/v1/check`, { method: "POST", body: JSON.stringify({ url: urls.otherPhishing }) })).json();
  assert.deepEqual([lookalike.verdict, lookalike.reason, lookalike.imitates], ["phishing", "lookalike", "apple.com"]);
  const knownGood = await (await fetch(`${daemon.base}/v1/check`, { method: "POST", body: JSON.stringify({ url: urls.knownGood }) })).json();
  assert.equal(knownGood.reason, "known-good");
});

test("pairing in the popup gives the extension the daemon's token, out of reach of content scripts", async () => {
  await pairExtension(browser, daemon);
  const local = await browser.worker.evaluate(() => chrome.storage.local.get(null));
  assert.equal(JSON.stringify(local).includes(daemon.token), false, "the token is not in storage.local");
  assert.equal(local.daemonPort, undefined);
  const popup = await extensionPage(browser, "popup/popup.html");
  await waitFor(() => popup.isEnabled("#enabled"), { what: "the switch, enabled once paired" });
  await popup.close();
});

test("a phishing page sends the tab to an accessible warning page; a known-good page does not", async () => {
  const page = await openTab(browser, urls.phishing);
  await expectWarningPage(browser, page);
  await waitFor(() => page.isVisible("#site:not(:empty)"), { what: "the warning's text" });
  assert.equal(await page.textContent("#site"), "account-verify-center.xyz");
  assert.equal(await page.textContent("#address"), urls.phishing);
  assert.match(await page.textContent("#why"), /looks like the addresses of phishing sites/);
  assert.equal(await page.isVisible("#details"), false, "numbers stay behind the disclosure");
  assert.match(await toolbarTitle(browser.worker, page), /looks like phishing/);
  const nodes = await accessibilityNodes(browser.context, page);
  assert.ok(nodes.some((n) => n.role === "heading" && /steal your passwords/.test(n.name)), "a heading says what is wrong");
  for (const name of ["Back to safety", "Report a mistake", "Continue to the site"]) {
    assert.ok(nodes.some((n) => n.role === "button" && n.name === name), name);
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), "back"); // focus on the safe choice
  await page.screenshot({ path: join(ARTIFACTS, "warning.png") });

  // At 200% zoom the page still fits its width and every control can be reached.
  await page.evaluate(() => { document.documentElement.style.zoom = "2"; });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), "no sideways scrolling");
  await page.click("summary");
  assert.ok(await page.isVisible("#details"));
  assert.match(await page.textContent("#details"), /% likely phishing/);
  await page.screenshot({ path: join(ARTIFACTS, "warning-zoom-200.png"), fullPage: true });

  const safe = await openTab(browser, urls.knownGood);
  await expectNoWarning(safe, urls.knownGood, "not checked, a known popular site");
  await Promise.all([page.close(), safe.close()]);
});

test("Back to safety leaves the site, even from a page that filled the history with traps", async () => {
  const page = await openTab(browser, urls.phishing);
  await page.evaluate(() => { for (let i = 0; i < 5; i += 1) history.pushState(null, "", `?trap=${i}`); }).catch(() => {});
  await expectWarningPage(browser, page);
  await page.click("#back");
  await waitFor(() => !page.url().startsWith("chrome-extension:") && !page.url().includes(PHISHING_HOST), { what: "leaving the site" });
  await page.close();
});

test("Report a mistake sends feedback to the daemon, and the site is not warned about while it stands", async () => {
  const before = feedbackLines().length;
  const page = await openTab(browser, urls.phishing);
  await expectWarningPage(browser, page);
  await page.click("#report");
  assert.equal(feedbackLines().length, before, "one click reports nothing: it asks first");
  await page.click("#confirm-report-button");
  await waitFor(() => page.textContent("#message").then((text) => text.includes("Reported as not phishing")), { what: "the report" });
  const entries = feedbackLines().slice(before).map((line) => JSON.parse(line));
  assert.equal(entries.length, 1);
  assert.equal(entries[0].label, "safe");
  const { reports } = await daemon.request("GET", "/v1/reports");
  assert.deepEqual(reports.map((report) => report.label), ["safe"]);
  assert.equal((await daemon.request("POST", "/v1/check", { url: urls.phishing })).reason, "reported-safe");
  await daemon.request("DELETE", "/v1/reports", { site: reports[0].site }); // the tests that follow expect the warning
  await page.close();
});

test("Continue takes two steps, keeps a reminder on the page and trusts nothing", async () => {
  const page = await openTab(browser, urls.phishing);
  await expectWarningPage(browser, page);
  await page.click("#continue");
  assert.ok(await page.isVisible("#confirm"));
  assert.equal(await page.isChecked("#trust"), false);
  await page.click("#confirm-continue");
  await waitFor(() => page.url() === urls.phishing, { what: "the site, after Continue" });
  await waitFor(() => reminderText(browser.context, page), { what: "the reminder" });
  assert.match(await reminderText(browser.context, page), /account-verify-center\.xyz may be a phishing site/);
  await expectToolbar(page, "looks like phishing");
  assert.deepEqual((await daemon.request("GET", "/v1/allowlist")).domains, []);
  await page.reload(); // the exception holds for this tab and site
  await waitFor(() => reminderText(browser.context, page), { what: "the reminder after a reload" });
  assert.equal(page.url(), urls.phishing);
  await page.screenshot({ path: join(ARTIFACTS, "reminder.png") });

  const other = await openTab(browser, urls.phishing); // another tab gets the warning page again
  await expectWarningPage(browser, other);
  await Promise.all([page.close(), other.close()]);
});

test("Continue with 'also trust' allowlists the site; Remove on the options page brings the warning back", async () => {
  const page = await openTab(browser, urls.phishing);
  await expectWarningPage(browser, page);
  await page.click("#continue");
  await page.check("#trust");
  await page.click("#confirm-continue");
  await waitFor(() => page.url() === urls.phishing, { what: "the site, after Continue" });
  assert.deepEqual((await daemon.request("GET", "/v1/allowlist")).domains, ["account-verify-center.xyz"]);
  await expectNoWarning(page, urls.phishing, "not checked, because you trust this site");
  assert.equal(await reminderText(browser.context, page), undefined);

  const options = await extensionPage(browser, "options/options.html");
  await options.getByRole("button", { name: "Remove account-verify-center.xyz" }).click();
  await waitFor(async () => (await daemon.request("GET", "/v1/allowlist")).domains.length === 0, { what: "allowlist emptied" });
  await waitFor(() => options.isVisible("#empty"), { what: "the empty-list note" });
  const again = await openTab(browser, urls.phishing);
  await expectWarningPage(browser, again);
  await Promise.all([page.close(), options.close(), again.close()]);
});

test("the popup reports the flagged tab in front as not phishing, and trusts its site", async () => {
  const page = await openTab(browser, urls.phishing);
  await expectWarningPage(browser, page);
  let popup = await openPopup(browser, page);
  await popup.waitForSelector("#flagged:not([hidden])");
  const reported = feedbackLines().length;
  await popup.click("#report");
  await waitFor(() => feedbackLines().length === reported + 1, { what: "the report" });
  await waitFor(() => page.url() === urls.phishing, { what: "the site, once reported as not phishing" });
  await popup.close();
  const { reports } = await daemon.request("GET", "/v1/reports");
  await daemon.request("DELETE", "/v1/reports", { site: reports.at(-1).site }); // withdrawn: flagged again

  await page.goto(urls.phishing).catch(() => {});
  await expectWarningPage(browser, page);
  popup = await openPopup(browser, page);
  await popup.getByRole("button", { name: "Trust account-verify-center.xyz" }).click();
  await waitFor(async () => (await daemon.request("GET", "/v1/allowlist")).domains.includes("account-verify-center.xyz"), { what: "trusted" });
  await waitFor(() => page.url() === urls.phishing, { what: "the site, once trusted" });
  await popup.close();
  await expectNoWarning(page, urls.phishing, "not checked, because you trust this site");
  await daemon.request("DELETE", "/v1/allowlist", { domain: "account-verify-center.xyz" });
  await page.close();
});

test("the options page turns familiar sites off and on in the daemon", async () => {
  const options = await extensionPage(browser, "options/options.html");
  await waitFor(() => options.isChecked("#familiar"), { what: "the switch, on as the daemon says" });
  await options.getByLabel("Remember the sites I visit often").uncheck();
  await waitFor(async () => (await daemon.request("GET", "/v1/settings")).familiar_sites === false, { what: "familiar sites off" });
  await options.reload();
  await waitFor(async () => (await options.$("#familiar")) && !(await options.isChecked("#familiar")), { what: "the switch, off after a reload" });
  await options.getByLabel("Remember the sites I visit often").check();
  await waitFor(async () => (await daemon.request("GET", "/v1/settings")).familiar_sites === true, { what: "familiar sites on" });
  await options.getByRole("button", { name: "Forget them now" }).click();
  await waitFor(async () => (await options.textContent("#message")) === "Forgot every familiar site.", { what: "forgotten" });
  await options.close();
});

test("turning protection off in the popup means no warning", async () => {
  const popup = await extensionPage(browser, "popup/popup.html");
  await popup.waitForSelector("#verdict[data-state]"); // the popup has its state
  const { model } = await daemon.request("GET", "/v1/status");
  assert.equal(await popup.textContent("#model"), `Model ${model.id}, exported ${model.exported.slice(0, 10)}.`);
  await waitFor(() => popup.isEnabled("#enabled"), { what: "the switch" });
  assert.equal(await popup.isChecked("#enabled"), true);
  await popup.click("#enabled");
  await waitFor(async () => (await daemon.request("GET", "/v1/settings")).enabled === false, { what: "daemon setting off" });

  const page = await openTab(browser, urls.otherPhishing);
  await expectNoWarning(page, urls.otherPhishing, "protection is off");
  await popup.reload();
  await popup.waitForSelector("#verdict[data-state]"); // the popup has its state
  await waitFor(() => popup.isEnabled("#enabled"), { what: "the switch" });
  assert.equal(await popup.isChecked("#enabled"), false);
  await popup.click("#enabled");
  await waitFor(async () => (await daemon.request("GET", "/v1/settings")).enabled === true, { what: "daemon setting on" });
  await page.reload().catch(() => {});
  await expectWarningPage(browser, page);
  await Promise.all([popup.close(), page.close()]);
});

test("with the daemon stopped the icon says pages are not checked; on restart the warning comes", async () => {
  await daemon.stop();
  const page = await openTab(browser, urls.otherPhishing);
  await expectNoWarning(page, urls.otherPhishing, "not reachable");
  await daemon.start();
  // No navigation needed: the background's back-off probe finds the daemon and re-checks the
  // tab. The probe waits 1, 2, 4, 8... seconds between tries, up to 30 s, so allow for that gap
  // and for a daemon slow to start.
  await expectWarningPage(browser, page, 60000);
  assert.match(await toolbarTitle(browser.worker, page), /looks like phishing/);
  await page.close();
});
