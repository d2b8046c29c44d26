import assert from "node:assert/strict";
import { test } from "node:test";

import { Coalescer } from "../../src/lib/coalescer.js";
import { fakeClock } from "./fakes/clock.js";

function recorder() {
  const runs = [];
  const pending = [];
  const run = (key, value) => {
    runs.push([key, value]);
    return new Promise((done) => pending.push(done));
  };
  const finishAll = async () => {
    pending.splice(0).forEach((done) => done());
    await new Promise((done) => setImmediate(done));
  };
  return { runs, run, finishAll };
}

test("the first request runs at once; requests meanwhile collapse to the latest", async () => {
  const time = fakeClock();
  const { runs, run, finishAll } = recorder();
  const coalescer = new Coalescer(run, { intervalMs: 300, now: time.now, setTimer: time.setTimer });
  coalescer.request("tab", "a");
  assert.deepEqual(runs, [["tab", "a"]]);
  for (const value of ["b", "c", "d"]) coalescer.request("tab", value);
  await finishAll();
  assert.equal(runs.length, 1, "no second run before the interval is over");
  await time.advance(299);
  assert.equal(runs.length, 1);
  await time.advance(1);
  assert.deepEqual(runs, [["tab", "a"], ["tab", "d"]]);
});

test("a request never starts while the previous one is still running", async () => {
  const time = fakeClock();
  const { runs, run, finishAll } = recorder();
  const coalescer = new Coalescer(run, { intervalMs: 300, now: time.now, setTimer: time.setTimer });
  coalescer.request("tab", "a");
  coalescer.request("tab", "b");
  await time.advance(1000);
  assert.equal(runs.length, 1, "still waiting for the first");
  await finishAll();
  assert.deepEqual(runs.at(-1), ["tab", "b"]);
});

test("one key's churn does not delay another key", async () => {
  const time = fakeClock();
  const { runs, run } = recorder();
  const coalescer = new Coalescer(run, { intervalMs: 300, now: time.now, setTimer: time.setTimer });
  for (let i = 0; i < 100; i += 1) coalescer.request("busy", i);
  coalescer.request("quiet", "x");
  assert.deepEqual(runs, [["busy", 0], ["quiet", "x"]]);
});

test("a forgotten key's waiting request is dropped", async () => {
  const time = fakeClock();
  const { runs, run, finishAll } = recorder();
  const coalescer = new Coalescer(run, { intervalMs: 300, now: time.now, setTimer: time.setTimer });
  coalescer.request("tab/1", "a");
  coalescer.request("tab/1", "b");
  coalescer.request("other/1", "c");
  coalescer.forget((key) => key.startsWith("tab/"));
  await finishAll();
  await time.advance(1000);
  assert.deepEqual(runs, [["tab/1", "a"], ["other/1", "c"]]);
});

test("a forgotten key's running work is told, and a restarted key's is not", async () => {
  const signals = {};
  const coalescer = new Coalescer((key, value, forgotten) => {
    signals[value] = forgotten;
    return new Promise(() => {}); // still running
  });
  coalescer.request("tab/1", "closed tab");
  coalescer.request("tab/2", "old page");
  coalescer.restart("tab/2", "new page");
  coalescer.forget((key) => key === "tab/1");
  assert.deepEqual([signals["closed tab"].aborted, signals["old page"].aborted, signals["new page"].aborted], [true, false, false]);
});

test("a restarted key runs its value at once, and a later request cannot replace it", async () => {
  const time = fakeClock();
  const { runs, run, finishAll } = recorder();
  const coalescer = new Coalescer(run, { intervalMs: 300, now: time.now, setTimer: time.setTimer });
  coalescer.request("tab", "old page");
  coalescer.restart("tab", "new page"); // a new document while the old one's check still runs
  coalescer.request("tab", "new page, after replaceState");
  assert.deepEqual(runs.map(([, value]) => value), ["old page", "new page"]);
  await finishAll();
  await time.advance(300);
  assert.deepEqual(runs.map(([, value]) => value), ["old page", "new page", "new page, after replaceState"]);
});

test("the default timers work when called from the instance", async () => {
  const values = [];
  const coalescer = new Coalescer(async (key, value) => values.push(value), { intervalMs: 5 });
  coalescer.request("tab", 1);
  coalescer.request("tab", 2);
  await new Promise((done) => setTimeout(done, 30));
  assert.deepEqual(values, [1, 2]);
});
