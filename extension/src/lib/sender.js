// Who sent a runtime message. Privileged requests (settings, trust, report, pairing, port,
// continue) are honoured only from the extension's own pages; a content script runs inside
// a web page that may be hostile, so it gets only what it needs to draw the reminder.

// "extension-page", "content-script" or "stranger" (anything else: refuse).
export function senderKind(sender, extension) {
  if (!sender || sender.id !== extension.id || typeof sender.url !== "string") return "stranger";
  if (sender.url.startsWith(extension.origin) && (sender.origin === undefined || `${sender.origin}/` === extension.origin)) {
    return "extension-page";
  }
  return sender.tab && Number.isInteger(sender.frameId) ? "content-script" : "stranger";
}
