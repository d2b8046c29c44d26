// What a page shows, beside its address: which pages are read (content/page-evidence.js asks),
// what the daemon makes of a page's copy, and the warning held for an address the model
// flagged until its page has been read.
//
// The address's verdict comes first, as always. When the model alone flags a tab's top
// document, its warning waits up to PAGE_WAIT_MS for the page: a page that asks for nothing
// and claims no brand turns the full warning into the calm "suspicious" notice; any other
// page, no page in time, or an error, and the warning shows. A page's copy can also raise a
// verdict, in any frame and at any time: a kit the address did not give away, a sign-in form
// added late.

import { isCheckable } from "../lib/checkable.js";
import * as tabState from "../lib/tab-state.js";
import { hostOf } from "./flagged-pages.js";

export const PAGE_WAIT_MS = 4000;

// `apply(tabId, check, verdict, returnTo)` puts a verdict on a tab, as a check's answer is (checking.js).
export function createPageEvidence({ clock, tabs, link, apply }) {
  const held = new Map(); // tabId -> { check, verdict, returnTo, timer }: a warning waiting for its page
  const read = new Map(); // tabId -> { document, verdict }: the latest answer for the top document's page

  // Whether the page in the sender's frame may be read: only where the daemon scores its address.
  // A top frame's copy is to name the document it was asked for, so a copy sent just before the
  // tab moved on is never taken for the next document's.
  async function wanted(sender) {
    if (!isCheckable(sender.url, (await link.settings()).daemonPort)) return { wanted: false };
    try {
      const verdict = await link.withToken((client) => client.check(sender.url)); // cached by the daemon
      return { wanted: verdict.verdict !== "skipped", document: tabs.stateOf(sender.tab.id).document };
    } catch {
      return { wanted: false };
    }
  }

  // A flagged top document: its warning waits for its page, unless the page was read already.
  // Once per document: a page that changes its address again (pushState) cannot put it off.
  function hold(tabId, check, verdict, returnTo) {
    if (held.get(tabId)?.check.document === check.document) return;
    release(tabId);
    const entry = { check, verdict, returnTo };
    held.set(tabId, entry);
    const answer = read.get(tabId);
    if (answer?.document === check.document) {
      decide(tabId, answer.verdict);
      return;
    }
    entry.timer = clock.setTimer(() => decide(tabId, null), PAGE_WAIT_MS);
  }

  // The held warning shows, or gives way to the notice that the page's answer brought.
  function decide(tabId, pageVerdict) {
    const entry = held.get(tabId);
    if (!entry) return;
    release(tabId);
    const calmed = pageVerdict?.verdict === "suspicious" && pageVerdict.reason === "page-asks-nothing";
    apply(tabId, entry.check, calmed || pageVerdict?.verdict === "phishing" ? pageVerdict : entry.verdict, entry.returnTo);
  }

  function release(tabId) {
    const entry = held.get(tabId);
    if (entry?.timer !== undefined) clock.clearTimer(entry.timer);
    held.delete(tabId);
  }

  async function received(message, sender) {
    const tabId = sender.tab.id;
    const top = sender.frameId === 0;
    const document = tabs.stateOf(tabId).document;
    if (top && (message.document !== document || hostOf(sender.url) !== hostOf(tabs.stateOf(tabId).url))) return {}; // a page the tab has left
    let verdict = null;
    try {
      const html = typeof message.html === "string" ? message.html : "";
      verdict = await link.withToken((client) => client.checkPage(sender.url, html, message.truncated === true));
    } catch (error) {
      console.warn("baitwatch: the daemon could not read a page:", error.message);
    }
    const tab = tabs.states.get(tabId);
    if (!tab || tab.document !== document) return {}; // the tab closed or moved on meanwhile
    const check = { ...tabState.checkRequest(tab), url: top ? tab.url : sender.url };
    if (top) {
      if (verdict) read.set(tabId, { document, verdict });
      else read.delete(tabId); // an error is no answer: an older one must not stand for it
    }
    if (top && held.get(tabId)?.check.document === document) decide(tabId, verdict);
    else if (verdict?.verdict === "phishing") apply(tabId, check, verdict, tab.url);
    return {};
  }

  function forgetTab(tabId) {
    release(tabId);
    read.delete(tabId);
  }

  return { wanted, hold, received, forgetTab };
}
