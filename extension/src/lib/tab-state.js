// Per-tab verdict state: a pure state machine the background drives with events.
//
//   navigate(url) -> "idle" (not checkable) or "checking"
//   verdict(url, answer) -> "safe" | "phishing" | "skipped"   (ignored if the tab moved on)
//   unreachable(url) -> "unreachable"                          (ignored if the tab moved on)
//   dismiss() -> the warning stays recorded but the banner is gone for this visit

export function initialTab() {
  return { url: null, status: "idle", verdict: null, dismissed: false };
}

export function onNavigate(tab, url, checkable) {
  return { url, status: checkable ? "checking" : "idle", verdict: null, dismissed: false };
}

export function onVerdict(tab, url, verdict) {
  if (tab.url !== url) return tab;
  return { ...tab, status: verdict.verdict, verdict };
}

export function onUnreachable(tab, url) {
  if (tab.url !== url) return tab;
  return { ...tab, status: "unreachable", verdict: null };
}

export function onDismiss(tab) {
  return { ...tab, dismissed: true };
}

export function showsBanner(tab) {
  return tab.status === "phishing" && !tab.dismissed;
}
