// The background: checks each top-frame navigation with the daemon, keeps per-tab verdicts,
// paints the toolbar icon, and carries out what the banner, popup and options ask for.

import { Backoff } from "./lib/backoff.js";
import { isCheckable } from "./lib/checkable.js";
import { DaemonClient, DaemonError, DaemonUnreachable, DEFAULT_PORT } from "./lib/daemon-client.js";
import { shieldIcon } from "./lib/icon.js";
import * as tabState from "./lib/tab-state.js";
import { TOOLBAR, toolbarState } from "./lib/toolbar-state.js";

const tabs = new Map();
const daemon = { reachable: true, enabled: true, paired: false };
const backoff = new Backoff();
let retryTimer = null;

async function stored() {
  return chrome.storage.local.get({ daemonPort: DEFAULT_PORT, token: null, checked: 0, warnings: 0 });
}

async function client() {
  const { daemonPort, token } = await stored();
  daemon.paired = Boolean(token);
  return new DaemonClient({ port: daemonPort, token });
}

async function count(name) {
  const values = await stored();
  await chrome.storage.local.set({ [name]: values[name] + 1 });
}

function send(tabId, message) {
  chrome.tabs.sendMessage(tabId, message, { frameId: 0 }).catch(() => {}); // no content script there
}

async function paint(tabId) {
  const tab = tabs.get(tabId) ?? tabState.initialTab();
  const look = TOOLBAR[toolbarState(tab, daemon)];
  await Promise.all([
    chrome.action.setBadgeText({ tabId, text: look.badge }),
    chrome.action.setBadgeBackgroundColor({ tabId, color: look.color }),
    chrome.action.setTitle({ tabId, title: look.title }),
    chrome.action.setIcon({ tabId, imageData: shieldIcon(look.color) }),
  ]).catch(() => {}); // the tab closed meanwhile
}

async function paintAll() {
  await Promise.all([...tabs.keys()].map(paint));
}

function markReachable() {
  if (retryTimer !== null) clearTimeout(retryTimer);
  retryTimer = null;
  backoff.reset();
  daemon.reachable = true;
}

function markUnreachable() {
  daemon.reachable = false;
  if (retryTimer === null) retryTimer = setTimeout(probe, backoff.next());
}

// While the daemon is down, ask again with growing delays; when it answers, re-check the
// tabs that went unchecked.
async function probe() {
  retryTimer = null;
  try {
    daemon.enabled = (await (await client()).status()).enabled;
  } catch {
    markUnreachable();
    return;
  }
  markReachable();
  for (const [tabId, tab] of tabs) {
    if (tab.status === "unreachable") checkTab(tabId, tab.url);
  }
  await paintAll();
}

async function checkTab(tabId, url) {
  const { daemonPort } = await stored();
  const previous = tabs.get(tabId) ?? tabState.initialTab();
  if (tabState.showsBanner(previous)) send(tabId, { type: "hide-banner" });
  const checkable = isCheckable(url, daemonPort);
  tabs.set(tabId, tabState.onNavigate(previous, url, checkable));
  await paint(tabId);
  if (!checkable) return;
  try {
    const verdict = await (await client()).check(url);
    markReachable();
    daemon.enabled = verdict.reason !== "disabled";
    const tab = tabState.onVerdict(tabs.get(tabId) ?? tabState.initialTab(), url, verdict);
    tabs.set(tabId, tab);
    await count("checked");
    if (tabState.showsBanner(tab)) {
      await count("warnings");
      send(tabId, { type: "show-banner", verdict });
    }
  } catch (error) {
    if (!(error instanceof DaemonUnreachable)) {
      console.warn("baitwatch: the daemon could not check this page:", error.message);
      tabs.set(tabId, { ...tabs.get(tabId), status: "idle" });
    } else {
      markUnreachable();
      tabs.set(tabId, tabState.onUnreachable(tabs.get(tabId) ?? tabState.initialTab(), url));
    }
  }
  await paintAll();
}

function onTopFrameNavigation(details) {
  if (details.frameId === 0) checkTab(details.tabId, details.url);
}

chrome.webNavigation.onCommitted.addListener(onTopFrameNavigation);
chrome.webNavigation.onHistoryStateUpdated.addListener(onTopFrameNavigation);
chrome.tabs.onRemoved.addListener((tabId) => tabs.delete(tabId));

// A call that needs the token and is refused with 401 means the pairing is gone.
async function withToken(call) {
  try {
    return await call(await client());
  } catch (error) {
    if (error instanceof DaemonError && error.status === 401) {
      await chrome.storage.local.remove("token");
      daemon.paired = false;
      await paintAll();
      throw new Error("baitwatch is not paired with the daemon: open the popup and enter a pairing code.");
    }
    throw error;
  }
}

const handlers = {
  // From the banner's content script.
  async hello(message, sender) {
    const tab = tabs.get(sender.tab.id);
    if (!tab || tab.url !== sender.tab.url) {
      checkTab(sender.tab.id, sender.tab.url); // the worker restarted: check again, the verdict is pushed
      return {};
    }
    return tabState.showsBanner(tab) ? { show: tab.verdict } : {};
  },
  async dismiss(message, sender) {
    tabs.set(sender.tab.id, tabState.onDismiss(tabs.get(sender.tab.id) ?? tabState.initialTab()));
    return {};
  },
  async leave(message, sender) {
    await chrome.tabs.create({});
    await chrome.tabs.remove(sender.tab.id);
    return {};
  },
  async trust(message, sender) {
    const tab = tabs.get(sender.tab.id);
    await withToken((c) => c.allow(tab.verdict.domain));
    tabs.set(sender.tab.id, tabState.onDismiss(tab));
    return {};
  },
  async report(message, sender) {
    const tab = tabs.get(sender.tab.id);
    await withToken((c) => c.feedback(tab.verdict.url, "safe"));
    return {};
  },
  // From the popup.
  async "popup-state"() {
    try {
      daemon.enabled = (await (await client()).status()).enabled;
      markReachable();
    } catch (error) {
      if (error instanceof DaemonUnreachable) markUnreachable();
    }
    const [active] = await chrome.tabs.query({ active: true, currentWindow: true });
    const tab = (active && tabs.get(active.id)) ?? tabState.initialTab();
    const { checked, warnings } = await stored();
    if (active) await paint(active.id);
    return { tab, daemon, state: toolbarState(tab, daemon), checked, warnings };
  },
  async "set-enabled"(message) {
    const settings = await withToken((c) => c.setEnabled(message.enabled));
    daemon.enabled = settings.enabled;
    await paintAll();
    return settings;
  },
  async pair(message) {
    const { token } = await (await client()).pair(message.code);
    await chrome.storage.local.set({ token });
    daemon.paired = true;
    await paintAll();
    return { paired: true };
  },
  // From the options page.
  async allowlist() {
    return (await client()).allowlist();
  },
  async disallow(message) {
    return withToken((c) => c.disallow(message.domain));
  },
  async "set-port"(message) {
    await chrome.storage.local.set({ daemonPort: message.port });
    await probe();
    return { port: message.port };
  },
};

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const handler = handlers[message?.type];
  if (!handler) return false;
  handler(message, sender).then(
    (answer) => sendResponse(answer),
    (error) => sendResponse({ error: error.message }),
  );
  return true; // the answer comes asynchronously
});

stored().then(({ token }) => {
  daemon.paired = Boolean(token);
});
