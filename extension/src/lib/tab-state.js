// Per-tab verdict state: a pure state machine the background drives with events.
// A verdict belongs to the document: a new document starts afresh, but a same-document URL
// change (pushState, replaceState, a new fragment) can raise a warning and never clear one.
//
//   newDocument(url) -> "idle" (not checkable) or "checking"; the document number goes up
//   sameDocument(url) -> "checking" again, or still "phishing"
//   verdict(check, answer) -> "safe" | "skipped" | "phishing"
//   failed(check, why) -> "unreachable" | "unchecked"   (could not check: never "safe")
//
// `check` is what checkRequest() returned when the check was asked for; an answer for a
// document the tab has left is ignored, and only a phishing answer may apply to a URL the
// document has since moved away from.

export function initialTab() {
  return { url: null, document: 0, status: "idle", verdict: null };
}

export function onNewDocument(tab, url, checkable) {
  return { url, document: tab.document + 1, status: checkable ? "checking" : "idle", verdict: null };
}

export function onSameDocument(tab, url, checkable) {
  if (isFlagged(tab)) return { ...tab, url };
  return { ...tab, url, status: checkable ? "checking" : "idle", verdict: null };
}

export function checkRequest(tab) {
  return { url: tab.url, document: tab.document };
}

export function onVerdict(tab, check, verdict) {
  if (check.document !== tab.document || isFlagged(tab)) return tab;
  if (verdict.verdict !== "phishing" && check.url !== tab.url) return tab;
  return { ...tab, status: verdict.verdict, verdict };
}

export function onCheckFailed(tab, check, why) {
  if (check.document !== tab.document || check.url !== tab.url || isFlagged(tab)) return tab;
  return { ...tab, status: why === "unreachable" ? "unreachable" : "unchecked", verdict: null };
}

export function isFlagged(tab) {
  return tab.status === "phishing";
}

// The tab shows the extension's warning page for a flagged address: a document of its own
// that stays flagged, so the toolbar keeps saying so.
export function onWarningShown(tab, url, verdict) {
  return { url, document: tab.document + 1, status: "phishing", verdict };
}
