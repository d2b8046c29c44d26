// Whether the daemon answers. While it is down it is asked again with growing delays (one
// chain of retries, however many checks fail); when it answers after being down, `onBackUp`
// re-checks what went unchecked.

import { Backoff } from "../lib/backoff.js";

export function createProbing({ clock, daemon, link, notification, onBackUp }) {
  const backoff = new Backoff();
  let retryTimer = null;

  function markReachable() {
    if (retryTimer !== null) clock.clearTimer(retryTimer);
    retryTimer = null;
    backoff.reset();
    daemon.reachable = true;
    notification.onReachable();
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
    const wasDown = !daemon.reachable;
    try {
      daemon.enabled = (await (await link.client()).status()).enabled;
    } catch {
      markUnreachable();
      return;
    }
    markReachable();
    if (wasDown) await onBackUp();
  }

  return { probe, markReachable, markUnreachable };
}
