// Checks addresses with the daemon and applies the answers to the tabs (lib/tab-state.js).

import { Coalescer } from "../lib/coalescer.js";
import { DaemonUnreachable, NotTheDaemon } from "../lib/daemon-client.js";
import * as tabState from "../lib/tab-state.js";

export function createChecking({ clock, daemon, tabs, link, probing, counters, flagged, toolbar }) {
  const checks = new Coalescer(runCheck, { now: clock.now, setTimer: clock.setTimer });

  // Every check is asked for here and coalesced per frame: a new document's address is always
  // checked, and of its same-document changes the latest wins. If it is flagged, Continue on
  // the warning page returns to `returnTo`: the flagged address itself, or for a sub-frame the
  // page around it.
  function requestCheck(tabId, frameId, url, { newDocument }) {
    const tab = tabs.stateOf(tabId);
    const request = { tabId, check: { ...tabState.checkRequest(tab), url }, returnTo: frameId === 0 ? url : tab.url };
    if (newDocument) checks.restart(`${tabId}/${frameId}`, request);
    else checks.request(`${tabId}/${frameId}`, request);
  }

  async function runCheck(key, { tabId, check, returnTo }) {
    let verdict;
    try {
      verdict = await link.withToken((c) => c.check(check.url));
      probing.markReachable();
    } catch (error) {
      const why = error instanceof DaemonUnreachable ? "unreachable" : "error";
      if (why === "unreachable") probing.markUnreachable();
      else console.warn("baitwatch: the daemon could not check a page:", error.message);
      if (error instanceof NotTheDaemon) daemon.genuine = false;
      tabs.states.set(tabId, tabState.onCheckFailed(tabs.stateOf(tabId), check, why));
      await toolbar.paint(tabId);
      return;
    }
    daemon.enabled = verdict.reason !== "disabled";
    daemon.genuine = true;
    counters.add("checked");
    const before = tabs.stateOf(tabId);
    const after = tabState.onVerdict(before, check, verdict);
    tabs.states.set(tabId, after);
    // Not awaited: what the warning waits on (a page to load) must not hold up this tab's next check.
    if (after !== before && tabState.isFlagged(after)) flagged.warn(tabId, check.url, verdict, returnTo);
    if (after !== before && after.status === "suspicious") flagged.showReminder(tabId); // the page script asks for its notice
    await toolbar.paint(tabId);
  }

  // Checks again the tabs whose last check could not be made.
  function recheck(statuses) {
    for (const [tabId, tab] of tabs.states) {
      if (statuses.includes(tab.status)) requestCheck(tabId, 0, tab.url, { newDocument: false });
    }
  }

  function forgetTab(tabId) {
    checks.forget((key) => key.startsWith(`${tabId}/`));
  }

  return { requestCheck, recheck, forgetTab };
}
