// The background: checks every document's address with the daemon, keeps per-tab verdicts,
// sends a tab whose page is flagged to the extension's warning page, paints the toolbar
// icon, says once when the daemon stays unreachable, opens the welcome page on install, and
// carries out what the extension's own pages ask for. Content scripts (inside web
// pages that may be hostile) may only ask whether their page needs the reminder banner.

import { Backoff } from "./lib/backoff.js";
import { isCheckable } from "./lib/checkable.js";
import { Coalescer } from "./lib/coalescer.js";
import { DaemonClient, DaemonError, DaemonUnreachable, DEFAULT_PORT, NotTheDaemon } from "./lib/daemon-client.js";
import { explain, siteOf } from "./lib/explain.js";
import { HOW_TO_START } from "./lib/how-to-start.js";
import { shieldIcon } from "./lib/icon.js";
import { readPrivate, removePrivate, writePrivate } from "./lib/private-store.js";
import { senderKind } from "./lib/sender.js";
import * as tabState from "./lib/tab-state.js";
import { TOOLBAR, toolbarState } from "./lib/toolbar-state.js";
import { initialNotice, onNotified, onReachable, onUnreachable, shouldNotify } from "./lib/unreachable-notice.js";

const EXTENSION = { id: chrome.runtime.id, origin: chrome.runtime.getURL("") };
const WARNING_PAGE = chrome.runtime.getURL("warning/warning.html");
const WELCOME_PAGE = chrome.runtime.getURL("welcome/welcome.html");
const NOTICE_ID = "baitwatch-daemon-unreachable";
const NOTICE_KEY = "unreachableNotice"; // in storage.session, which content scripts cannot read
const REMINDER_SCRIPT = "content/reminder.js";
const SAFE_PAGES = ["chrome://newtab/", "about:blank"]; // Firefox refuses the first
const ARRIVAL_MS = 1500; // how long a tab may take to reach the warning page before it is replaced

const tabs = new Map(); // tabId -> the top document's state (lib/tab-state.js)
const warnings = new Map(); // tabId -> { url, verdict, returnTo, shown }: what the warning page in that tab is about
const continued = new Map(); // tabId -> { host, domains }: flagged sites the person chose to visit anyway
const openedBy = new Map(); // tabId -> the flagged tab state of the page that opened it
const daemon = { reachable: true, enabled: true, paired: false, genuine: true, model: null };
const backoff = new Backoff();
let retryTimer = null;

const tabOf = (tabId) => tabs.get(tabId) ?? tabState.initialTab();

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

function settings() {
  return readPrivate({ daemonPort: DEFAULT_PORT, token: null });
}

// One client while the port and token stay the same, so the daemon proves itself once (and
// again after a connection error), not before every check.
let current = null;

async function client() {
  const { daemonPort, token } = await settings();
  daemon.paired = Boolean(token);
  if (current?.port !== daemonPort || current?.token !== token) current = new DaemonClient({ port: daemonPort, token });
  return current;
}

async function count(name) {
  const values = await chrome.storage.local.get({ [name]: 0 });
  await chrome.storage.local.set({ [name]: values[name] + 1 });
}

async function paint(tabId) {
  const look = TOOLBAR[toolbarState(tabOf(tabId), daemon)];
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
  updateNotice(noticeUp);
}

// While the daemon is down, it is asked again with growing delays (one chain of retries,
// however many checks fail).
function markUnreachable() {
  daemon.reachable = false;
  updateNotice(noticeDown);
  if (retryTimer !== null) return;
  retryTimer = setTimeout(() => {
    retryTimer = null;
    probe();
  }, backoff.next());
}

// Asks the daemon for its state; when it answers after being down, re-checks the tabs that
// went unchecked.
async function probe() {
  const wasDown = !daemon.reachable;
  try {
    const status = await (await client()).status();
    daemon.enabled = status.enabled;
    daemon.model = status.model; // which model decides: the popup names it
  } catch {
    markUnreachable();
    return;
  }
  markReachable();
  if (!wasDown) return;
  recheck(["unreachable"]);
  await paintAll();
}

