import assert from "node:assert/strict";
import { test } from "node:test";

import { canUndo, describeRetrain } from "../../src/lib/retrain-progress.js";

const INSTALLED = { state: "installed", stage: null, message: "The new model learnt 3 of your 4 reports and is in use (…).", model: "baitwatch-url-abc", served: "baitwatch-url-abc" };

test("while it runs, the popup says what the retrain does; after, the daemon's words", () => {
  assert.equal(describeRetrain({ state: "running", stage: "judging the new model on 32,000 held-out rows" }), "Learning from your reports: judging the new model on 32,000 held-out rows…");
  assert.equal(describeRetrain(INSTALLED), INSTALLED.message);
  assert.equal(describeRetrain({ state: "kept", message: "Kept the model you had. …" }), "Kept the model you had. …");
  assert.equal(describeRetrain({ state: "idle", message: null }), "");
});

test("Undo is offered only while the model the retrain installed is in use", () => {
  assert.equal(canUndo(INSTALLED), true);
  assert.equal(canUndo({ ...INSTALLED, served: "baitwatch-url-shipped" }), false); // undone already, or another model chosen
  assert.equal(canUndo({ ...INSTALLED, state: "kept", model: null, served: null }), false);
  assert.equal(canUndo({ state: "running", model: null, served: "baitwatch-url-abc" }), false);
});
