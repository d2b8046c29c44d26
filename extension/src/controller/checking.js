// Checks addresses with the daemon and applies the answers to the tabs (lib/tab-state.js).

import { Coalescer } from "../lib/coalescer.js";
import { DaemonUnreachable, NotTheDaemon } from "../lib/daemon-client.js";
import * as tabState from "../lib/tab-state.js";

export function createChecking({ clock, daemon, tabs, link, probing, counters, flagged, toolbar, pages }) {
  const checks = new Coalescer(runCheck, { now: clock.now, setTimer: clock.setTimer });

  // Every check is asked for here and coalesced per frame: a new document's address is always
  // checked, and of its same-document changes the latest wins. If it is flagged, Continue on
  // the warning page returns to `returnTo`: the flagged address itself, or for a sub-frame the
  // page around it.
  function requestCheck(tabId, frameId, url, { newDocument }) {
    const tab = tabs.stateOf(tabId);
    const request = { tabId, top: frameId === 0, check: { ...tabState.checkRequest(tab), url }, returnTo: frameId === 0 ? url : tab.url };
    if (newDocument) checks.restart(`${tabId}/${frameId}`, request);
    else checks.request(`${tabId}/${frameId}`, request);
  }

  // Asks the daemon about `url`, and keeps what its answer tells about the daemon itself.
  // Returns { verdict }, or { failed: "unreachable" | "error" }.
  async function ask(url) {
    let verdict;
    try {
      verdict = await link.withToken((c) => c.check(url));
    } catch (error) {
      if (error instanceof DaemonUnreachable) {
        probing.markUnreachable();
        return { failed: "unreachable" };
      }
      console.warn("baitwatch: the daemon could not check a page:", error.message);
      if (error instanceof NotTheDaemon) daemon.genuine = false;
      return { failed: "error" };
    }
    probing.markReachable(); // not awaited: this answer need not wait for the re-checks of the tabs the daemon missed
    daemon.enabled = verdict.reason !== "disabled";
    daemon.genuine = true;
    counters.add("checked");
    return { verdict };
  }

  // The answer applies to the tab only as lib/tab-state.js allows: not to a document the tab
  // has left, and not at all once the tab has closed. When the model alone flags a top
  // document, its page has a say first (page-evidence.js holds the warning).
  async function runCheck(key, { tabId, top, check, returnTo }, tabClosed) {
    const { verdict, failed } = await ask(check.url);
    if (tabClosed.aborted) return;
    const before = tabs.stateOf(tabId);
    if (failed) {
      tabs.states.set(tabId, tabState.onCheckFailed(before, check, failed));
      await toolbar.paint(tabId);
      return;
    }
    const after = tabState.onVerdict(before, check, verdict);
    if (top && after !== before && tabState.isFlagged(after) && verdict.reason === "model") {
      pages.hold(tabId, check, verdict, returnTo);
      return;
    }
    await apply(tabId, check, verdict, returnTo);
  }

  async function apply(tabId, check, verdict, returnTo) {
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

  return { requestCheck, recheck, forgetTab, apply };
}
