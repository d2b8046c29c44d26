// Which top-frame URLs the extension asks the daemon about.

const CHECKED_SCHEMES = new Set(["http:", "https:"]);

// True for http(s) pages; never for the daemon itself or for browser-internal pages.
export function isCheckable(url, daemonPort) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (!CHECKED_SCHEMES.has(parsed.protocol)) return false;
  const isDaemon = ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname) && parsed.port === String(daemonPort);
  return !isDaemon;
}