// --- Telling the person once that the daemon stays unreachable ---------------------------

// Kept in storage.session too, so that a restart of the background does not tell it again.
let notice = chrome.storage.session
  .get({ [NOTICE_KEY]: initialNotice() })
  .then((values) => values[NOTICE_KEY], () => initialNotice());

// Changes are applied one after another: many checks fail at once when the daemon stops.
function updateNotice(change) {
  notice = notice.then(async (before) => {
    try {
      const after = await change(before);
      if (after !== before) await chrome.storage.session.set({ [NOTICE_KEY]: after });
      return after;
    } catch (error) {
      console.warn("baitwatch: could not update the daemon notice:", error.message);
      return before;
    }
  });
}

async function noticeDown(before) {
  const now = Date.now();
  const after = onUnreachable(before, now);
  if (!shouldNotify(after, now)) return after;
  await chrome.notifications.create(NOTICE_ID, {
    type: "basic",
    iconUrl: chrome.runtime.getURL("icons/icon-128.png"),
    title: "baitwatch: protection is off",
    message: `The baitwatch service on this computer is not running, so pages are not being checked. ${HOW_TO_START}`,
  });
  return onNotified(after);
}

async function noticeUp(before) {
  if (before.shown) await chrome.notifications.clear(NOTICE_ID); // it would no longer be true
  return onReachable(before);
}

chrome.notifications.onClicked.addListener(async (id) => {
  if (id !== NOTICE_ID) return;
  await chrome.notifications.clear(NOTICE_ID);
  await chrome.tabs.create({ url: WELCOME_PAGE });
});

// Checks again the tabs whose last check could not be made.
function recheck(statuses) {
  for (const [tabId, tab] of tabs) {
    if (statuses.includes(tab.status)) requestCheck(tabId, 0, tab.url, { newDocument: false });
  }
}

// --- Checking ---------------------------------------------------------------------------

const checks = new Coalescer(runCheck);

// Every check is asked for here and coalesced per frame: a new document's address is always
// checked, and of its same-document changes the latest wins. If it is flagged, Continue on
// the warning page returns to `returnTo`: the flagged address itself, or for a sub-frame the
// page around it.
function requestCheck(tabId, frameId, url, { newDocument }) {
  const tab = tabOf(tabId);
  const request = { tabId, check: { ...tabState.checkRequest(tab), url }, returnTo: frameId === 0 ? url : tab.url };
  if (newDocument) checks.restart(`${tabId}/${frameId}`, request);
  else checks.request(`${tabId}/${frameId}`, request);
}

async function runCheck(key, { tabId, check, returnTo }) {
  let verdict;
  try {
    verdict = await withToken((c) => c.check(check.url));
    markReachable();
  } catch (error) {
    const why = error instanceof DaemonUnreachable ? "unreachable" : "error";
    if (why === "unreachable") markUnreachable();
    else console.warn("baitwatch: the daemon could not check a page:", error.message);
    if (error instanceof NotTheDaemon) daemon.genuine = false;
    tabs.set(tabId, tabState.onCheckFailed(tabOf(tabId), check, why));
    await paint(tabId);
    return;
  }
  daemon.enabled = verdict.reason !== "disabled";
  daemon.genuine = true;
  await count("checked");
  const before = tabOf(tabId);
  const after = tabState.onVerdict(before, check, verdict);
  tabs.set(tabId, after);
  // Not awaited: what the warning waits on (a page to load) must not hold up this tab's next check.
  if (after !== before && tabState.isFlagged(after)) warn(tabId, check.url, verdict, returnTo);
  if (after !== before && after.status === "suspicious") showReminder(tabId); // the page script asks for its notice
  await paint(tabId);
}

function isContinued(tabId, verdict) {
  return continued.get(tabId)?.domains.has(siteOf(verdict)) ?? false;
}

