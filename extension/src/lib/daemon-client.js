// Talks to the baitwatch daemon on loopback. Every call has a short timeout: the extension
// must never wait on a daemon that is gone. Before a call that carries a URL or the token the
// daemon must have proved that it knows the pairing token (lib/daemon-proof.js): at first,
// after any connection error, and at least every few seconds, so a process that takes the
// daemon's port gets neither.

import { expectedProof, newNonce } from "./daemon-proof.js";

export const DEFAULT_PORT = 47821;
const TIMEOUT_MS = 2000;
// A page takes longer: the daemon reads it within a second, one page at a time.
const PAGE_TIMEOUT_MS = 5000;
// Switching models loads the other one in full first: seconds on a slow disk.
const SWITCH_TIMEOUT_MS = 30000;
const PROOF_LIFETIME_MS = 10000;

export class DaemonUnreachable extends Error {}
export class NotPaired extends Error {}
export class NotTheDaemon extends Error {}

export class DaemonError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class DaemonClient {
  // `fetch` is the platform's unless a test gives a daemon of its own.
  constructor({ port = DEFAULT_PORT, token = null, fetch = (...args) => globalThis.fetch(...args) } = {}) {
    this.port = port;
    this.base = `http://127.0.0.1:${port}`;
    this.token = token;
    this.fetch = fetch;
    this.provenAt = -Infinity;
  }

  async request(method, path, body, { authorized = false, timeoutMs = TIMEOUT_MS } = {}) {
    if (authorized) await this.ensureRealDaemon();
    const headers = { "Content-Type": "application/json" };
    if (authorized) headers.Authorization = `Bearer ${this.token}`;
    let response;
    try {
      response = await this.fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
        credentials: "omit",
        cache: "no-store",
      });
    } catch (error) {
      this.provenAt = -Infinity; // whoever answers next must prove itself again
      throw new DaemonUnreachable(`the baitwatch daemon at ${this.base} is not reachable (${error.name})`);
    }
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new DaemonError(response.status, answer.code ?? "http-error", answer.error ?? `HTTP ${response.status}`);
    return answer;
  }

  async ensureRealDaemon() {
    if (!this.token) throw new NotPaired("baitwatch is not paired with the daemon: open the popup and enter a pairing code.");
    if (Date.now() - this.provenAt < PROOF_LIFETIME_MS) return;
    const nonce = newNonce();
    let answer;
    try {
      answer = await this.request("POST", "/v1/hello", { nonce });
    } catch (error) {
      if (!(error instanceof DaemonError)) throw error;
      answer = {};
    }
    if (typeof answer.proof !== "string" || answer.proof !== (await expectedProof(this.token, nonce))) {
      throw new NotTheDaemon(`The program on port ${this.port} is not the baitwatch daemon this browser is paired with.`);
    }
    this.provenAt = Date.now();
  }

  check(url) {
    return this.request("POST", "/v1/check", { url }, { authorized: true });
  }
  checkPage(url, html, truncated = false) {
    return this.request("POST", "/v1/check-page", { url, html, truncated }, { authorized: true, timeoutMs: PAGE_TIMEOUT_MS });
  }
  status() {
    return this.request("GET", "/v1/status");
  }
  setEnabled(enabled) {
    return this.request("PUT", "/v1/settings", { enabled }, { authorized: true });
  }
  settings() {
    return this.request("GET", "/v1/settings");
  }
  setFamiliarSites(familiarSites) {
    return this.request("PUT", "/v1/settings", { familiar_sites: familiarSites }, { authorized: true });
  }
  forgetFamiliarSites() {
    return this.request("DELETE", "/v1/familiar", undefined, { authorized: true });
  }
  allowlist() {
    return this.request("GET", "/v1/allowlist");
  }
  allow(domain) {
    return this.request("POST", "/v1/allowlist", { domain }, { authorized: true });
  }
  disallow(domain) {
    return this.request("DELETE", "/v1/allowlist", { domain }, { authorized: true });
  }
  feedback(url, label) {
    return this.request("POST", "/v1/feedback", { url, label }, { authorized: true });
  }
  reports() {
    return this.request("GET", "/v1/reports", undefined, { authorized: true });
  }
  withdrawReport(site) {
    return this.request("DELETE", "/v1/reports", { site }, { authorized: true });
  }
  retrainStatus() {
    return this.request("GET", "/v1/retrain", undefined, { authorized: true });
  }
  startRetrain() {
    return this.request("POST", "/v1/retrain", {}, { authorized: true });
  }
  // `from`: the model to undo; the daemon refuses if another is in use (a second Undo).
  rollBackModel(from) {
    return this.request("POST", "/v1/models/rollback", { from }, { authorized: true, timeoutMs: SWITCH_TIMEOUT_MS });
  }
  pair(code) {
    return this.request("POST", "/v1/pair", { code });
  }
}
