// A newcomer's first run, in real Chromium against a real daemon: the welcome page that opens
// on install walks through starting the daemon and pairing and turns green; the popup says
// what happened on each page; a daemon that stays down is told once, not once per page.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import {
  ARTIFACTS, Daemon, freePort, launchBrowser, openPopup, openTab, setDaemonPort, startWebServer, stopAll, waitFor,
} from "./harness.js";

const SAFE_HOST = "www.gardening-club.net"; // the model finds its home page safe
const KNOWN_GOOD_HOST = "www.ikea.com";
const TRUSTED_HOST = "www.corner-bakery.net";
const NOTICE_ID = "baitwatch-daemon-unreachable";
const NOTICE_WAIT_MS = 45000; // the notice comes after 10 s down, at the next failed attempt

let daemon;
let web;
let browser;
let welcome;
let urls;

before(async () => {
  daemon = new Daemon(await freePort()); // started by the tests, as a newcomer would
  web = await startWebServer();
  const port = web.address().port;
  urls = { safe: `http://${SAFE_HOST}:${port}/`, knownGood: `http://${KNOWN_GOOD_HOST}:${port}/`, trusted: `http://${TRUSTED_HOST}:${port}/` };
  browser = await launchBrowser([SAFE_HOST, KNOWN_GOOD_HOST, TRUSTED_HOST]);
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(() => stopAll({ browser, web, daemon }));

const welcomeUrl = () => `chrome-extension://${browser.extensionId}/welcome/welcome.html`;
const statusOf = (id) => welcome.getAttribute(`#${id}`, "data-status");
const visibleText = (page, selector) => page.locator(selector).evaluate((element) => element.innerText);

async function expectWelcome(statuses) {
  await welcome.bringToFront(); // it re-checks while in view
  await waitFor(async () => {
    for (const [id, status] of Object.entries(statuses)) if ((await statusOf(id)) !== status) return false;
    return true;
  }, { what: `the welcome page: ${JSON.stringify(statuses)}`, timeoutMs: 20000 });
}

// The popup over a tab showing `url`, once it says `state`; saved as a screenshot.
async function popupFor(url, state, screenshot) {
  const page = await openTab(browser, url);
  let popup;
  await waitFor(async () => {
    await popup?.close();
    popup = await openPopup(browser, page);
    return (await popup.getAttribute("#verdict", "data-state")) === state;
  }, { what: `the popup: ${state}` });
  const text = await popup.textContent("#verdict");
  await popup.locator("body").screenshot({ path: join(ARTIFACTS, screenshot) });
  await Promise.all([popup.close(), page.close()]);
  return text;
}

const notices = () => browser.worker.evaluate(() => chrome.notifications.getAll());

test("a new install opens the welcome page, which says how to start the daemon while it is down", async () => {
  welcome = await waitFor(() => browser.context.pages().find((page) => page.url() === welcomeUrl()), { what: "the welcome page" });
  await setDaemonPort(browser, daemon.port); // where the test daemon will listen; nothing does yet
  await expectWelcome({ "step-daemon": "todo", "step-pair": "waiting", "step-protection": "waiting", summary: "not-ready" });
  const step = await visibleText(welcome, "#step-daemon");
  assert.match(step, /Not running/);
  assert.match(step, /baitwatch serve/);
  assert.match(step, /install\.sh/);
  assert.match(await visibleText(welcome, "#step-pin"), /puzzle-piece button.*pin next to baitwatch/s, "the pin advice for Chrome");
  assert.doesNotMatch(await visibleText(welcome, "#step-pin"), /Pin to Toolbar/, "not Firefox's");
  await welcome.screenshot({ path: join(ARTIFACTS, "welcome-daemon-down.png"), fullPage: true });
});

test("while the daemon is down, the popup says protection is off and how to start it", async () => {
  const text = await popupFor(urls.safe, "unreachable", "popup-daemon-unreachable.png");
  assert.match(text, /^Protection is off: the baitwatch service on this computer is not running/);
  assert.match(text, /baitwatch serve/);
});

test("with the daemon up but not paired, the welcome page asks to pair and the popup says pages are not checked", async () => {
  await daemon.start();
  await expectWelcome({ "step-daemon": "done", "step-pair": "todo", "step-protection": "waiting", summary: "not-ready" });
  assert.match(await visibleText(welcome, "#step-pair"), /baitwatch pair/);
  assert.equal(await welcome.isVisible("#pair-form"), true);
  await welcome.screenshot({ path: join(ARTIFACTS, "welcome-not-paired.png"), fullPage: true });
  assert.match(await popupFor(urls.safe, "unpaired", "popup-not-paired.png"), /^Not paired: pages are not being checked/);
});

test("pairing on the welcome page turns it green, and the token stays out of the page", async () => {
  await welcome.bringToFront();
  await welcome.fill("#code", daemon.pairingCode());
  await welcome.click("#pair-form button");
  await expectWelcome({ "step-daemon": "done", "step-pair": "done", "step-protection": "done", summary: "ready" });
  assert.equal(await visibleText(welcome, "#summary h1:not([hidden])"), "You are protected");
  const [r, g, b] = await welcome.locator("#summary").evaluate((element) => getComputedStyle(element).backgroundColor.match(/\d+/g).map(Number));
  assert.ok(g > r && g > b, `the summary is green (rgb ${r}, ${g}, ${b})`);
  assert.equal((await welcome.content()).includes(daemon.token), false);
  await welcome.screenshot({ path: join(ARTIFACTS, "welcome-protected.png"), fullPage: true });
});

test("the popup says exactly what happened: checked and safe, a known popular site, a trusted site, protection off", async () => {
  assert.equal(await popupFor(urls.safe, "safe", "popup-checked-safe.png"), "Checked: no sign of phishing.");
  assert.equal(await popupFor(urls.knownGood, "popular", "popup-known-popular.png"), "Not checked: a known popular site.");
  await daemon.request("POST", "/v1/allowlist", { domain: "corner-bakery.net" });
  assert.equal(await popupFor(urls.trusted, "trusted", "popup-trusted.png"), "Not checked: you trust this site.");
  await daemon.request("PUT", "/v1/settings", { enabled: false });
  assert.match(await popupFor(urls.safe, "off", "popup-protection-off.png"), /^Protection is off: pages are not being checked/);
  await expectWelcome({ "step-protection": "todo", summary: "not-ready" });
  await welcome.click("#turn-on");
  await expectWelcome({ "step-protection": "done", summary: "ready" });
  assert.equal((await daemon.request("GET", "/v1/settings")).enabled, true);
});

test("a daemon that stays down is told once in a notification, not per page; once back, the next outage is told again", async () => {
  await daemon.stop();
  const first = await openTab(browser, urls.safe);
  await waitFor(async () => NOTICE_ID in (await notices()), { what: "the notification", timeoutMs: NOTICE_WAIT_MS });
  await browser.worker.evaluate((id) => chrome.notifications.clear(id), NOTICE_ID); // the person dismisses it
  const more = [await openTab(browser, urls.knownGood), await openTab(browser, urls.trusted)]; // each check fails
  await expectWelcome({ "step-daemon": "todo", summary: "not-ready" }); // the welcome page asks the daemon too
  assert.deepEqual(await notices(), {}, "no second notification while the daemon stays down");

  await daemon.start();
  await expectWelcome({ "step-daemon": "done", summary: "ready" });
  await daemon.stop();
  await expectWelcome({ "step-daemon": "todo", summary: "not-ready" });
  await waitFor(async () => NOTICE_ID in (await notices()), { what: "the notification for the next outage", timeoutMs: NOTICE_WAIT_MS });
  await daemon.start();
  await expectWelcome({ "step-daemon": "done", summary: "ready" });
  // The background clears it once it reaches the daemon, which it does not wait for before answering the page.
  await waitFor(async () => Object.keys(await notices()).length === 0, { what: "the notification to go once the daemon is back" });
  await Promise.all([first.close(), ...more.map((page) => page.close())]);
});