// A flagged address: the tab goes to the warning page, unless the person already chose to
// continue to this site in this tab; then the page keeps a reminder banner.
async function warn(tabId, url, verdict, returnTo) {
  if (isContinued(tabId, verdict)) {
    await showReminder(tabId);
    return;
  }
  const warning = { url, verdict, returnTo };
  warnings.set(tabId, warning);
  await count("warnings");
  const warningUrl = `${WARNING_PAGE}?url=${encodeURIComponent(url)}`;
  await chrome.tabs.update(tabId, { url: warningUrl }).catch(() => {}); // the tab closed
  // A page can hold its tab with a beforeunload handler: then the warning replaces the tab.
  await new Promise((done) => setTimeout(done, ARRIVAL_MS));
  if (!tabs.has(tabId) || warning.shown || warnings.get(tabId) !== warning) return;
  try {
    const { index, windowId, active } = await chrome.tabs.get(tabId);
    const replacement = await chrome.tabs.create({ url: warningUrl, index, windowId, active });
    warnings.set(replacement.id, warning);
    await chrome.tabs.remove(tabId);
  } catch {
    // the tab went away meanwhile
  }
}

async function showReminder(tabId) {
  try {
    await chrome.tabs.sendMessage(tabId, { type: "show-reminder" }, { frameId: 0 });
  } catch {
    // No reminder script in the page yet (a tab open before the extension was installed, or a
    // page that loaded before the script could run): put one in; it asks for its text.
    await chrome.scripting
      ?.executeScript({ target: { tabId, frameIds: [0] }, files: [REMINDER_SCRIPT], injectImmediately: true })
      .catch(() => {}); // a page the extension may not touch
  }
}

// The page's own replaceState may have moved its address since, so the host is compared.
function reminderFor(tabId, frameUrl) {
  const tab = tabOf(tabId);
  if (!tabState.isFlagged(tab) || hostOf(tab.url) !== hostOf(frameUrl) || !isContinued(tabId, tab.verdict)) return null;
  return explain(tab.verdict).reminder;
}

// A suspicious (not phishing) page gets a calm notice, which the page's script shows only
// where a password or card number is asked for.
function noticeFor(tabId, frameUrl) {
  const tab = tabOf(tabId);
  if (tab.status !== "suspicious" || hostOf(tab.url) !== hostOf(frameUrl)) return null;
  return explain(tab.verdict).notice;
}

// --- Navigation events -------------------------------------------------------------------

async function onDocument(details) {
  const { tabId, frameId, url } = details;
  const checkable = isCheckable(url, (await settings()).daemonPort);
  if (frameId !== 0) {
    if (checkable) requestCheck(tabId, frameId, url, { newDocument: true });
    return;
  }
  const previous = tabOf(tabId);
  const warning = warnings.get(tabId);
  if (url.startsWith(WARNING_PAGE) && warning) {
    warning.shown = true;
    tabs.set(tabId, tabState.onWarningShown(previous, url, warning.verdict));
    await paint(tabId);
    return;
  }
  if (continued.get(tabId)?.host !== hostOf(url)) continued.delete(tabId);
  tabs.set(tabId, tabState.onNewDocument(previous, url, checkable));
  const opener = openedBy.get(tabId);
  openedBy.delete(tabId);
  if (checkable) requestCheck(tabId, 0, url, { newDocument: true });
  else if (opener && /^(about|blob|data):/.test(url)) {
    // A page with no address of its own, opened by a flagged page: it inherits the warning.
    tabs.set(tabId, tabState.onVerdict(tabOf(tabId), tabState.checkRequest(tabOf(tabId)), opener.verdict));
    warn(tabId, url, opener.verdict, opener.url);
  }
  await paint(tabId);
}

async function onSameDocument(details) {
  const { tabId, frameId, url } = details;
  const checkable = isCheckable(url, (await settings()).daemonPort);
  if (frameId === 0) {
    tabs.set(tabId, tabState.onSameDocument(tabOf(tabId), url, checkable));
    await paint(tabId);
  }
  if (checkable) requestCheck(tabId, frameId, url, { newDocument: false });
}

