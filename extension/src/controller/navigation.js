// What the background does as tabs navigate: a new document starts afresh and is checked,
// a same-document change is checked again, the warning page takes over its flagged state,
// and a page opened by a flagged page without an address of its own inherits the warning.

import { isCheckable } from "../lib/checkable.js";
import * as tabState from "../lib/tab-state.js";
import { hostOf } from "./flagged-pages.js";

export function createNavigation({ tabs, link, checking, pages, flagged, toolbar }) {
  async function onDocument({ tabId, frameId, url }) {
    const checkable = isCheckable(url, (await link.settings()).daemonPort);
    if (frameId !== 0) {
      if (checkable) checking.requestCheck(tabId, frameId, url, { newDocument: true });
      return;
    }
    const previous = tabs.stateOf(tabId);
    const warning = tabs.warnings.get(tabId);
    if (url.startsWith(flagged.warningPage) && warning) {
      warning.shown = true;
      tabs.states.set(tabId, tabState.onWarningShown(previous, url, warning.verdict));
      await toolbar.paint(tabId);
      return;
    }
    if (tabs.continued.get(tabId)?.host !== hostOf(url)) tabs.continued.delete(tabId);
    tabs.states.set(tabId, tabState.onNewDocument(previous, url, checkable));
    const opener = tabs.openedBy.get(tabId);
    tabs.openedBy.delete(tabId);
    if (checkable) checking.requestCheck(tabId, 0, url, { newDocument: true });
    else if (opener && /^(about|blob|data):/.test(url)) {
      // A page with no address of its own, opened by a flagged page: it inherits the warning.
      const inheriting = tabs.stateOf(tabId);
      tabs.states.set(tabId, tabState.onVerdict(inheriting, tabState.checkRequest(inheriting), opener.verdict));
      flagged.warn(tabId, url, opener.verdict, opener.url);
    }
    await toolbar.paint(tabId);
  }

  async function onSameDocument({ tabId, frameId, url }) {
    const checkable = isCheckable(url, (await link.settings()).daemonPort);
    if (frameId === 0) {
      tabs.states.set(tabId, tabState.onSameDocument(tabs.stateOf(tabId), url, checkable));
      await toolbar.paint(tabId);
    }
    if (checkable) checking.requestCheck(tabId, frameId, url, { newDocument: false });
  }

  function onNavigationTarget({ sourceTabId, tabId }) {
    const source = tabs.states.get(sourceTabId);
    if (source && tabState.isFlagged(source)) tabs.openedBy.set(tabId, source);
  }

  function onTabRemoved(tabId) {
    tabs.forget(tabId);
    checking.forgetTab(tabId);
    pages.forgetTab(tabId);
  }

  return { onDocument, onSameDocument, onNavigationTarget, onTabRemoved };
}
