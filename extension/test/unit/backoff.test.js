import assert from "node:assert/strict";
import { test } from "node:test";

import { Backoff } from "../../src/lib/backoff.js";

test("delays double up to the cap and start over after a success", () => {
  const backoff = new Backoff({ firstMs: 100, maxMs: 1000 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => backoff.next()), [100, 200, 400, 800, 1000, 1000]);
  backoff.reset();
  assert.equal(backoff.next(), 100);
});
