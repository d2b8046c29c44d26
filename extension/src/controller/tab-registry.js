// What the background knows about each tab, kept until the tab closes.

import { initialTab } from "../lib/tab-state.js";

export function createTabRegistry() {
  const registry = {
    states: new Map(), // tabId -> the top document's state (lib/tab-state.js)
    warnings: new Map(), // tabId -> { url, verdict, returnTo, shown }: what the warning page in that tab is about
    continued: new Map(), // tabId -> { host, domains }: flagged sites the person chose to visit anyway
    openedBy: new Map(), // tabId -> the flagged tab state of the page that opened it
    stateOf: (tabId) => registry.states.get(tabId) ?? initialTab(),
    forget(tabId) {
      for (const map of [registry.states, registry.warnings, registry.continued, registry.openedBy]) map.delete(tabId);
    },
  };
  return registry;
}
