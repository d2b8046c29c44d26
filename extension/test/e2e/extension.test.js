// The extension in real Chromium against a real daemon with the shipped model.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { accessibilityNodes, Daemon, freePort, launchBrowser, REPO, startWebServer, toolbarTitle, waitFor } from "./harness.js";

const PHISHING_HOST = "secure-login.paypal.com.account-verify-center.xyz";
const OTHER_PHISHING_HOST = "appleid.apple.com.signin-verify-account.top";
const KNOWN_GOOD_HOST = "www.ikea.com"; // on the known-good list and not HSTS-preloaded, so plain http works
const ARTIFACTS = join(REPO, "extension", "test", "artifacts");

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
  await browser.worker.evaluate((port) => chrome.storage.local.set({ daemonPort: port }), daemon.port);
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  await browser?.context.close();
  web?.close();
  await daemon?.stop();
});

const bannerCount = (page) => page.evaluate(() => document.querySelectorAll("baitwatch-warning").length);

async function open(url) {
  const page = await browser.context.newPage();
  await page.goto(url);
  return page;
}

async function expectBanner(page, timeoutMs = 15000) {
  await waitFor(async () => (await bannerCount(page)) === 1, { what: "the banner", timeoutMs });
}

async function expectNoBannerAfterVerdict(page, title) {
  await waitFor(async () => (await toolbarTitle(browser.worker, page))?.includes(title), { what: `toolbar: ${title}` });
  await new Promise((done) => setTimeout(done, 300)); // a banner would be pushed right after the verdict
  assert.equal(await bannerCount(page), 0);
}

test("the daemon's own verdicts: the phishing host is flagged, the known-good host skipped", async () => {
  const phishing = await (await fetch(`${daemon.base}/v1/check`, { method: "POST", body: JSON.stringify({ url: urls.phishing }) })).json();
  assert.equal(phishing.verdict, "phishing");
  const knownGood = await (await fetch(`${daemon.base}/v1/check`, { method: "POST", body: JSON.stringify({ url: urls.knownGood }) })).json();
  assert.equal(knownGood.reason, "known-good");
});

test("pairing in the popup gives the extension the daemon's token", async () => {
  const popup = await browser.context.newPage();
  await popup.goto(`chrome-extension://${browser.extensionId}/popup/popup.html`);
  await waitFor(() => popup.isVisible("#pair-form"), { what: "the pairing form" });
  await popup.fill("#code", daemon.pairingCode());
  await popup.click("#pair-form button");
  await waitFor(() => popup.isHidden("#pair-form"), { what: "pairing" });
  const { token } = await browser.worker.evaluate(() => chrome.storage.local.get("token"));
  assert.equal(token, daemon.token);
  await popup.close();
});

test("a phishing page gets an accessible banner; a known-good page gets none", async () => {
  const page = await open(urls.phishing);
  await expectBanner(page);
  assert.match(await toolbarTitle(browser.worker, page), /looks like phishing/);
  const nodes = await accessibilityNodes(browser.context, page);
  assert.ok(nodes.some((n) => n.role === "alert"), "role=alert");
  for (const name of ["Leave this site", "Trust this site", "Report a mistake", "Dismiss for this visit"]) {
    assert.ok(nodes.some((n) => n.role === "button" && n.name === name), name);
  }
  assert.ok(nodes.some((n) => n.name.includes("account-verify-center.xyz")), "names the registrable domain");
  assert.equal(await page.evaluate(() => document.activeElement.tagName), "BAITWATCH-WARNING"); // focus is in the banner
  await page.screenshot({ path: join(ARTIFACTS, "banner.png") });
  await page.evaluate(() => { document.body.style.zoom = "2"; });
  await page.screenshot({ path: join(ARTIFACTS, "banner-zoom-200.png") });

  const safe = await open(urls.knownGood);
  await expectNoBannerAfterVerdict(safe, "no sign of phishing");
  await Promise.all([page.close(), safe.close()]);
});

test("a page script cannot remove or hide the banner", async () => {
  const page = await open(urls.phishing);
  await expectBanner(page);
  await page.evaluate(() => document.querySelector("baitwatch-warning").remove());
  await expectBanner(page);
  await page.evaluate(() => { document.querySelector("baitwatch-warning").style.display = "none"; });
  await waitFor(() => page.evaluate(() => getComputedStyle(document.querySelector("baitwatch-warning")).display === "block"), { what: "restyled banner" });
  await page.evaluate(() => { document.documentElement.innerHTML = "<body>gone</body>"; });
  await expectBanner(page);
  const box = await page.evaluate(() => document.querySelector("baitwatch-warning").getBoundingClientRect().height);
  assert.ok(box > 40, `banner height ${box}`);
  await page.close();
});

test("Trust this site allowlists the domain", async () => {
  const page = await open(urls.phishing);
  await expectBanner(page);
  await page.keyboard.press("Tab"); // from "Leave this site" to "Trust this site"
  await page.keyboard.press("Enter");
  await waitFor(async () => (await bannerCount(page)) === 0, { what: "banner gone after Trust" });
  const { domains } = await daemon.request("GET", "/v1/allowlist");
  assert.deepEqual(domains, ["account-verify-center.xyz"]);
  await page.reload();
  await expectNoBannerAfterVerdict(page, "no sign of phishing");
  await page.close();
});

test("the options page lists the trusted site; Remove takes it off and the warning returns", async () => {
  const options = await browser.context.newPage();
  await options.goto(`chrome-extension://${browser.extensionId}/options/options.html`);
  await options.getByRole("button", { name: "Remove account-verify-center.xyz" }).click();
  await waitFor(async () => (await daemon.request("GET", "/v1/allowlist")).domains.length === 0, { what: "allowlist emptied" });
  await waitFor(() => options.isVisible("#empty"), { what: "the empty-list note" });
  const page = await open(urls.phishing);
  await expectBanner(page);
  await Promise.all([options.close(), page.close()]);
});

test("turning protection off in the popup means no banner", async () => {
  const popup = await browser.context.newPage();
  await popup.goto(`chrome-extension://${browser.extensionId}/popup/popup.html`);
  await waitFor(() => popup.isEnabled("#enabled"), { what: "the switch" });
  assert.equal(await popup.isChecked("#enabled"), true);
  await popup.click("#enabled");
  await waitFor(async () => (await daemon.request("GET", "/v1/settings")).enabled === false, { what: "daemon setting off" });

  const page = await open(urls.otherPhishing);
  await expectNoBannerAfterVerdict(page, "protection is off");
  await popup.reload();
  await waitFor(() => popup.isEnabled("#enabled"), { what: "the switch" });
  assert.equal(await popup.isChecked("#enabled"), false);
  await popup.click("#enabled");
  await waitFor(async () => (await daemon.request("GET", "/v1/settings")).enabled === true, { what: "daemon setting on" });
  await page.reload();
  await expectBanner(page);
  await Promise.all([popup.close(), page.close()]);
});

test("with the daemon stopped there is no banner and the icon says so; it recovers on restart", async () => {
  await daemon.stop();
  const page = await open(urls.otherPhishing);
  await expectNoBannerAfterVerdict(page, "not reachable");
  await daemon.start();
  // No navigation needed: the background's back-off probe finds the daemon and re-checks the
  // tab. The probe waits 1, 2, 4, 8... seconds between tries, so allow for a long gap.
  await expectBanner(page, 40000);
  assert.match(await toolbarTitle(browser.worker, page), /looks like phishing/);
  await page.close();
});
