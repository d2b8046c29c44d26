// Talks to the baitwatch daemon on loopback. Every call has a short timeout: the extension
// must never wait on a daemon that is gone.

export const DEFAULT_PORT = 47821;
const TIMEOUT_MS = 2000;

export class DaemonUnreachable extends Error {}

export class DaemonError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class DaemonClient {
  constructor({ port = DEFAULT_PORT, token = null } = {}) {
    this.base = `http://127.0.0.1:${port}`;
    this.token = token;
  }

  async request(method, path, body) {
    const headers = { "Content-Type": "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
        credentials: "omit",
        cache: "no-store",
      });
    } catch (error) {
      throw new DaemonUnreachable(`the baitwatch daemon at ${this.base} is not reachable (${error.name})`);
    }
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new DaemonError(response.status, answer.code ?? "http-error", answer.error ?? `HTTP ${response.status}`);
    return answer;
  }

  check(url) {
    return this.request("POST", "/v1/check", { url });
  }
  status() {
    return this.request("GET", "/v1/status");
  }
  setEnabled(enabled) {
    return this.request("PUT", "/v1/settings", { enabled });
  }
  allowlist() {
    return this.request("GET", "/v1/allowlist");
  }
  allow(domain) {
    return this.request("POST", "/v1/allowlist", { domain });
  }
  disallow(domain) {
    return this.request("DELETE", "/v1/allowlist", { domain });
  }
  feedback(url, label) {
    return this.request("POST", "/v1/feedback", { url, label });
  }
  pair(code) {
    return this.request("POST", "/v1/pair", { code });
  }
}
