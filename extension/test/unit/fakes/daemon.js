// A daemon of the test's own behind the real DaemonClient's injected fetch: it proves
// itself with the pairing token as the real one does (lib/daemon-proof.js), refuses a wrong
// token with 401, answers each address as the test says, and can hold its answers, stop
// answering altogether, or change its token as a new pairing does.

import { DaemonClient } from "../../../src/lib/daemon-client.js";
import { expectedProof } from "../../../src/lib/daemon-proof.js";

export const PAIRING_CODE = "123456";

export const safe = (url) => ({ url, verdict: "safe", score: 0.01, threshold: 0.9, reason: "model", domain: new URL(url).hostname, model: "test" });
export const phishing = (url) => ({ ...safe(url), verdict: "phishing", score: 0.99 });
export const suspicious = (url) => ({ ...safe(url), verdict: "suspicious", score: 0.8 });
// What the daemon answers for a page, beside its address's verdict.
export const pageImitates = (url, brand) => ({
  ...safe(url), verdict: "phishing", reason: "page", imitates: brand,
  page: { score: 0.9, verdict: "phishing", reasons: [`presents itself as ${brand}, but ${brand} is not this site`, "asks for a password"], imitates: brand },
});
export const pageAsksNothing = (url) => ({
  ...phishing(url), verdict: "suspicious", reason: "page-asks-nothing",
  page: { score: 0.01, verdict: "safe", reasons: ["asks for nothing and presents itself as no other site"], imitates: null },
});

export function fakeDaemon() {
  let tokens = 0;
  const held = []; // answers waiting for release()
  const daemon = {
    token: "token-0",
    up: true,
    enabled: true,
    holding: false,
    answers: new Map(), // url -> verdict, or an HTTP status to fail with
    pageAnswers: new Map(), // url -> the verdict for the address and its page together, or an HTTP status
    pagesRead: [], // [url, html] of every page it was sent
    requests: [], // "METHOD /path" of every request sent to it, answered or not
    checked: [], // the addresses it answered, in order
    refused: 0, // requests it refused for want of the right token
    allowlist: [],
    feedback: [],
    release: () => held.splice(0).forEach((done) => done()),
    heldCount: () => held.length,
    newToken() {
      daemon.token = `token-${++tokens}`;
      return daemon.token;
    },
    // A DaemonClient for the controller's `connect`, talking to this daemon.
    connect: (options) => new DaemonClient({ ...options, fetch: daemon.fetch }),
    async fetch(url, init) {
      const { pathname } = new URL(url);
      const body = init.body === undefined ? {} : JSON.parse(init.body);
      daemon.requests.push(`${init.method} ${pathname}`);
      if (!daemon.up) throw new TypeError("fetch failed");
      if (pathname === "/v1/check" && daemon.holding) await new Promise((done) => held.push(done));
      if (!daemon.up) throw new TypeError("fetch failed"); // it stopped while the request waited
      const [status, answer] = await route(daemon, `${init.method} ${pathname}`, body, init.headers.Authorization);
      return new Response(JSON.stringify(answer), { status, headers: { "Content-Type": "application/json" } });
    },
  };
  return daemon;
}

async function route(daemon, request, body, authorization) {
  const authorized = authorization === `Bearer ${daemon.token}`;
  const needsToken = !["POST /v1/hello", "GET /v1/status", "POST /v1/pair", "GET /v1/allowlist", "GET /v1/settings"].includes(request);
  if (needsToken && !authorized) {
    daemon.refused += 1;
    return [401, { code: "unauthorized", error: "not paired" }];
  }
  switch (request) {
    case "POST /v1/hello":
      return [200, { proof: await expectedProof(daemon.token, body.nonce) }];
    case "GET /v1/status":
      return [200, { enabled: daemon.enabled }];
    case "POST /v1/pair":
      return body.code === PAIRING_CODE ? [200, { token: daemon.newToken() }] : [403, { code: "bad-code", error: "wrong code" }];
    case "POST /v1/check": {
      daemon.checked.push(body.url);
      const answer = daemon.answers.get(body.url) ?? safe(body.url);
      if (typeof answer === "number") return [answer, { code: "broken", error: `failed with ${answer}` }];
      return [200, daemon.enabled ? answer : { url: body.url, verdict: "skipped", reason: "disabled" }];
    }
    case "POST /v1/check-page": {
      daemon.pagesRead.push([body.url, body.html]);
      const answer = daemon.pageAnswers.get(body.url) ?? { ...(daemon.answers.get(body.url) ?? safe(body.url)), page: { verdict: "unsure" } };
      if (typeof answer === "number") return [answer, { code: "broken", error: `failed with ${answer}` }];
      return [200, answer];
    }
    case "PUT /v1/settings":
      daemon.enabled = body.enabled ?? daemon.enabled;
      return [200, { enabled: daemon.enabled, familiar_sites: true }];
    case "POST /v1/allowlist":
      daemon.allowlist.push(body.domain);
      return [200, { domains: daemon.allowlist }];
    case "POST /v1/feedback":
      daemon.feedback.push([body.url, body.label]);
      return [200, {}];
    default:
      return [404, { code: "not-found", error: request }];
  }
}