chrome.webNavigation.onCommitted.addListener(onDocument);
chrome.webNavigation.onHistoryStateUpdated.addListener(onSameDocument);
chrome.webNavigation.onReferenceFragmentUpdated.addListener(onSameDocument);
chrome.webNavigation.onCreatedNavigationTarget.addListener(({ sourceTabId, tabId }) => {
  const source = tabs.get(sourceTabId);
  if (source && tabState.isFlagged(source)) openedBy.set(tabId, source);
});
chrome.tabs.onRemoved.addListener((tabId) => {
  for (const map of [tabs, warnings, continued, openedBy]) map.delete(tabId);
  checks.forget((key) => key.startsWith(`${tabId}/`));
});

// --- Requests from the extension's pages and from content scripts ------------------------

// A call that needs the token and is refused with 401 means the pairing is gone.
async function withToken(call) {
  try {
    return await call(await client());
  } catch (error) {
    if (error instanceof DaemonError && error.status === 401) {
      await removePrivate("token");
      daemon.paired = false;
      await paintAll();
      throw new Error("baitwatch is not paired with the daemon: open the popup and enter a pairing code.");
    }
    throw error;
  }
}

function warningOf(sender) {
  const warning = warnings.get(sender.tab?.id);
  if (!warning) throw new Error("This warning is out of date: check the address again by opening it anew.");
  return warning;
}

async function goSomewhereSafe(tabId) {
  for (const url of SAFE_PAGES) {
    try {
      await chrome.tabs.update(tabId, { url });
      return;
    } catch {
      // this browser does not let extensions open that page; try the next
    }
  }
}

// The tab the popup is about: the active tab of the last focused browser window.
async function frontTab() {
  const window = await chrome.windows.getLastFocused({ windowTypes: ["normal"] }).catch(() => null);
  if (!window) return null;
  const [active] = await chrome.tabs.query({ active: true, windowId: window.id });
  return active ?? null;
}

async function flaggedFrontTab() {
  const active = await frontTab();
  const tab = active && tabs.get(active.id);
  if (!tab || !tabState.isFlagged(tab)) throw new Error("This tab has no warning to act on.");
  return { tabId: active.id, verdict: tab.verdict };
}

const fromContentScripts = {
  async hello(message, sender) {
    if (sender.frameId === 0 && !tabs.has(sender.tab.id)) {
      await onDocument({ tabId: sender.tab.id, frameId: 0, url: sender.url }); // the background restarted
    }
    return { reminder: reminderFor(sender.tab.id, sender.url), notice: noticeFor(sender.tab.id, sender.url) };
  },
};

