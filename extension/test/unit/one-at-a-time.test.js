import assert from "node:assert/strict";
import { test } from "node:test";

import { oneAtATime } from "../../src/lib/one-at-a-time.js";

const turn = () => new Promise((done) => setImmediate(done));

test("read-then-write changes run one after another, so none is lost", async () => {
  const inTurn = oneAtATime();
  let stored = 0;
  const increment = () => inTurn(async () => {
    const value = stored;
    await turn();
    stored = value + 1;
  });
  await Promise.all(Array.from({ length: 10 }, increment));
  assert.equal(stored, 10);
});

test("a piece that fails tells its caller and does not stop the next", async () => {
  const inTurn = oneAtATime();
  const failed = inTurn(async () => {
    throw new Error("storage full");
  });
  const next = inTurn(async () => "done");
  await assert.rejects(failed, /storage full/);
  assert.equal(await next, "done");
});
