// Whether the daemon answers. While it is down it is asked again with growing delays (one
// chain of retries, however many checks fail). Whatever finds it back (a probe, or a check
// of any page) calls `onBackUp`, which re-checks what went unchecked.

import { Backoff } from "../lib/backoff.js";

export function createProbing({ clock, daemon, link, notification, onBackUp }) {
  const backoff = new Backoff();
  let retryTimer = null;

  async function markReachable() {
    const wasDown = !daemon.reachable;
    if (retryTimer !== null) clock.clearTimer(retryTimer);
    retryTimer = null;
    backoff.reset();
    daemon.reachable = true;
    notification.onReachable();
    if (wasDown) await onBackUp();
  }

  function markUnreachable() {
    daemon.reachable = false;
    notification.onUnreachable();
    if (retryTimer !== null) return;
    retryTimer = clock.setTimer(() => {
      retryTimer = null;
      probe();
    }, backoff.next());
  }

  // Asks the daemon for its state.
  async function probe() {
    try {
      const status = await (await link.client()).status();
      daemon.enabled = status.enabled;
      daemon.model = status.model; // which model decides: the popup names it
    } catch {
      markUnreachable();
      return;
    }
    await markReachable();
  }

  return { probe, markReachable, markUnreachable };
}
