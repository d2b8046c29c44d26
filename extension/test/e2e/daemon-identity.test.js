// The extension sends a URL or its token only to a daemon that proved it knows the pairing
// token (POST /v1/hello). Here a squatter, a plain HTTP server that took the daemon's port,
// tries to get them; the real daemon must pass.

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { after, before, test } from "node:test";

import {
  Daemon, expectWarningPage, freePort, launchBrowser, openTab, pairExtension, setDaemonPort, startWebServer, stopAll, toolbarTitle, waitFor,
} from "./harness.js";

const PHISHING_HOST = "secure-login.paypal.com.account-verify-center.xyz";

let daemon;
let web;
let browser;
let url;

// Answers /v1/hello with a proof made under `token` (a wrong one unless it is the real
// token), and anything else as if every page were safe; keeps every request it got.
async function startSquatter(port, token) {
  const requests = [];
  const server = createServer(async (request, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    requests.push({ method: request.method, path: request.url, authorization: request.headers.authorization, body });
    let answer = { enabled: true, verdict: "safe", reason: "model", score: 0, threshold: 0.9, domain: "x.example" };
    if (request.url === "/v1/hello") {
      const { nonce } = JSON.parse(body);
      answer = { proof: createHmac("sha256", token).update(`baitwatch-daemon-v1:${nonce}`).digest("hex") };
    }
    response.writeHead(200, { "Content-Type": "application/json" });
    response.end(JSON.stringify(answer));
  });
  await new Promise((done) => server.listen(port, "127.0.0.1", done));
  const close = () => new Promise((done) => {
    server.close(done);
    server.closeAllConnections(); // the browser keeps connections open
  });
  return { port, requests, close };
}

const title = (page) => toolbarTitle(browser.worker, page);

before(async () => {
  daemon = new Daemon(await freePort());
  await daemon.start();
  web = await startWebServer();
  url = `http://${PHISHING_HOST}:${web.address().port}/signin/verify.php?account=update`;
  browser = await launchBrowser([PHISHING_HOST]);
});

after(() => stopAll({ browser, web, daemon }));

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const checksAmong = (requests) => requests.filter((r) => r.path !== "/v1/hello" && r.method === "POST");

test("unpaired, the extension sends no URL and says it is not paired", async () => {
  const squatter = await startSquatter(await freePort(), "not the token");
  await setDaemonPort(browser, squatter.port);
  const page = await openTab(browser, url);
  await waitFor(async () => /not paired/.test(await title(page)), { what: "toolbar: not paired" });
  await sleep(500);
  assert.deepEqual(checksAmong(squatter.requests), []);
  assert.equal(squatter.requests.some((r) => r.authorization), false);
  await Promise.all([page.close(), squatter.close()]);
});

test("paired, a program on the daemon's port that cannot prove it knows the token gets no URL and no token", async () => {
  await setDaemonPort(browser, daemon.port);
  await pairExtension(browser, daemon);
  const squatter = await startSquatter(await freePort(), "another install's token");
  await setDaemonPort(browser, squatter.port);
  const page = await openTab(browser, url);
  await waitFor(async () => /not the baitwatch daemon/.test(await title(page)), { what: "toolbar: not the baitwatch daemon" });
  const hellos = squatter.requests.filter((r) => r.path === "/v1/hello");
  assert.ok(hellos.length >= 1);
  for (const hello of hellos) {
    assert.match(JSON.parse(hello.body).nonce, /^[0-9a-f]{64}$/);
    assert.equal(hello.authorization, undefined);
  }
  assert.deepEqual(checksAmong(squatter.requests), []);
  assert.equal(squatter.requests.some((r) => r.authorization), false);
  await Promise.all([page.close(), squatter.close()]);
});

test("a squatter that takes the port after the daemon stops must prove itself again", async () => {
  await setDaemonPort(browser, daemon.port);
  const before = await openTab(browser, url);
  await expectWarningPage(browser, before); // the real daemon (with its proof, or an old one without /v1/hello)
  await daemon.stop();
  const noticed = await openTab(browser, `${url}&after=stop`);
  await waitFor(async () => /not reachable/.test(await title(noticed)), { what: "toolbar: not reachable" });
  const squatter = await startSquatter(daemon.port, "another install's token");
  const page = await openTab(browser, `${url}&after=squat`);
  await waitFor(async () => /not the baitwatch daemon/.test(await title(page)), { what: "toolbar: not the baitwatch daemon", timeoutMs: 40000 });
  assert.deepEqual(checksAmong(squatter.requests), []);
  await Promise.all([before.close(), noticed.close(), page.close(), squatter.close()]);
  await daemon.start();
});

test("the real daemon proves it knows the token", async () => {
  const nonce = "ab".repeat(32);
  const response = await fetch(`${daemon.base}/v1/hello`, { method: "POST", body: JSON.stringify({ nonce }) });
  assert.equal(response.status, 200);
  const { proof } = await response.json();
  assert.equal(proof, createHmac("sha256", daemon.token).update(`baitwatch-daemon-v1:${nonce}`).digest("hex"));
  const page = await openTab(browser, `${url}&proof=checked`);
  await expectWarningPage(browser, page);
  await page.close();
});
