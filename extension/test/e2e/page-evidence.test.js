// Page evidence in real Chromium: the extension reads a checked page (a bounded copy of its
// DOM, content/dom-snapshot.js), the real daemon judges it beside its address, and the page
// decides where the address cannot. Saved pages of the corpus (tests/pages/, unseen in
// training) are served at addresses of the test's choosing.

import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";

import {
  ARTIFACTS, Daemon, expectWarningPage, freePort, openTab, pairedBrowser, REPO, stopAll, toolbarTitle, waitFor,
} from "./harness.js";

const saved = (name) => readFileSync(join(REPO, "tests", "pages", `${name}.html`), "utf8");
// Harmless until, 3 s after load, it names PayPal and asks for a password.
const LATE_FORM = `<!doctype html><html><head><title>Loading</title></head><body>
  <div id="slot"><p>One moment while we get things ready for you.</p></div>
  <script>setTimeout(() => { document.title = "PayPal: Log in to your account"; document.getElementById("slot").innerHTML =
    '<h1>PayPal</h1><p>Your account has been limited. Confirm your identity to restore access.</p>' +
    '<form action="verify.php" method="post"><input type="email" name="login_email" placeholder="Email">' +
    '<input type="password" name="login_password" placeholder="Password"><button>Log In</button></form>'; }, 3000);</script>
  </body></html>`;
const REWRITING = saved("facebook-kit").replace("</body>", `<script>
  let n = 0; setInterval(() => { document.title = "Facebook " + (n += 1); document.body.dataset.n = n; }, 1);</script></body>`);
// Host -> page. Every host resolves to this one server (the browser's resolver rules).
const SITES = {
  "oakwoodlibrary.org": saved("facebook-kit"),
  "hamradio.com": saved("hamradio-login"),
  "garden-club-notes.org": LATE_FORM,
  "rewriting-page.org": REWRITING,
  "quiet-recipes-corner.xyz": saved("acronymfinder-home"),
};

let daemon;
let web;
let browser;
let port;
const at = (host, path = "/") => `http://${host}:${port}${path}`;

before(async () => {
  daemon = new Daemon(await freePort());
  await daemon.start();
  web = createServer((request, response) => {
    response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    response.end(SITES[request.headers.host.split(":")[0]] ?? "<!doctype html><title>nothing</title>");
  });
  await new Promise((done) => web.listen(0, "127.0.0.1", done));
  port = web.address().port;
  browser = await pairedBrowser(daemon, Object.keys(SITES));
});

after(() => stopAll({ browser, web, daemon }));

async function addressVerdict(url) {
  const answer = await daemon.request("POST", "/v1/check", { url });
  return [answer.verdict, answer.reason];
}

test("a saved phishing kit at an address the model calls safe gets the warning, which says the page decided", async () => {
  assert.deepEqual(await addressVerdict(at("oakwoodlibrary.org")), ["safe", "model"]);
  const page = await openTab(browser, at("oakwoodlibrary.org"));
  await expectWarningPage(browser, page);
  await page.waitForFunction(() => document.getElementById("why")?.textContent !== "");
  const why = await page.textContent("#why");
  assert.match(why, /the page did\. This page presents itself as Facebook, but facebook\.com is not this site/);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, "warning-page-evidence.png"), fullPage: true });
  await page.close();
});

test("a real sign-in page at its own address gets no warning", async () => {
  assert.deepEqual(await addressVerdict(at("hamradio.com")), ["safe", "model"]);
  const page = await openTab(browser, at("hamradio.com"));
  await waitFor(async () => /no sign of phishing/.test(await toolbarTitle(browser.worker, page)), { what: "the safe verdict" });
  await new Promise((done) => setTimeout(done, 2500)); // the page's copy is read after the address
  assert.equal(page.url(), at("hamradio.com"));
  assert.match(await toolbarTitle(browser.worker, page), /no sign of phishing/);
  await page.close();
});

test("a page that adds its password form 3 s after load is caught then", async () => {
  assert.deepEqual(await addressVerdict(at("garden-club-notes.org")), ["safe", "model"]);
  const page = await openTab(browser, at("garden-club-notes.org"));
  await new Promise((done) => setTimeout(done, 1500));
  assert.equal(page.url(), at("garden-club-notes.org"), "no warning before the form");
  await expectWarningPage(browser, page, 20000);
  assert.match(await page.textContent("#why"), /presents itself as PayPal/);
  await page.close();
});

test("a page that rewrites itself without pause is read all the same", async () => {
  const page = await openTab(browser, at("rewriting-page.org"));
  await expectWarningPage(browser, page);
  await page.close();
});

test("an address the model flags whose page asks for nothing gets the calm notice instead of the warning", async () => {
  const url = at("quiet-recipes-corner.xyz", "/signin/verify.php?session=update");
  assert.deepEqual(await addressVerdict(url), ["phishing", "model"]);
  const page = await openTab(browser, url);
  await waitFor(async () => /looks a little unusual/.test(await toolbarTitle(browser.worker, page)), { what: "the calmed verdict", timeoutMs: 20000 });
  await new Promise((done) => setTimeout(done, 4500)); // past the time the warning waits for a page
  assert.equal(page.url(), url, "no warning page");
  await page.close();
});
