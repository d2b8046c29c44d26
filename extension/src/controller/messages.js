// Who may ask the background for what (lib/sender.js). The extension's own pages may ask for
// anything in `fromExtensionPages`; a content script runs inside a web page that may be
// hostile, so it may only say hello and learn whether its page needs a banner, ask whether
// its page is to be read, and send its page's copy: the page is judged at the address the
// browser gives for the sender's frame, never at one the message names.

import { senderKind } from "../lib/sender.js";

const REFUSED = "baitwatch does not accept this request from here.";

export function createContentScriptRequests({ tabs, navigation, flagged, pages }) {
  return {
    "page-wanted": (message, sender) => pages.wanted(sender),
    "page-evidence": (message, sender) => pages.received(message, sender),
    async hello(message, sender) {
      if (sender.frameId === 0 && !tabs.states.has(sender.tab.id)) {
        await navigation.onDocument({ tabId: sender.tab.id, frameId: 0, url: sender.url }); // the background restarted
      }
      return { reminder: flagged.reminderFor(sender.tab.id, sender.url), notice: flagged.noticeFor(sender.tab.id, sender.url) };
    },
  };
}

// The answer to a message: what its handler returns, or { error } with the reason.
export function createMessageHandler({ extension, fromExtensionPages, fromContentScripts }) {
  const handlers = { "extension-page": fromExtensionPages, "content-script": fromContentScripts, stranger: {} };
  return async function handleMessage(message, sender) {
    const type = message?.type;
    const allowed = handlers[senderKind(sender, extension)];
    if (typeof type !== "string" || !Object.hasOwn(allowed, type)) return { error: REFUSED };
    try {
      return await allowed[type](message, sender);
    } catch (error) {
      return { error: error.message };
    }
  };
}
