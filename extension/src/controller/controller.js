// The background's logic behind one seam. Every browser call goes through `platform`, every
// daemon call through a client from `connect`, every timer through `clock`: background.js
// passes the real ones, and the unit tests an in-memory browser, a daemon of their own and
// a clock they move by hand. (Not named `browser`: that is Firefox's global API, and
// web-ext lint would take the adapter's calls for calls to it.)
//
// platform: {
//   extension: { id, origin },                  who the extension's own pages are (lib/sender.js)
//   pageUrl(path),                              the address of a file of the extension
//   tabs: { create, get, query, reload, remove, sendMessage, update },   as chrome.tabs
//   frontTab(),                                 the active tab of the last focused browser window, or null
//   showToolbar(tabId, look),                   a tab's badge, title and icon (a look of lib/toolbar-state.js)
//   injectReminder(tabId),                      puts the reminder script in the tab's top frame
//   notifications: { create, clear },           as chrome.notifications
//   storage: { local, session },                as chrome.storage's areas (get, set, remove)
//   privateSettings: { read, write, remove },   as lib/private-store.js: the token and the port
// }

import { DaemonClient } from "../lib/daemon-client.js";
import { createChecking } from "./checking.js";
import { createCounters } from "./counters.js";
import { createDaemonLink } from "./daemon-link.js";
import { createFlaggedPages } from "./flagged-pages.js";
import { createContentScriptRequests, createMessageHandler } from "./messages.js";
import { createNavigation } from "./navigation.js";
import { createPageEvidence } from "./page-evidence.js";
import { createPageRequests } from "./page-requests.js";
import { createProbing } from "./probing.js";
import { createTabRegistry } from "./tab-registry.js";
import { createToolbar } from "./toolbar.js";
import { createUnreachableNotification } from "./unreachable-notification.js";

const REAL_CLOCK = {
  now: () => Date.now(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (timer) => clearTimeout(timer),
};

export function createController({ platform, connect = (options) => new DaemonClient(options), clock = REAL_CLOCK }) {
  const daemon = { reachable: true, enabled: true, paired: false, genuine: true, model: null }; // as the extension last saw it
  const tabs = createTabRegistry();
  const counters = createCounters(platform.storage.local);
  const toolbar = createToolbar({ platform, tabs, daemon });
  const link = createDaemonLink({ platform, connect, daemon, paintAll: toolbar.paintAll });
  const notification = createUnreachableNotification({ platform, clock });
  const probing = createProbing({
    clock,
    daemon,
    link,
    notification,
    async onBackUp() {
      checking.recheck(["unreachable"]);
      await toolbar.paintAll();
    },
  });
  const flagged = createFlaggedPages({ platform, clock, tabs, counters });
  const pages = createPageEvidence({ clock, tabs, link, apply: (...args) => checking.apply(...args) });
  const checking = createChecking({ clock, daemon, tabs, link, probing, counters, flagged, toolbar, pages });
  const navigation = createNavigation({ tabs, link, checking, pages, flagged, toolbar });
  const handleMessage = createMessageHandler({
    extension: platform.extension,
    fromExtensionPages: createPageRequests({ platform, daemon, tabs, link, probing, checking, counters, flagged, toolbar }),
    fromContentScripts: createContentScriptRequests({ tabs, navigation, flagged, pages }),
  });

  // Before this version the token and port sat in storage.local, which content scripts can
  // read and write. Nothing is taken over from there (a page could have planted a port): the
  // old values are dropped and the person pairs once more. Tabs already open get checked. A
  // new install opens the welcome page, which walks the person through setting up.
  async function onInstalled({ reason }) {
    if (reason === "install") await platform.tabs.create({ url: platform.pageUrl("welcome/welcome.html") });
    await platform.storage.local.remove(["token", "daemonPort"]);
    const open = await platform.tabs.query({});
    for (const tab of open) {
      if (tab.id !== undefined && tab.url) await navigation.onDocument({ tabId: tab.id, frameId: 0, url: tab.url });
    }
  }

  link.settings().then(({ token }) => {
    daemon.paired = Boolean(token);
  });

  return { ...navigation, onInstalled, onNotificationClicked: notification.onClicked, handleMessage };
}
