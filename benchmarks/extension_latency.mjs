// What the extension costs a navigation, in real Chromium against a real daemon.
//
//   node benchmarks/extension_latency.mjs [navigations]
//
// Loads the same local pages in a browser with the extension and in one without it, and
// prints the median page-load time of each (the extension's added latency is the
// difference) and the median time from starting a navigation to the extension's verdict.

import { chromium, Daemon, freePort, launchBrowser, pairExtension, setDaemonPort, startWebServer, toolbarTitle } from "../extension/test/e2e/harness.js";

const NAVIGATIONS = Number(process.argv[2] ?? 40);
const HOST = "shop.example-store.test";
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function loadTimes(context, urls, onLoaded = async () => {}) {
  const page = await context.newPage();
  const loads = [];
  const extra = [];
  for (const url of urls) {
    const started = Date.now();
    await page.goto(url, { waitUntil: "load" });
    loads.push(await page.evaluate(() => performance.getEntriesByType("navigation")[0].loadEventEnd));
    extra.push(await onLoaded(page, started));
  }
  await page.close();
  return { loads, extra };
}

const daemon = new Daemon(await freePort());
await daemon.start();
const web = await startWebServer();
const base = `http://${HOST}:${web.address().port}`;
const urls = (tag) => Array.from({ length: NAVIGATIONS }, (_, i) => `${base}/catalogue/item-${tag}-${i}?colour=blue`);

const withExtension = await launchBrowser([HOST]);
await setDaemonPort(withExtension, daemon.port);
await pairExtension(withExtension, daemon); // paired, so the toolbar shows the verdict
const measured = await loadTimes(withExtension.context, urls("a"), async (page, started) => {
  for (;;) {
    const title = await toolbarTitle(withExtension.worker, page);
    if (title && /no sign|looks like phishing/.test(title)) return Date.now() - started;
    await new Promise((done) => setTimeout(done, 2));
  }
});
await withExtension.context.close();

const plain = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`, "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
const baseline = await loadTimes(await plain.newContext(), urls("b"));
await plain.close();
web.close();
await daemon.stop();

const withLoad = median(measured.loads);
const withoutLoad = median(baseline.loads);
console.log(`${NAVIGATIONS} navigations to distinct local pages (uncached verdicts), medians:`);
console.log(`page load with the extension:    ${withLoad.toFixed(1)} ms`);
console.log(`page load without the extension: ${withoutLoad.toFixed(1)} ms`);
console.log(`added latency per navigation:    ${(withLoad - withoutLoad).toFixed(1)} ms`);
console.log(`navigation start to verdict:     ${median(measured.extra)} ms (the page does not wait for it)`);
