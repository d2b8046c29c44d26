// An in-memory browser in the shape of the controller's `platform` adapter: tabs that go
// where they are sent (the test reports their navigations to the controller, as the
// browser's events would), a toolbar per tab, notifications, and storage whose every call
// takes a turn of the event loop, as the real one's do.

export const EXTENSION = { id: "baitwatch-test", origin: "chrome-extension://baitwatch-test/" };

const turn = () => new Promise((done) => setImmediate(done));
const copy = (value) => structuredClone(value);

// chrome.storage's get(defaults), set(values), remove(keys).
function storageArea() {
  const values = new Map();
  return {
    async get(defaults) {
      await turn();
      return copy(Object.fromEntries(Object.entries(defaults).map(([key, fallback]) => [key, values.has(key) ? values.get(key) : fallback])));
    },
    async set(more) {
      await turn();
      for (const [key, value] of Object.entries(copy(more))) values.set(key, value);
    },
    async remove(keys) {
      await turn();
      for (const key of [keys].flat()) values.delete(key);
    },
  };
}

export function fakeBrowser() {
  const open = new Map(); // tabId -> { id, url, index, windowId, active }
  let nextTab = 1;
  const closed = (tabId) => new Error(`No tab with id: ${tabId}.`);
  const tabOf = (tabId) => {
    if (!open.has(tabId)) throw closed(tabId);
    return open.get(tabId);
  };

  const browser = {
    extension: EXTENSION,
    pageUrl: (path) => EXTENSION.origin + path,
    front: null, // the id of the tab the popup is about
    toolbar: new Map(), // tabId -> the look it was last painted with
    paintedClosed: [], // tab ids painted after they closed
    sent: [], // [tabId, url]: where the extension sent a tab
    reloaded: [],
    reminders: [], // tab ids whose page was asked to show its banner
    notifications: {
      shown: new Map(),
      created: 0,
      async create(id, options) {
        browser.notifications.created += 1;
        browser.notifications.shown.set(id, options);
      },
      async clear(id) {
        browser.notifications.shown.delete(id);
      },
    },
    storage: { local: storageArea(), session: storageArea() },
    privateSettings: {
      values: new Map(),
      async read(defaults) {
        await turn();
        return Object.fromEntries(Object.entries(defaults).map(([key, fallback]) => [key, browser.privateSettings.values.get(key) ?? fallback]));
      },
      async write(more) {
        await turn();
        for (const [key, value] of Object.entries(more)) browser.privateSettings.values.set(key, value);
      },
      async remove(key) {
        await turn();
        browser.privateSettings.values.delete(key);
      },
    },
    tabs: {
      async create({ url, index = open.size, windowId = 1, active = true }) {
        const tab = { id: nextTab++, url, index, windowId, active };
        open.set(tab.id, tab);
        return { ...tab };
      },
      async get(tabId) {
        return { ...tabOf(tabId) };
      },
      async query() {
        return [...open.values()].map((tab) => ({ ...tab }));
      },
      async update(tabId, { url }) {
        tabOf(tabId).url = url;
        browser.sent.push([tabId, url]);
        return { ...tabOf(tabId) };
      },
      async reload(tabId) {
        tabOf(tabId);
        browser.reloaded.push(tabId);
      },
      async remove(tabId) {
        tabOf(tabId);
        open.delete(tabId);
      },
      async sendMessage(tabId, message) {
        tabOf(tabId);
        if (message.type === "show-reminder") browser.reminders.push(tabId);
      },
    },
    async frontTab() {
      return open.has(browser.front) ? { ...open.get(browser.front) } : null;
    },
    async showToolbar(tabId, look) {
      await turn();
      if (!open.has(tabId)) {
        browser.paintedClosed.push(tabId);
        throw closed(tabId);
      }
      browser.toolbar.set(tabId, look);
    },
    async injectReminder(tabId) {
      tabOf(tabId);
      browser.reminders.push(tabId);
    },
    isOpen: (tabId) => open.has(tabId),
    // The page in the tab went somewhere by itself (a link, a redirect, a typed address).
    goTo(tabId, url) {
      tabOf(tabId).url = url;
    },
  };
  return browser;
}
