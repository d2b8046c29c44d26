// A controller wired to the fake browser, the fake daemon and a hand-moved clock, with the
// moves a test makes: open a tab, visit an address, ask as one of the extension's pages.

import { createController } from "../../../src/controller/controller.js";
import { fakeBrowser, EXTENSION } from "./browser.js";
import { fakeClock } from "./clock.js";
import { fakeDaemon } from "./daemon.js";

export const WARNING_PAGE = `${EXTENSION.origin}warning/warning.html`;
export const warningUrl = (url) => `${WARNING_PAGE}?url=${encodeURIComponent(url)}`;

// Senders as runtime.onMessage describes them.
export const POPUP = { id: EXTENSION.id, url: `${EXTENSION.origin}popup/popup.html`, origin: EXTENSION.origin.slice(0, -1) };
export const warningPageIn = (tabId, url) => ({ id: EXTENSION.id, url: warningUrl(url), tab: { id: tabId }, frameId: 0 });
export const contentScriptIn = (tabId, url) => ({ id: EXTENSION.id, url, origin: new URL(url).origin, tab: { id: tabId }, frameId: 0 });

// Waits, in real time, for what the controller does after an event (its work is promises).
export async function until(predicate, what = "the condition") {
  for (let tries = 0; tries < 2000; tries += 1) {
    if (await predicate()) return;
    await new Promise((done) => setTimeout(done, 1));
  }
  throw new Error(`timed out waiting for ${what}`);
}

// Lets whatever the controller still has under way finish, where nothing visible says when.
export async function settle() {
  for (let turns = 0; turns < 30; turns += 1) await new Promise((done) => setTimeout(done, 1));
}

export function setUp({ paired = true } = {}) {
  const browser = fakeBrowser();
  const daemon = fakeDaemon();
  const clock = fakeClock();
  if (paired) browser.privateSettings.values.set("token", daemon.token);
  const controller = createController({ platform: browser, connect: daemon.connect, clock });
  return {
    browser,
    daemon,
    clock,
    controller,
    openTab: async (url = "about:blank") => (await browser.tabs.create({ url })).id,
    // The tab's top frame commits a new document, as webNavigation.onCommitted reports it.
    async visit(tabId, url) {
      browser.goTo(tabId, url);
      await controller.onDocument({ tabId, frameId: 0, url });
    },
    async closeTab(tabId) {
      await browser.tabs.remove(tabId);
      controller.onTabRemoved(tabId);
    },
    // The page's script in a frame asks whether to read its page and, if so, sends its copy.
    async readPage(tabId, url, html = "<form><input type=password></form>", frameId = 0) {
      const sender = { ...contentScriptIn(tabId, url), frameId };
      const { wanted, document } = await controller.handleMessage({ type: "page-wanted" }, sender);
      if (wanted) await controller.handleMessage({ type: "page-evidence", document, html }, sender);
      return wanted;
    },
    title: (tabId) => browser.toolbar.get(tabId)?.title,
    ask: (message, sender = POPUP) => controller.handleMessage(message, sender),
  };
}