const fromExtensionPages = {
  // The warning page.
  async "warning-details"(message, sender) {
    if (!warnings.has(sender.tab?.id)) {
      // The background restarted since the warning was shown: check the address again.
      const url = String(message.url);
      const verdict = await (await client()).check(url);
      // Only a web page can be judged again: an inherited warning (about:, data:, blob:) stays.
      if (verdict.verdict !== "phishing" && /^https?:/i.test(url)) {
        await chrome.tabs.update(sender.tab.id, { url });
        return { flagged: false };
      }
      warnings.set(sender.tab.id, { url, verdict, returnTo: url });
    }
    const { url, verdict } = warningOf(sender);
    return { flagged: true, url, ...explain(verdict), paired: daemon.paired };
  },
  async "back-to-safety"(message, sender) {
    await goSomewhereSafe(sender.tab.id);
    return {};
  },
  async continue(message, sender) {
    const { verdict, returnTo } = warningOf(sender);
    // The daemon trusts the address's own scope: its site, or one user's site on a shared platform.
    if (message.trust) await withToken((c) => c.allow(verdict.url));
    continued.set(sender.tab.id, { host: hostOf(returnTo), domains: new Set([siteOf(verdict)]) });
    await chrome.tabs.update(sender.tab.id, { url: returnTo });
    return {};
  },
  async report(message, sender) {
    await withToken((c) => c.feedback(warningOf(sender).url, "safe"));
    return {};
  },
  // The popup.
  async "popup-state"() {
    await probe();
    const active = await frontTab();
    const tab = active ? tabOf(active.id) : tabState.initialTab();
    const { checked, warnings: shown } = await chrome.storage.local.get({ checked: 0, warnings: 0 });
    if (active) await paint(active.id);
    return { tab, daemon, state: toolbarState(tab, daemon), checked, warnings: shown };
  },
  async "trust-site"() {
    const { tabId, verdict } = await flaggedFrontTab();
    await withToken((c) => c.allow(verdict.url));
    const warning = warnings.get(tabId);
    if (warning?.shown && tabOf(tabId).url.startsWith(WARNING_PAGE)) await chrome.tabs.update(tabId, { url: warning.returnTo });
    else await chrome.tabs.reload(tabId);
    return {};
  },
  async "report-site"() {
    const { verdict } = await flaggedFrontTab();
    await withToken((c) => c.feedback(verdict.url, "safe"));
    return {};
  },
  async "set-enabled"(message) {
    const answer = await withToken((c) => c.setEnabled(message.enabled === true));
    daemon.enabled = answer.enabled;
    await paintAll();
    return answer;
  },
  async pair(message) {
    const { token } = await (await client()).pair(String(message.code));
    await writePrivate({ token });
    daemon.paired = true;
    recheck(["unchecked", "unreachable"]);
    await paintAll();
    return { paired: true };
  },
  // The welcome page: the daemon's state and, once paired, whether it proves who it is.
  async "welcome-state"() {
    await probe();
    if (daemon.reachable && daemon.paired) {
      try {
        await (await client()).ensureRealDaemon();
        daemon.genuine = true;
      } catch (error) {
        if (error instanceof NotTheDaemon) daemon.genuine = false;
      }
    }
    const { reachable, paired, genuine, enabled } = daemon;
    return { daemon: { reachable, paired, genuine, enabled }, port: (await settings()).daemonPort };
  },
  // The options page.
  async allowlist() {
    return (await client()).allowlist();
  },
  async disallow(message) {
    return withToken((c) => c.disallow(String(message.domain)));
  },
  async "familiar-sites"() {
    return { enabled: (await (await client()).settings()).familiar_sites };
  },
  async "set-familiar-sites"(message) {
    return { enabled: (await withToken((c) => c.setFamiliarSites(message.enabled === true))).familiar_sites };
  },
  async "forget-familiar-sites"() {
    await withToken((c) => c.forgetFamiliarSites());
    return {};
  },
  async "get-port"() {
    return { port: (await settings()).daemonPort };
  },
  async "set-port"(message) {
    const port = Number(message.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error("The port must be a whole number from 1 to 65535.");
    await writePrivate({ daemonPort: port });
    daemon.genuine = true; // not known yet: the next check asks the new port's daemon for its proof
    await probe();
    return { port };
  },
};

const HANDLERS = { "extension-page": fromExtensionPages, "content-script": fromContentScripts, stranger: {} };

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const type = message?.type;
  const handlers = HANDLERS[senderKind(sender, EXTENSION)];
  if (typeof type !== "string" || !Object.hasOwn(handlers, type)) {
    sendResponse({ error: "baitwatch does not accept this request from here." });
    return false;
  }
  handlers[type](message, sender).then(
    (answer) => sendResponse(answer),
    (error) => sendResponse({ error: error.message }),
  );
  return true; // the answer comes asynchronously
});

// Before this version the token and port sat in chrome.storage.local, which content scripts
// can read and write. Nothing is taken over from there (a page could have planted a port):
// the old values are dropped and the person pairs once more. Tabs already open get checked.
// A new install opens the welcome page, which walks the person through setting up.
chrome.runtime.onInstalled.addListener(async ({ reason }) => {
  if (reason === "install") await chrome.tabs.create({ url: WELCOME_PAGE });
  await chrome.storage.local.remove(["token", "daemonPort"]);
  const open = await chrome.tabs.query({});
  for (const tab of open) {
    if (tab.id !== undefined && tab.url) await onDocument({ tabId: tab.id, frameId: 0, url: tab.url });
  }
});

settings().then(({ token }) => {
  daemon.paired = Boolean(token);
});
