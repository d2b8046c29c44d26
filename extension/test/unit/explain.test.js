import assert from "node:assert/strict";
import { test } from "node:test";

import { explain } from "../../src/lib/explain.js";

const MODEL = { url: "http://a.b.evil.example/x", verdict: "phishing", score: 0.9876, threshold: 0.944, reason: "model", domain: "evil.example", model: "m1" };

test("a model verdict is explained in words; its numbers go in the details", () => {
  const text = explain(MODEL);
  assert.equal(text.site, "evil.example");
  assert.doesNotMatch(text.why, /\d/);
  assert.match(text.details, /98\.8% likely phishing; it warns from 94\.4%/);
  assert.match(text.reminder, /evil\.example may be a phishing site/);
});

test("a lookalike verdict names the site it imitates", () => {
  assert.equal(explain({ ...MODEL, reason: "lookalike", imitates: "paypal.com" }).why, "This address imitates paypal.com.");
});

test("without a registrable domain the host is named", () => {
  assert.equal(explain({ ...MODEL, domain: null }).site, "a.b.evil.example");
});

test("when the page decided, the warning says what the page showed", () => {
  const page = { score: 0.9, verdict: "phishing", reasons: ["presents itself as PayPal, but paypal.com is not this site", "asks for a password"] };
  assert.equal(
    explain({ ...MODEL, reason: "page", imitates: "paypal.com", page }).why,
    "The address alone did not give it away, but the page did. This page presents itself as PayPal, but paypal.com is not this site, and asks for a password.",
  );
  assert.match(explain({ ...MODEL, page }).why, /looks like the addresses of phishing sites\. This page presents itself as PayPal/);
  const calm = { ...MODEL, verdict: "suspicious", reason: "page-asks-nothing", page: { verdict: "safe", reasons: ["asks for nothing and presents itself as no other site"] } };
  assert.equal(explain(calm).why, "The address looks unusual, but the page asks for nothing. This page asks for nothing and presents itself as no other site.");
});

test("a site the person reported says so", () => {
  assert.match(explain({ ...MODEL, reason: "reported", score: null }).why, /^You reported this site as phishing\./);
  assert.match(explain({ ...MODEL, reason: "learnt", score: 1 }).why, /learnt from your report that this site is phishing/);
});
