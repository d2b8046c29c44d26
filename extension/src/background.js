// The background: the browser's side of the seam. It builds the adapter the controller
// (controller/controller.js) reaches the browser through, and hands it the browser's events.
// What the background does, and why, is in controller/.

import { createController } from "./controller/controller.js";
import { shieldIcon } from "./lib/icon.js";
import { readPrivate, removePrivate, writePrivate } from "./lib/private-store.js";

const REMINDER_SCRIPT = "content/reminder.js";

const controller = createController({
  platform: {
    extension: { id: chrome.runtime.id, origin: chrome.runtime.getURL("") },
    pageUrl: (path) => chrome.runtime.getURL(path),
    tabs: chrome.tabs,
    async frontTab() {
      const window = await chrome.windows.getLastFocused({ windowTypes: ["normal"] }).catch(() => null);
      if (!window) return null;
      const [active] = await chrome.tabs.query({ active: true, windowId: window.id });
      return active ?? null;
    },
    showToolbar: (tabId, look) =>
      Promise.all([
        chrome.action.setBadgeText({ tabId, text: look.badge }),
        chrome.action.setBadgeBackgroundColor({ tabId, color: look.color }),
        chrome.action.setTitle({ tabId, title: look.title }),
        chrome.action.setIcon({ tabId, imageData: shieldIcon(look.color) }),
      ]),
    injectReminder: async (tabId) =>
      chrome.scripting?.executeScript({ target: { tabId, frameIds: [0] }, files: [REMINDER_SCRIPT], injectImmediately: true }),
    notifications: chrome.notifications,
    storage: chrome.storage,
    privateSettings: { read: readPrivate, write: writePrivate, remove: removePrivate },
  },
});

chrome.webNavigation.onCommitted.addListener(controller.onDocument);
chrome.webNavigation.onHistoryStateUpdated.addListener(controller.onSameDocument);
chrome.webNavigation.onReferenceFragmentUpdated.addListener(controller.onSameDocument);
chrome.webNavigation.onCreatedNavigationTarget.addListener(controller.onNavigationTarget);
chrome.tabs.onRemoved.addListener(controller.onTabRemoved);
chrome.notifications.onClicked.addListener(controller.onNotificationClicked);
chrome.runtime.onInstalled.addListener(controller.onInstalled);

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  controller.handleMessage(message, sender).then(sendResponse);
  return true; // the answer comes asynchronously
});
