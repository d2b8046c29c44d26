// The suspicious level in real Chromium: a calm notice only where the page asks for a
// password. The daemon serves a copy of the shipped model whose model.json puts its two
// thresholds far apart (0.5 and 0.999999), so the test page's address lands between them
// whatever the model's exact score: thresholds are data beside the model, and the model
// file and its hash stay the same.

import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import {
  accessibilityNodes, Daemon, freePort, openTab, pairedBrowser, REPO, startWebServer, stopAll, toolbarTitle, waitFor,
} from "./harness.js";

const SUSPICIOUS_HOST = "invoice-docs-share.com";
const PLAIN_PAGE = "<!doctype html><title>Invoices</title><h1>Your invoices</h1><p>Nothing to sign in to here.</p>";
const LATE_FORM_PAGE = `<!doctype html><title>Invoices</title><h1>Your invoices</h1>
  <script>setTimeout(() => { const input = document.createElement("input"); input.type = "password"; document.body.append(input); }, 700);</script>`;

let daemon;
let web;
let browser;
let base;

function modelWithThresholds(threshold, suspicious) {
  const folder = join(mkdtempSync(join(tmpdir(), "baitwatch-model-")), "model");
  cpSync(join(REPO, "daemon", "baitwatch", "model"), folder, { recursive: true });
  const card = JSON.parse(readFileSync(join(folder, "model.json"), "utf8"));
  writeFileSync(join(folder, "model.json"), JSON.stringify({ ...card, threshold, suspicious_threshold: suspicious }));
  return folder;
}

// The notice's text as a screen reader finds it (it sits in a closed shadow root).
async function noticeOf(page) {
  const nodes = await accessibilityNodes(browser.context, page);
  if (!nodes.some((n) => n.role === "status")) return undefined;
  return nodes.find((n) => /looks a little unusual/.test(n.name))?.name;
}

before(async () => {
  daemon = new Daemon(await freePort(), ["--model", modelWithThresholds(0.999999, 0.5)]);
  await daemon.start();
  web = await startWebServer({ "/plain": PLAIN_PAGE, "/late": LATE_FORM_PAGE });
  base = `http://${SUSPICIOUS_HOST}:${web.address().port}`;
  browser = await pairedBrowser(daemon, [SUSPICIOUS_HOST]);
});

after(() => stopAll({ browser, web, daemon }));

test("the daemon calls the test address suspicious", async () => {
  const answer = await daemon.request("POST", "/v1/check", { url: `${base}/signin` });
  assert.deepEqual([answer.verdict, answer.reason], ["suspicious", "model"]);
});

test("a suspicious page that asks for a password gets a calm notice, and the toolbar asks for care", async () => {
  const page = await openTab(browser, `${base}/signin`); // the harness's default page has a password field
  await waitFor(() => noticeOf(page), { what: "the calm notice" });
  assert.match(await noticeOf(page), /check that invoice-docs-share\.com is the site you meant/);
  assert.match(await toolbarTitle(browser.worker, page), /looks a little unusual/);
  assert.equal(page.url(), `${base}/signin`, "no warning page for a suspicious verdict");
  await page.close();
});

test("the notice waits until the page asks for a password, and a page that never does gets none", async () => {
  const plain = await openTab(browser, `${base}/plain`);
  await waitFor(async () => /looks a little unusual/.test(await toolbarTitle(browser.worker, plain)), { what: "the suspicious verdict" });
  const late = await openTab(browser, `${base}/late`);
  await waitFor(() => noticeOf(late), { what: "the notice once a password field appears" });
  assert.equal(await noticeOf(plain), undefined);
  await Promise.all([plain.close(), late.close()]);
});
