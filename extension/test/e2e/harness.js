// What the end-to-end tests run against: a real `baitwatch serve`, a small local web
// server, and Debian's Chromium with the built extension loaded.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { inflateSync } from "node:zlib";

import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, "..", "..", "..");
export const EXTENSION = resolve(here, "..", "..", "dist", "chrome");
// Where the tests save screenshots for people to look at (BAITWATCH_ARTIFACTS to put them elsewhere).
export const ARTIFACTS = process.env.BAITWATCH_ARTIFACTS ?? join(REPO, "extension", "test", "artifacts");
const PYTHON = process.env.BAITWATCH_PYTHON ?? join(REPO, ".venv", "bin", "python");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export function freePort() {
  return new Promise((done) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

export async function waitFor(predicate, { timeoutMs = 15000, what = "condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export class Daemon {
  // `args`: more options for `baitwatch serve`, such as --model.
  constructor(port, args = []) {
    this.port = port;
    this.args = args;
    this.home = mkdtempSync(join(tmpdir(), "baitwatch-e2e-"));
    this.env = { ...process.env, BAITWATCH_CONFIG_DIR: join(this.home, "config"), BAITWATCH_DATA_DIR: join(this.home, "data") };
    this.base = `http://127.0.0.1:${port}`;
  }

  async start() {
    this.process = spawn(PYTHON, ["-m", "baitwatch", "serve", "--no-tray", "--port", String(this.port), ...this.args], { env: this.env, stdio: "ignore" });
    await waitFor(() => this.request("GET", "/v1/status").then(() => true, () => false), { timeoutMs: 60000, what: "the daemon" });
  }

  async stop() {
    if (!this.process || this.process.exitCode !== null) return;
    const exited = new Promise((done) => this.process.once("exit", done));
    this.process.kill("SIGTERM");
    await exited;
  }

  get token() {
    return readFileSync(join(this.env.BAITWATCH_CONFIG_DIR, "token"), "utf8").trim();
  }

  pairingCode() {
    const result = spawnSync(PYTHON, ["-m", "baitwatch", "pair", "--port", String(this.port)], { env: this.env, encoding: "utf8" });
    const match = /Pairing code: (\d{6})/.exec(result.stdout);
    if (!match) throw new Error(`baitwatch pair failed: ${result.stderr}`);
    return match[1];
  }

  async request(method, path, body) {
    const response = await fetch(this.base + path, {
      method,
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${this.token}` },
      body: body && JSON.stringify(body),
    });
    return response.json();
  }
}

// Pages served under any host name; Chromium's resolver sends the test hosts here. `pages`
// maps a path to the HTML served there (a hostile page, say); any other path gets a sign-in form.
export async function startWebServer(pages = {}) {
  const server = createServer((request, response) => {
    const path = new URL(request.url, "http://any").pathname;
    response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    if (Object.hasOwn(pages, path)) {
      response.end(pages[path]);
      return;
    }
    response.end(`<!doctype html><html><head><title>${request.headers.host}</title></head>
      <body style="font: 16px sans-serif; margin: 0; padding: 120px 24px">
      <h1>Sign in to your account</h1><p>Served for ${request.headers.host}${request.url}</p>
      <form><input placeholder="Email"> <input type="password" placeholder="Password"> <button>Sign in</button></form>
      </body></html>`);
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  return server;
}

export async function launchBrowser(hosts) {
  // tests/run installs it; this is for the tests run by hand.
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM`);
  const userDataDir = mkdtempSync(join(tmpdir(), "baitwatch-chromium-"));
  // Every other name fails at once: a saved page's images on a real CDN must not hold its load
  // event until the resolver gives up (there is no network here).
  const rules = [...hosts.map((host) => `MAP ${host} 127.0.0.1`), "MAP * ~NOTFOUND", "EXCLUDE 127.0.0.1"].join(", ");
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      `--disable-extensions-except=${EXTENSION}`,
      `--load-extension=${EXTENSION}`,
      `--host-resolver-rules=${rules}`,
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-features=HttpsUpgrades", // the test pages are plain http on loopback
    ],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
  return { context, worker, extensionId: new URL(worker.url()).host };
}

// Opens `url` in a new tab; the extension may send the tab on before the load ends.
export async function openTab(browser, url) {
  const page = await browser.context.newPage();
  await page.goto(url).catch(() => {});
  return page;
}

// Opens one of the extension's own pages, which may ask the background for anything.
export async function extensionPage(browser, path) {
  const page = await browser.context.newPage();
  await page.goto(`chrome-extension://${browser.extensionId}/${path}`);
  return page;
}

// Points the extension at the test daemon, as the options page does.
// A Chromium with the extension, pointed at `daemon` and paired with it, for the pages of `hosts`.
export async function pairedBrowser(daemon, hosts) {
  const browser = await launchBrowser(hosts);
  await setDaemonPort(browser, daemon.port);
  await pairExtension(browser, daemon);
  return browser;
}

// What a test file's `before` started, stopped: the browser, then the web server and the daemon.
export async function stopAll({ browser, web, daemon }) {
  await browser?.context.close();
  web?.close();
  await daemon?.stop();
}

export async function setDaemonPort(browser, port) {
  const options = await extensionPage(browser, "options/options.html");
  const answer = await options.evaluate((port) => chrome.runtime.sendMessage({ type: "set-port", port }), port);
  await options.close();
  if (answer?.error) throw new Error(answer.error);
}

// Pairs the extension with `daemon` through the popup, as a person does.
export async function pairExtension(browser, daemon) {
  const popup = await extensionPage(browser, "popup/popup.html");
  await waitFor(() => popup.isVisible("#pair-form"), { what: "the pairing form" });
  await popup.fill("#code", daemon.pairingCode());
  await popup.click("#pair-form button");
  await waitFor(() => popup.isHidden("#pair-form"), { what: "pairing" });
  await popup.close();
}

// Opens the popup in a window of its own over the tab of `page`, as the toolbar button does:
// it is about the active tab of the last focused normal window.
export async function openPopup(browser, page) {
  await page.bringToFront();
  const url = `chrome-extension://${browser.extensionId}/popup/popup.html`;
  const [popup] = await Promise.all([
    browser.context.waitForEvent("page"),
    browser.worker.evaluate((url) => chrome.windows.create({ url, type: "popup" }), url),
  ]);
  await popup.waitForSelector("#verdict[data-state]"); // the popup has its state
  return popup;
}

export function warningPageUrl(browser) {
  return `chrome-extension://${browser.extensionId}/warning/warning.html`;
}

// Waits until the tab of `page` shows the extension's warning page.
export async function expectWarningPage(browser, page, timeoutMs = 15000) {
  await waitFor(() => page.url().startsWith(warningPageUrl(browser)), { what: "the warning page", timeoutMs });
  await page.waitForLoadState();
}

// The colour a person sees at one point of the page, from a real screenshot: [r, g, b].
export async function pixelAt(page, x, y) {
  const png = await page.screenshot({ clip: { x, y, width: 1, height: 1 } });
  const chunks = [];
  let colourType;
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString("ascii", at + 4, at + 8);
    if (type === "IHDR") colourType = png[at + 17]; // after width, height and bit depth
    if (type === "IDAT") chunks.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const row = inflateSync(Buffer.concat(chunks)); // one row: the filter byte, then one pixel
  if (colourType !== 2 && colourType !== 6) throw new Error(`unexpected PNG colour type ${colourType}`);
  return [row[1], row[2], row[3]];
}

// The toolbar title the extension set for the tab of `page`. Without the "tabs" permission
// the extension cannot look tabs up by URL, so the page's tab is made the active one.
export async function toolbarTitle(worker, page) {
  await page.bringToFront();
  return worker.evaluate(async () => {
    const window = await chrome.windows.getLastFocused({ windowTypes: ["normal"] }); // not a popup window
    const [tab] = await chrome.tabs.query({ active: true, windowId: window.id });
    return tab ? chrome.action.getTitle({ tabId: tab.id }) : null;
  });
}

// The accessibility tree of a page, shadow roots included: what a screen reader gets.
export async function accessibilityNodes(context, page) {
  const session = await context.newCDPSession(page);
  const { nodes } = await session.send("Accessibility.getFullAXTree");
  await session.detach();
  return nodes.filter((node) => !node.ignored).map((node) => ({ role: node.role?.value, name: node.name?.value ?? "" }));
}

// Runs `expression` in the extension's content-script world of `page` (its isolated world),
// as code that had taken over the content script could: returns the awaited value.
export async function inContentScriptWorld(context, page, expression) {
  const session = await context.newCDPSession(page);
  const worlds = [];
  session.on("Runtime.executionContextCreated", ({ context: world }) => worlds.push(world));
  await session.send("Runtime.enable");
  const world = worlds.find((w) => w.name === "baitwatch" && w.auxData?.type === "isolated" && w.auxData.isDefault === false);
  if (!world) throw new Error("no baitwatch content script in this page");
  const { result, exceptionDetails } = await session.send("Runtime.evaluate", { expression, contextId: world.id, awaitPromise: true, returnByValue: true });
  await session.detach();
  if (exceptionDetails) throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text);
  return result.value;
}

export { chromium }; // for benchmarks that compare against a browser without the extension
