import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { test } from "node:test";

import { expectedProof, newNonce } from "../../src/lib/daemon-proof.js";

test("a nonce is 64 lowercase hex characters, fresh each time", () => {
  const nonces = new Set(Array.from({ length: 50 }, newNonce));
  assert.equal(nonces.size, 50);
  for (const nonce of nonces) assert.match(nonce, /^[0-9a-f]{64}$/);
});

test("the proof is HMAC-SHA256 under the token's UTF-8 bytes of the context and the nonce", async () => {
  const token = "tökén-Ω_9";
  const nonce = newNonce();
  const reference = createHmac("sha256", Buffer.from(token, "utf8")).update(`baitwatch-daemon-v1:${nonce}`, "ascii").digest("hex");
  assert.equal(await expectedProof(token, nonce), reference);
  assert.notEqual(await expectedProof("another token", nonce), reference);
});
