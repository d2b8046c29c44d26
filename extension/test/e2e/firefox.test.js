// The core path in Firefox ESR: puppeteer-core launches Firefox and installs the Firefox
// build over WebDriver BiDi (webExtension.install), and a flagged page sends the tab to the
// extension's warning page, whether its address or its page gave it away. Skipped, with a
// message, where Firefox ESR is not installed.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";

import puppeteer from "puppeteer-core";

import { ARTIFACTS, Daemon, EXTENSION, freePort, REPO, startWebServer, waitFor } from "./harness.js";

const FIREFOX = process.env.FIREFOX ?? "/usr/bin/firefox-esr";
const FIREFOX_BUILD = resolve(EXTENSION, "..", "firefox");
const ADDON_ID = "baitwatch@baitwatch.org";
const PHISHING_HOST = "secure-login.paypal.com.account-verify-center.xyz";
const KIT_URL = "http://oakwoodlibrary.org/kit"; // an address the model calls safe, for a saved kit (tests/pages/)
const missing = existsSync(FIREFOX) ? false : `Firefox ESR is not installed at ${FIREFOX} (apt-get install firefox-esr, or set FIREFOX)`;

let daemon;
let web;
let browser;
let welcome;
const uuid = randomUUID(); // the extension's moz-extension:// host, fixed by a pref
const extensionUrl = (path) => `moz-extension://${uuid}/${path}`;

before(async () => {
  if (missing) return;
  daemon = new Daemon(await freePort());
  await daemon.start();
  web = await startWebServer({ "/kit": readFileSync(join(REPO, "tests", "pages", "facebook-kit.html"), "utf8") });
  browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: FIREFOX,
    headless: true,
    args: ["--remote-allow-system-access"], // since Firefox 153, WebDriver opens extension pages only with it
    extraPrefsFirefox: {
      // Every page goes through the test web server, as a proxy, whatever its host name.
      "network.proxy.type": 1,
      "network.proxy.http": "127.0.0.1",
      "network.proxy.http_port": web.address().port,
      "dom.security.https_first": false,
      "extensions.webextensions.uuids": JSON.stringify({ [ADDON_ID]: uuid }),
    },
  });
  assert.equal(await browser.installExtension(FIREFOX_BUILD), ADDON_ID);
});

after(async () => {
  await browser?.close();
  web?.close();
  await daemon?.stop();
});

// Firefox does not report navigations into extension pages to WebDriver, so a page's address
// is read from the page itself.
const addressOf = (page) => page.evaluate(() => location.href).catch(() => "");

async function openExtensionPage(path) {
  const page = await browser.newPage();
  await page.goto(extensionUrl(path), { timeout: 3000 }).catch(() => {}); // loads, but no load event comes
  await waitFor(async () => (await addressOf(page)) === extensionUrl(path), { what: path });
  return page;
}

test("Firefox: a new install opens the welcome page, with Firefox's advice for pinning the icon", { skip: missing }, async () => {
  welcome = await waitFor(async () => {
    for (const page of await browser.pages()) if ((await addressOf(page)) === extensionUrl("welcome/welcome.html")) return page;
    return null;
  }, { what: "the welcome page" });
  await welcome.waitForFunction(() => document.getElementById("summary").dataset.status !== "checking");
  const advice = await welcome.$eval("#step-pin", (element) => element.innerText);
  assert.match(advice, /Pin to Toolbar/);
  assert.doesNotMatch(advice, /puzzle-piece button \(Extensions\) at the right of the address bar/, "not Chrome's");
});

test("Firefox: a flagged page sends the tab to the extension's warning page, and Back to safety leaves", { skip: missing }, async () => {
  const options = await openExtensionPage("options/options.html");
  const answer = await options.evaluate((port) => chrome.runtime.sendMessage({ type: "set-port", port }), daemon.port);
  assert.equal(answer.error, undefined);
  await options.close();
  const popup = await openExtensionPage("popup/popup.html");
  await popup.waitForSelector("#pair-form:not([hidden])");
  await popup.type("#code", daemon.pairingCode());
  await popup.click("#pair-form button");
  await popup.waitForSelector("#pair-form[hidden]");
  await popup.close();

  const page = await browser.newPage();
  const url = `http://${PHISHING_HOST}/signin/verify.php?account=update`;
  await page.goto(url, { timeout: 5000 }).catch(() => {}); // the extension sends the tab on
  await waitFor(async () => (await addressOf(page)).startsWith(extensionUrl("warning/warning.html")), { what: "the warning page" });
  await page.waitForFunction(() => document.getElementById("site")?.textContent !== "");
  assert.equal(await page.$eval("#site", (element) => element.textContent), "account-verify-center.xyz");
  assert.equal(await page.$eval("#address", (element) => element.textContent), url);
  await page.click("#back");
  await waitFor(async () => {
    const address = await addressOf(page);
    return address !== "" && !address.startsWith("moz-extension:") && !address.includes(PHISHING_HOST);
  }, { what: "leaving the site" });
});

test("Firefox: a saved phishing kit at an address the model calls safe gets the warning from its page", { skip: missing }, async () => {
  assert.equal((await daemon.request("POST", "/v1/check", { url: KIT_URL })).verdict, "safe");
  const page = await browser.newPage();
  await page.goto(KIT_URL, { timeout: 5000 }).catch(() => {});
  await waitFor(async () => (await addressOf(page)).startsWith(extensionUrl("warning/warning.html")), { what: "the warning page" });
  await page.waitForFunction(() => document.getElementById("why")?.textContent !== "");
  assert.match(await page.$eval("#why", (element) => element.textContent), /presents itself as Facebook/);
  await page.close();
});

test("Firefox: once paired, the welcome page turns green", { skip: missing }, async () => {
  await welcome.bringToFront(); // it re-checks while in view
  await welcome.waitForFunction(() => document.getElementById("summary").dataset.status === "ready", { timeout: 15000 });
  assert.equal(await welcome.$eval("#summary h1:not([hidden])", (element) => element.textContent), "You are protected");
  mkdirSync(ARTIFACTS, { recursive: true });
  await welcome.screenshot({ path: join(ARTIFACTS, "firefox-welcome-protected.png"), fullPage: true });
});
