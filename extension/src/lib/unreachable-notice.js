// When to tell the person that protection is off because the daemon is down: only once it
// has stayed unreachable for a while (a restart of the daemon passes unnoticed), and only
// once until it has been reachable again. The background keeps this state across its own
// restarts, so the notice never repeats per page or per service-worker wake-up.

export const NOTICE_AFTER_MS = 10000;

export function initialNotice() {
  return { downSince: null, shown: false };
}

// The daemon answered: the next outage starts afresh. Unchanged state is returned as is.
export function onReachable(notice) {
  return notice.downSince === null && !notice.shown ? notice : initialNotice();
}

export function onUnreachable(notice, now) {
  return notice.downSince === null ? { ...notice, downSince: now } : notice;
}

export function shouldNotify(notice, now, afterMs = NOTICE_AFTER_MS) {
  return notice.downSince !== null && !notice.shown && now - notice.downSince >= afterMs;
}

export function onNotified(notice) {
  return { ...notice, shown: true };
}
