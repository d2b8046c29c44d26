// Paints a tab's toolbar button from its state and the daemon's (lib/toolbar-state.js).

import { TOOLBAR, toolbarState } from "../lib/toolbar-state.js";

export function createToolbar({ platform, tabs, daemon }) {
  async function paint(tabId) {
    const look = TOOLBAR[toolbarState(tabs.stateOf(tabId), daemon)];
    await platform.showToolbar(tabId, look).catch(() => {}); // the tab closed meanwhile
  }

  async function paintAll() {
    await Promise.all([...tabs.states.keys()].map(paint));
  }

  return { paint, paintAll };
}
