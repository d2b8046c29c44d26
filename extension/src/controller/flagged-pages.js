// What happens to a flagged page: its tab goes to the warning page, or keeps a reminder
// banner once the person chose to continue to that site in that tab; a suspicious page gets
// a calm notice. The page's script asks for the banner's text (reminderFor, noticeFor).

import { explain, siteOf } from "../lib/explain.js";
import * as tabState from "../lib/tab-state.js";

const ARRIVAL_MS = 1500; // how long a tab may take to reach the warning page before it is replaced

export function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

export function createFlaggedPages({ platform, clock, tabs, counters }) {
  const warningPage = platform.pageUrl("warning/warning.html");
  const sleep = (ms) => new Promise((done) => clock.setTimer(done, ms));

  function isContinued(tabId, verdict) {
    return tabs.continued.get(tabId)?.domains.has(siteOf(verdict)) ?? false;
  }

  // If flagged, Continue on the warning page returns to `returnTo`.
  async function warn(tabId, url, verdict, returnTo) {
    if (isContinued(tabId, verdict)) {
      await showReminder(tabId);
      return;
    }
    const warning = { url, verdict, returnTo };
    tabs.warnings.set(tabId, warning);
    counters.add("warnings");
    const warningUrl = `${warningPage}?url=${encodeURIComponent(url)}`;
    await platform.tabs.update(tabId, { url: warningUrl }).catch(() => {}); // the tab closed
    // A page can hold its tab with a beforeunload handler: then the warning replaces the tab.
    await sleep(ARRIVAL_MS);
    if (!tabs.states.has(tabId) || warning.shown || tabs.warnings.get(tabId) !== warning) return;
    try {
      const { index, windowId, active } = await platform.tabs.get(tabId);
      const replacement = await platform.tabs.create({ url: warningUrl, index, windowId, active });
      tabs.warnings.set(replacement.id, warning);
      await platform.tabs.remove(tabId);
    } catch {
      // the tab went away meanwhile
    }
  }

  async function showReminder(tabId) {
    try {
      await platform.tabs.sendMessage(tabId, { type: "show-reminder" }, { frameId: 0 });
    } catch {
      // No reminder script in the page yet (a tab open before the extension was installed, or a
      // page that loaded before the script could run): put one in; it asks for its text.
      await platform.injectReminder(tabId).catch(() => {}); // a page the extension may not touch
    }
  }

  // The page's own replaceState may have moved its address since, so the host is compared.
  function reminderFor(tabId, frameUrl) {
    const tab = tabs.stateOf(tabId);
    if (!tabState.isFlagged(tab) || hostOf(tab.url) !== hostOf(frameUrl) || !isContinued(tabId, tab.verdict)) return null;
    return explain(tab.verdict).reminder;
  }

  // A suspicious (not phishing) page gets a calm notice, which the page's script shows only
  // where a password or card number is asked for.
  function noticeFor(tabId, frameUrl) {
    const tab = tabs.stateOf(tabId);
    if (tab.status !== "suspicious" || hostOf(tab.url) !== hostOf(frameUrl)) return null;
    return explain(tab.verdict).notice;
  }

  return { warningPage, warn, showReminder, reminderFor, noticeFor };
}
