// Tells the person once that the daemon stays unreachable (lib/unreachable-notice.js), and
// takes the notification away when it is back; clicking it opens the welcome page.

import { HOW_TO_START } from "../lib/how-to-start.js";
import { initialNotice, onNotified, onReachable, onUnreachable, shouldNotify } from "../lib/unreachable-notice.js";

export const NOTICE_ID = "baitwatch-daemon-unreachable";
const NOTICE_KEY = "unreachableNotice"; // in storage.session, which content scripts cannot read

export function createUnreachableNotification({ platform, clock }) {
  // Kept in storage.session too, so that a restart of the background does not tell it again.
  let notice = platform.storage.session
    .get({ [NOTICE_KEY]: initialNotice() })
    .then((values) => values[NOTICE_KEY], () => initialNotice());

  // Changes are applied one after another: many checks fail at once when the daemon stops.
  function update(change) {
    notice = notice.then(async (before) => {
      try {
        const after = await change(before);
        if (after !== before) await platform.storage.session.set({ [NOTICE_KEY]: after });
        return after;
      } catch (error) {
        console.warn("baitwatch: could not update the daemon notice:", error.message);
        return before;
      }
    });
  }

  async function down(before) {
    const now = clock.now();
    const after = onUnreachable(before, now);
    if (!shouldNotify(after, now)) return after;
    await platform.notifications.create(NOTICE_ID, {
      type: "basic",
      iconUrl: platform.pageUrl("icons/icon-128.png"),
      title: "baitwatch: protection is off",
      message: `The baitwatch service on this computer is not running, so pages are not being checked. ${HOW_TO_START}`,
    });
    return onNotified(after);
  }

  async function up(before) {
    if (before.shown) await platform.notifications.clear(NOTICE_ID); // it would no longer be true
    return onReachable(before);
  }

  return {
    onUnreachable: () => update(down),
    onReachable: () => update(up),
    async onClicked(id) {
      if (id !== NOTICE_ID) return;
      await platform.notifications.clear(NOTICE_ID);
      await platform.tabs.create({ url: platform.pageUrl("welcome/welcome.html") });
    },
  };
}
